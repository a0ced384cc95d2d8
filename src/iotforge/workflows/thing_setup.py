"""A thing, its certificate and its policy: `create-thing-only`, `create-policy-only`, `create-thing-and-policy`.

One function serves the three seed commands (and `iotforge thing|policy|cert create`). Everything
that can be checked locally is checked first, the header question is asked before anything is
created, and a rerun reuses what an earlier run made: the thing, the policy, the key on disk and
its certificate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from iotforge.crypto import KeyType
from iotforge.errors import BadInputError, ConflictError, NotFoundError
from iotforge.workflows.credential_header import approve_header
from iotforge.workflows.models import IssuedCertificate, ThingSpec
from iotforge.workflows.naming import check_policy_name, check_thing_name
from iotforge.workflows.policy import check_policy_text, default_thing_policy, policy_text
from iotforge.workflows.ports import AccountProbe
from iotforge.workflows.resource_ports import Consent, HeaderFiles, IotResources, UserFiles, always
from iotforge.workflows.thing_credentials import (
    CredentialPaths,
    KeySource,
    credential_paths,
    ensure_certificate,
    find_certificate,
    load_key_file,
)

CREATE_NEW_CERTIFICATE = "CREATE_NEW_CERTIFICATE"
DEFAULT_CREDENTIALS_PATH = Path("certificates")
CERTIFICATE_ARN = re.compile(r"arn:aws[a-z-]*:iot:[a-z0-9-]+:\d{12}:cert/[0-9a-f]{64}")


@dataclass(frozen=True)
class ThingSetupRequest:
    thing_name: str | None
    policy_name: str | None = None
    create_thing: bool = True
    existing_certificate_arn: str | None = None  # None: a new key and certificate
    paths: CredentialPaths | None = None  # default: the seed's names under certificates/
    header: Path | None = None
    key_source: KeySource = "local"
    key_type: KeyType = "rsa-2048"
    policy_document: str | None = None
    # create-update-simplified: an existing thing keeps its certificate instead of getting another.
    adopt_thing_certificate: bool = False


@dataclass(frozen=True)
class ThingGateways:
    registry: IotResources
    account: AccountProbe
    files: UserFiles
    headers: HeaderFiles


@dataclass(frozen=True)
class ThingSetupResult:
    thing_name: str | None
    thing_created: bool | None  # None: no thing was asked for
    policy_name: str | None
    policy_created: bool
    certificate_arn: str
    certificate_id: str
    certificate_created: bool
    endpoint: str | None = None
    header: str | None = None
    header_changed: bool = False
    files: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())


def set_up_thing(request: ThingSetupRequest, gateways: ThingGateways, consent: Consent = always) -> ThingSetupResult:
    """Create (or reuse) the certificate, the thing and the policy, attach them, and set the header."""
    thing = _check(request)
    _check_credential_files(request, gateways.files, thing)
    endpoint: str | None = None
    write_header = False
    if request.header is not None:
        gateways.headers.read_state(request.header)  # present and readable before any AWS call
        assert thing is not None
        endpoint = gateways.account.data_endpoint()
        write_header = approve_header(gateways.headers, request.header, endpoint, thing, consent)
    warnings: list[str] = []
    certificate, created, files = _certificate(request, gateways, thing, warnings)
    thing_created: bool | None = None
    if request.create_thing:
        assert thing is not None
        thing_created = _ensure_thing(gateways.registry, thing, certificate.arn, warnings)
    policy_created = False
    if request.policy_name is not None:
        policy_created = _ensure_policy(gateways, request.policy_name, request.policy_document, certificate.arn)
        if not policy_created and request.policy_document is not None:
            warnings.append(f"policy {request.policy_name} already existed: its document was left as it is")
    header_changed = False
    if write_header and request.header is not None and endpoint is not None and thing is not None:
        header_changed = gateways.headers.write_values(request.header, endpoint, thing)
    return ThingSetupResult(
        thing_name=thing,
        thing_created=thing_created,
        policy_name=request.policy_name,
        policy_created=policy_created,
        certificate_arn=certificate.arn,
        certificate_id=certificate.certificate_id,
        certificate_created=created,
        endpoint=endpoint,
        header=str(request.header) if request.header is not None else None,
        header_changed=header_changed,
        files=files,
        warnings=tuple(warnings),
    )


def check_certificate_arn(arn: str) -> str:
    if not CERTIFICATE_ARN.fullmatch(arn):
        raise BadInputError(
            f"--existing_certificate_arn {arn!r} is neither {CREATE_NEW_CERTIFICATE} nor a certificate ARN.",
            "Pass the ARN create-thing-only printed (arn:aws:iot:REGION:ACCOUNT:cert/<64 hex digits>), "
            f"or {CREATE_NEW_CERTIFICATE}.",
        )
    return arn


def _check(request: ThingSetupRequest) -> str | None:
    thing = request.thing_name
    if thing is not None:
        check_thing_name(thing)
    if request.policy_name is not None:
        check_policy_name(request.policy_name)
    if request.policy_document is not None:
        check_policy_text(request.policy_document, "the --policy_file document")
    if request.existing_certificate_arn is not None:
        check_certificate_arn(request.existing_certificate_arn)
    elif thing is None:
        raise BadInputError(
            "A new certificate needs a thing name: its files are named after the thing.",
            "Pass --thing_name NAME, or --existing_certificate_arn ARN to use a certificate you have.",
        )
    if request.create_thing and thing is None:
        raise BadInputError("Creating a thing needs its name.", "Pass --thing_name NAME.")
    if request.create_thing and request.header is None:
        raise BadInputError(
            "Creating a thing also writes its endpoint and name into aws_clientcredential.h; no header was named.",
            "Pass --target_application APP (keyword-detection, object-detection, speech-recognition) or "
            "--credentials_header PATH.",
        )
    if request.key_source == "aws" and request.key_type != "rsa-2048":
        raise BadInputError(
            "--key-source aws makes AWS generate an RSA-2048 key; --key-type does not apply.",
            "Drop --key-type, or use --key-source local.",
        )
    return thing


def _check_credential_files(request: ThingSetupRequest, files: UserFiles, thing: str | None) -> None:
    """A key file already there must be a key, and every credential file writable: checked before any AWS call."""
    if request.existing_certificate_arn is not None or thing is None:
        return
    paths = request.paths or credential_paths(DEFAULT_CREDENTIALS_PATH, thing)
    for path in paths.all():
        files.check_writable(path)
    key_pem = files.read_optional(paths.private_key)
    if key_pem is not None:
        load_key_file(key_pem, paths.private_key)


def _certificate(
    request: ThingSetupRequest, gateways: ThingGateways, thing: str | None, warnings: list[str]
) -> tuple[IssuedCertificate, bool, tuple[str, ...]]:
    registry = gateways.registry
    if request.existing_certificate_arn is not None:
        arn = request.existing_certificate_arn
        certificate = arn.rsplit("/", 1)[-1]
        if registry.certificate_status(certificate) is None:
            raise NotFoundError(f"No certificate has the ARN {arn}.", "List them with `iotforge list-certificates`.")
        return IssuedCertificate(arn, certificate, ""), False, ()
    assert thing is not None
    paths = request.paths or credential_paths(DEFAULT_CREDENTIALS_PATH, thing)
    if request.adopt_thing_certificate:
        adopted = _adopt_thing_certificate(gateways, paths, thing, warnings)
        if adopted is not None:
            return adopted, False, ()
    outcome = ensure_certificate(registry, gateways.files, paths, thing, request.key_source, request.key_type)
    return outcome.certificate, outcome.created, tuple(str(path) for path in paths.all())


def _adopt_thing_certificate(
    gateways: ThingGateways, paths: CredentialPaths, thing: str, warnings: list[str]
) -> IssuedCertificate | None:
    principals = [p for p in gateways.registry.thing_principals(thing) or [] if ":cert/" in p]
    if not principals:
        return None
    key_pem = gateways.files.read_optional(paths.private_key)
    if key_pem is not None:
        key = load_key_file(key_pem, paths.private_key)
        found = find_certificate(gateways.registry, gateways.files, paths, thing, key)
        if found is not None and found.arn in principals:
            return found
    arn = principals[0]
    warnings.append(
        f"reusing thing {thing} and its certificate {arn.rsplit('/', 1)[-1][:12]}...: make sure its key and "
        f"certificate are at {paths.private_key} and {paths.certificate}"
    )
    certificate = arn.rsplit("/", 1)[-1]
    return IssuedCertificate(arn, certificate, "")


def _ensure_thing(registry: IotResources, thing: str, certificate_arn: str, warnings: list[str]) -> bool:
    created = False
    if not registry.thing_exists(thing):
        registry.create_thing(ThingSpec(thing))
        created = True
    principals = [] if created else registry.thing_principals(thing) or []
    if certificate_arn not in principals:
        if principals:
            warnings.append(f"thing {thing} already had {len(principals)} certificate(s); this one was added")
        registry.attach_thing_principal(thing, certificate_arn)
    return created


def _ensure_policy(gateways: ThingGateways, policy: str, document: str | None, certificate_arn: str) -> bool:
    registry, account = gateways.registry, gateways.account
    created = False
    if not registry.policy_exists(policy):
        if document is None:
            document = policy_text(default_thing_policy(account.region(), account.caller_identity().account))
        try:
            registry.create_policy(policy, document)
            created = True
        except ConflictError:
            pass  # made by a concurrent run a moment ago: reuse it
    registry.attach_policy(policy, certificate_arn)
    return created
