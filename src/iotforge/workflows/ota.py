"""FreeRTOS OTA updates: verify, upload to a versioned bucket, make or check the role, create, wait.

`create_ota_update` is the one function behind `iotforge ota create` and the seed's
`create-bucket-role-update`, `create-update-only` and `create-update-simplified`. Rerunning it
after an interruption adopts the update it already created (same id, same signature) and waits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from iotforge.crypto import CryptoError, parse_signature_file
from iotforge.errors import AwsError, BadInputError, ConflictError, IotforgeError, NotFoundError
from iotforge.workflows.naming import check_bucket_name, check_role_name, check_update_name
from iotforge.workflows.ota_checks import (
    check_job_settings,
    check_permissions_boundary,
    check_presigned_seconds,
    check_protocols,
    check_targets,
)
from iotforge.workflows.ota_models import (
    JobSettings,
    OtaFile,
    OtaUpdateInfo,
    OtaUpdateSpec,
    Protocol,
    SignatureAlgorithmName,
)
from iotforge.workflows.ota_roles import OTA_ROLE_POLICY_NAME, check_role_fits, ota_role_permissions, ota_role_trust
from iotforge.workflows.ports import AccountProbe, ObjectStore, OtaControl, ProgressPort, RoleStore, SilentProgress
from iotforge.workflows.signing import signature_algorithm_from_length, verify_signature

# Where the device finds the code-signing certificate. Most FreeRTOS OTA PALs ignore it and verify
# with the certificate built into the image (otapalconfigCODE_SIGNING_CERTIFICATE); Arm's
# createIoTThings.py sends "0".
DEFAULT_CERT_PATH_ON_DEVICE = "/cert.pem"
DEFAULT_WAIT_SECONDS = 300.0
FIRST_POLL, MAX_POLL = 0.25, 5.0
STAGES = 5  # checked, bucket, role, created, complete


@dataclass(frozen=True)
class OtaGateways:
    storage: ObjectStore
    roles: RoleStore
    ota: OtaControl
    account: AccountProbe


@dataclass(frozen=True)
class OtaRequest:
    update_id: str
    firmware: bytes = field(repr=False)
    firmware_name: str
    bucket: str
    role_name: str
    things: tuple[str, ...] = ()
    thing_groups: tuple[str, ...] = ()
    signature_b64: str | None = None  # the text of update-signature.txt
    certificate_pem: bytes | None = field(default=None, repr=False)  # verify the signature first
    signer_profile: str | None = None  # instead of a signature: sign with AWS Signer
    key: str | None = None  # S3 key; default <update_id>/<firmware_name>
    create_bucket: bool = False
    create_role: bool = False
    permissions_boundary: str | None = None
    check_role: bool = True
    protocols: tuple[Protocol, ...] = ("MQTT",)
    name_on_device: str | None = None  # default: firmware_name
    certificate_path_on_device: str = DEFAULT_CERT_PATH_ON_DEVICE
    signature_algorithm: SignatureAlgorithmName | None = None  # default: from the certificate
    file_type: int | None = None
    settings: JobSettings = field(default_factory=JobSettings)
    presigned_url_expires: int | None = None
    description: str | None = None
    wait: bool = True
    wait_seconds: float = DEFAULT_WAIT_SECONDS


@dataclass(frozen=True)
class OtaResult:
    update_id: str
    update_arn: str
    status: str
    job_id: str | None
    job_arn: str | None
    targets: tuple[str, ...]
    bucket: str
    key: str | None
    version_id: str | None
    sha256: str | None
    role_arn: str | None
    signature_algorithm: SignatureAlgorithmName | None
    bucket_created: bool = False
    role_created: bool = False
    resumed: bool = False
    warnings: tuple[str, ...] = ()


def create_ota_update(
    request: OtaRequest,
    gateways: OtaGateways,
    progress: ProgressPort | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> OtaResult:
    """Create (or finish creating) the OTA update `request` describes; wait for CREATE_COMPLETE."""
    progress = progress or SilentProgress()
    signature_b64, algorithm, warnings = _check_request(request)
    existing = gateways.ota.get_ota_update(request.update_id)
    if existing is not None:
        return _adopt(request, gateways, existing, signature_b64, algorithm, progress, sleep)
    progress.start(STAGES, f"OTA update {request.update_id}")
    try:
        progress.advance()
        targets = _target_arns(request, gateways.ota)
        bucket_created = _ensure_bucket(request, gateways.storage)
        progress.advance()
        role_arn, role_created = _ensure_role(request, gateways)
        progress.advance()
        key = request.key or f"{request.update_id}/{request.firmware_name}"
        stored = gateways.storage.upload_object(request.bucket, key, request.firmware)
        if stored.version_id is None:
            raise ConflictError(
                f"S3 gave no version id for s3://{request.bucket}/{key}, so the update cannot pin the image.",
                f"Turn versioning on for bucket {request.bucket}, then rerun.",
            )
        signer_job = (
            gateways.ota.start_signing_job(request.signer_profile, request.bucket, key, stored.version_id)
            if request.signer_profile
            else None
        )
        file = OtaFile(
            name_on_device=request.name_on_device or request.firmware_name,
            bucket=request.bucket,
            key=key,
            version_id=stored.version_id,
            signature_algorithm=algorithm or "ECDSA",
            certificate_path_on_device=request.certificate_path_on_device,
            signature_b64=signature_b64,
            signer_job_id=signer_job.job_id if signer_job else None,
            file_type=request.file_type,
        )
        spec = OtaUpdateSpec(
            update_id=request.update_id,
            targets=targets,
            files=(file,),
            role_arn=role_arn,
            protocols=request.protocols,
            settings=request.settings,
            presigned_url_expires=request.presigned_url_expires,
            description=request.description,
        )
        created = gateways.ota.create_ota_update(spec)
        progress.advance()
        final = _wait(gateways.ota, created, request, role_created, sleep) if request.wait else created
        progress.advance()
    finally:
        progress.finish()
    return OtaResult(
        update_id=final.update_id,
        update_arn=final.arn or created.arn,
        status=final.status,
        job_id=final.job_id or created.job_id,
        job_arn=final.job_arn or created.job_arn,
        targets=targets,
        bucket=request.bucket,
        key=key,
        version_id=stored.version_id,
        sha256=stored.sha256,
        role_arn=role_arn,
        signature_algorithm=algorithm,
        bucket_created=bucket_created,
        role_created=role_created,
        warnings=tuple(warnings),
    )


def _check_request(request: OtaRequest) -> tuple[str | None, SignatureAlgorithmName | None, list[str]]:
    """Everything knowable before calling AWS; returns (signature, algorithm, warnings)."""
    check_update_name(request.update_id)
    check_bucket_name(request.bucket)
    check_role_name(request.role_name)
    check_targets(request.things, request.thing_groups)
    check_protocols(request.protocols)
    check_job_settings(request.settings)
    check_permissions_boundary(request.permissions_boundary)
    if request.presigned_url_expires is not None:
        check_presigned_seconds(request.presigned_url_expires, "--presigned-url-expires")
    if not request.firmware:
        raise BadInputError(f"The firmware image {request.firmware_name} is empty.", "Pass the built image.")
    if not request.certificate_path_on_device or not (request.name_on_device or request.firmware_name):
        raise BadInputError("The certificate path and file name on the device must not be empty.", None)
    if bool(request.signature_b64) == bool(request.signer_profile):
        raise BadInputError(
            "An OTA update needs exactly one way of signing.",
            "Pass --signature update-signature.txt (your own signature) or --signer-profile NAME (AWS Signer).",
        )
    if request.signer_profile:
        return None, None, []
    assert request.signature_b64 is not None
    if request.certificate_pem is not None:
        verified = verify_signature(
            request.firmware, request.signature_b64, request.certificate_pem, request.firmware_name
        )
        if request.signature_algorithm not in (None, verified.algorithm):
            raise BadInputError(
                f"The certificate holds an {verified.algorithm} key, not {request.signature_algorithm}.",
                "Drop the signature algorithm option: it follows from the certificate.",
            )
        return verified.signature_b64, verified.algorithm, []
    try:
        signature_b64 = parse_signature_file(request.signature_b64)
    except CryptoError as error:
        raise BadInputError(f"The signature is unreadable: {error.reason}.", "Pass update-signature.txt.") from error
    algorithm = request.signature_algorithm or signature_algorithm_from_length(signature_b64)
    warning = "the signature was not checked before upload: pass --cert with the code-signing certificate"
    return signature_b64, algorithm, [warning]


def _adopt(
    request: OtaRequest,
    gateways: OtaGateways,
    existing: OtaUpdateInfo,
    signature_b64: str | None,
    algorithm: SignatureAlgorithmName | None,
    progress: ProgressPort,
    sleep: Callable[[float], None],
) -> OtaResult:
    """The update exists: finish waiting for it if an earlier run of this same request made it."""
    if existing.status == "CREATE_FAILED":
        raise ConflictError(
            f"OTA update {existing.update_id} exists and failed: {existing.error_code}: {existing.error_message}.",
            f"Delete it with `iotforge ota delete {existing.update_id}`, fix the cause, and rerun.",
        )
    if signature_b64 is None or existing.signatures != (signature_b64,):
        raise ConflictError(
            f"OTA update {existing.update_id} already exists (status {existing.status}) with another image.",
            f"Choose another update id, or remove it first: iotforge ota delete {existing.update_id}.",
        )
    progress.start(1, f"OTA update {existing.update_id} (resuming)")
    try:
        final = _wait(gateways.ota, existing, request, False, sleep) if request.wait else existing
        progress.advance()
    finally:
        progress.finish()
    return OtaResult(
        update_id=final.update_id,
        update_arn=final.arn,
        status=final.status,
        job_id=final.job_id,
        job_arn=final.job_arn,
        targets=final.targets,
        bucket=request.bucket,
        key=None,
        version_id=None,
        sha256=None,
        role_arn=None,
        signature_algorithm=algorithm,
        resumed=True,
    )


def _target_arns(request: OtaRequest, ota: OtaControl) -> tuple[str, ...]:
    arns = [ota.thing_arn(name) for name in dict.fromkeys(request.things)]
    arns += [ota.thing_group_arn(name) for name in dict.fromkeys(request.thing_groups)]
    return tuple(arns)


def _ensure_bucket(request: OtaRequest, storage: ObjectStore) -> bool:
    """Make sure the bucket exists and keeps versions; True when this call created it."""
    created = False
    if not storage.bucket_exists(request.bucket):
        if not request.create_bucket:
            raise NotFoundError(
                f"Bucket {request.bucket} does not exist.",
                "Add --create-bucket to create it (versioned, private, encrypted), or pass an existing --bucket.",
            )
        storage.create_bucket(request.bucket)
        created = True
    elif request.create_bucket and storage.bucket_is_empty(request.bucket):
        # An earlier run was stopped between CreateBucket and its settings: finish them. An empty
        # bucket holds nothing anyone relies on, so a user's own bucket in use is never changed.
        storage.secure_bucket(request.bucket)
    versioning = storage.bucket_versioning(request.bucket)
    if versioning != "Enabled":
        raise ConflictError(
            f"Bucket {request.bucket} does not keep object versions (versioning {versioning or 'never enabled'}); "
            "an OTA update pins the image's version so a later upload cannot change what devices receive.",
            f"Enable it: aws s3api put-bucket-versioning --bucket {request.bucket} "
            "--versioning-configuration Status=Enabled (or use --create-bucket with a new bucket).",
        )
    return created


def _ensure_role(request: OtaRequest, gateways: OtaGateways) -> tuple[str, bool]:
    """The role's ARN, creating it with least privilege if asked; True when this call created it."""
    role = gateways.roles.get_role(request.role_name)
    if role is None:
        if not request.create_role:
            raise NotFoundError(
                f"Role {request.role_name} does not exist.",
                "Add --create-role to create it with the least privilege OTA updates need.",
            )
        account, region = gateways.account.caller_identity().account, gateways.account.region()
        arn = gateways.roles.create_role(
            request.role_name,
            ota_role_trust(account),
            request.permissions_boundary,
            f"iotforge: AWS IoT OTA updates from s3://{request.bucket}",
        )
        permissions = ota_role_permissions(request.bucket, arn, region, account, signer=bool(request.signer_profile))
        gateways.roles.put_role_policy(request.role_name, OTA_ROLE_POLICY_NAME, permissions)
        return arn, True
    if request.create_role and not role.inline_policies:
        account, region = gateways.account.caller_identity().account, gateways.account.region()
        if role.trust_document == ota_role_trust(account):
            # Our own role, left without its permissions by an interrupted run: add them now.
            permissions = ota_role_permissions(
                request.bucket, role.arn, region, account, signer=bool(request.signer_profile)
            )
            gateways.roles.put_role_policy(request.role_name, OTA_ROLE_POLICY_NAME, permissions)
            role = gateways.roles.get_role(request.role_name) or role
    if request.check_role:
        problems = check_role_fits(role, request.bucket)
        if problems:
            raise IotforgeError(
                f"Role {role.name} cannot serve OTA updates from bucket {request.bucket}: " + "; ".join(problems) + ".",
                "Fix the role, use a new --role with --create-role, or pass --no-role-check if its permissions "
                "come from somewhere iotforge cannot read.",
            )
    return role.arn, False


def _wait(
    ota: OtaControl,
    created: OtaUpdateInfo,
    request: OtaRequest,
    role_created: bool,
    sleep: Callable[[float], None],
) -> OtaUpdateInfo:
    """Poll GetOTAUpdate (backing off) until the update settles or the wait runs out."""
    deadline = time.monotonic() + request.wait_seconds
    delay, info = FIRST_POLL, created
    while info.status not in ("CREATE_COMPLETE", "CREATE_FAILED"):
        if time.monotonic() >= deadline:
            raise IotforgeError(
                f"OTA update {info.update_id} is still {info.status} after {request.wait_seconds:.0f} s.",
                f"Follow it with `iotforge ota status {info.update_id} --watch`.",
            )
        sleep(delay)
        delay = min(MAX_POLL, delay * 2)
        found = ota.get_ota_update(info.update_id)
        if found is None:
            raise NotFoundError(f"OTA update {info.update_id} disappeared while it was being created.", None)
        info = found
    if info.status == "CREATE_FAILED":
        raise AwsError(
            f"OTA update {info.update_id} failed: {info.error_code}: {info.error_message}",
            _failure_hint(info, request, role_created),
            code=info.error_code,
        )
    return info


def _failure_hint(info: OtaUpdateInfo, request: OtaRequest, role_created: bool) -> str:
    then = f"then `iotforge ota delete {info.update_id}` and rerun."
    if "role" in (info.error_message or "").lower() or info.error_code == "AccessDeniedException":
        fresh = " A role created seconds ago can take a few seconds to reach AWS IoT." if role_created else ""
        return (
            f"AWS IoT could not use role {request.role_name}: its trust policy must allow iot.amazonaws.com "
            f"(--create-role makes a fitting role).{fresh} Fix it, {then}"
        )
    return f"Fix the cause above, {then}"
