"""Every patch iotforge applies to moto, one function each, naming the moto defect it fixes.

Review this file, and only this file, when upgrading moto (pinned to 5.1.22). Patches replace
methods on moto's backend and model classes, so moto's own handlers and any code calling
`iot_backends[account][region]` directly see the same behaviour. Each replacement is marked, and
`_replace` leaves a marked method alone, so applying the patches twice (a second emulator in the
same process, a reloaded module) changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPublicKeyTypes
from cryptography.x509.oid import NameOID

from iotforge.emulator.ca import EmulatorCA
from iotforge.emulator.state import EmulatorState

_CA_ATTRIBUTE = "_iotforge_ca"
_PATCH_MARK = "_iotforge_patch"
_ENDPOINT_FORMS = {
    "iot:Data": ("data", "{id}.iot.{region}.amazonaws.com"),
    "iot:Data-ATS": ("data", "{id}-ats.iot.{region}.amazonaws.com"),
    "iot:CredentialProvider": ("credentials", "{id}.credentials.iot.{region}.amazonaws.com"),
    "iot:Jobs": ("data", "{id}.jobs.iot.{region}.amazonaws.com"),
}
_EC_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]")
_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def _replace(owner: Any, name: str, make: Callable[[Any], Callable[..., Any]]) -> None:
    """Set `owner.name` to `make(original)` unless a patch of ours is already there."""
    original = getattr(owner, name)
    if getattr(original, _PATCH_MARK, False):
        return
    replacement = make(original)
    setattr(replacement, _PATCH_MARK, True)
    setattr(owner, name, replacement)


def emulator_ca(state: EmulatorState) -> EmulatorCA:
    """The CA of this process's moto backends (process-wide, like the backends themselves)."""
    from moto.iot.models import IoTBackend

    ca: EmulatorCA | None = getattr(state, _CA_ATTRIBUTE, None)
    if ca is None:
        ca = getattr(IoTBackend, _CA_ATTRIBUTE, None) or EmulatorCA()
        adopt_ca(state, ca)
    return ca


def adopt_ca(state: EmulatorState, ca: EmulatorCA) -> None:
    """Make `ca` the issuer of every certificate from now on (a CA loaded from --state-dir)."""
    from moto.iot.models import IoTBackend

    setattr(state, _CA_ATTRIBUTE, ca)
    setattr(IoTBackend, _CA_ATTRIBUTE, ca)


def _current_ca(backend: Any) -> EmulatorCA:
    ca: EmulatorCA | None = getattr(type(backend), _CA_ATTRIBUTE, None)
    if ca is None:
        raise RuntimeError("moto_patches.apply_all(state) has not run")
    return ca


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _check_csr_key(public_key: Any) -> CertificateIssuerPublicKeyTypes:
    from moto.iot.exceptions import InvalidRequestException

    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size >= 2048:
        return public_key
    if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, _EC_CURVES):
        return public_key
    raise InvalidRequestException("The CSR key must be RSA (2048 bits or more) or EC P-256/384/521")


def patch_certificate_id_from_der() -> None:
    """moto: certificateId is the SHA-256 of the PEM text unless a config flag is set.

    AWS hashes the DER encoding; fall back to moto's PEM hash only for unparsable test PEMs.
    """
    from moto.iot.models import FakeCertificate

    def make(original: Callable[..., str]) -> Callable[..., str]:
        def compute_cert_id(self: Any, certificate_pem: str) -> str:
            try:
                der_id: str = self.compute_der_cert_id(certificate_pem)
            except ValueError:
                return original(self, certificate_pem)
            return der_id

        return compute_cert_id

    _replace(FakeCertificate, "compute_cert_id", make)


def patch_csr_certificates_issued_by_emulator_ca() -> None:
    """moto: CreateCertificateFromCsr certifies a fresh random RSA key, not the CSR's key.

    AWS certifies the CSR's own public key with the CSR's subject; ours chain to the emulator CA.
    A malformed CSR or a bad signature is InvalidRequestException (moto answers 500).
    """
    from moto.iot.exceptions import InvalidRequestException
    from moto.iot.models import IoTBackend

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_certificate_from_csr(self: Any, csr: str, set_as_active: bool) -> Any:
            try:
                request = x509.load_pem_x509_csr(csr.encode())
                signature_valid = request.is_signature_valid
            except ValueError:
                signature_valid = False
            if not signature_valid:
                raise InvalidRequestException("The certificate signing request is not valid")
            public_key = _check_csr_key(request.public_key())
            certificate = _current_ca(self).issue(request.subject, public_key)
            return self.register_certificate(
                _pem(certificate), ca_certificate_pem=None, set_as_active=set_as_active, status="INACTIVE"
            )

        return create_certificate_from_csr

    _replace(IoTBackend, "create_certificate_from_csr", make)


def patch_keys_and_certificate_issued_by_emulator_ca() -> None:
    """moto: CreateKeysAndCertificate certificates are self-signed, chaining to nothing.

    Like AWS: an RSA-2048 key pair (PKCS#1 private key, SPKI public key), subject
    "CN=AWS IoT Certificate", issued here by the emulator CA.
    """
    from moto.iot.models import IoTBackend

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_keys_and_certificate(self: Any, set_as_active: bool) -> tuple[Any, dict[str, str]]:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            key_pair = {
                "PublicKey": key.public_key()
                .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
                .decode(),
                "PrivateKey": key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.TraditionalOpenSSL,
                    serialization.NoEncryption(),
                ).decode(),
            }
            subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AWS IoT Certificate")])
            certificate = _current_ca(self).issue(subject, key.public_key())
            registered = self.register_certificate(
                _pem(certificate), ca_certificate_pem=None, set_as_active=set_as_active, status="INACTIVE"
            )
            return registered, key_pair

        return create_keys_and_certificate

    _replace(IoTBackend, "create_keys_and_certificate", make)


def endpoint_address(account_id: str, region: str, endpoint_type: str) -> str:
    """The stable endpoint of one account, region and endpoint type."""
    purpose, form = _ENDPOINT_FORMS[endpoint_type]
    digest = hashlib.sha256(f"{account_id}{region}{purpose}".encode()).digest()
    identifier = base64.b32encode(digest).decode().lower()[:14]
    return form.format(id=identifier, region=region)


def patch_stable_endpoints() -> None:
    """moto: DescribeEndpoint answers a new random hostname on every call; AWS's never changes."""
    from moto.iot.models import FakeEndpoint, IoTBackend

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def describe_endpoint(self: Any, endpoint_type: str) -> Any:
            endpoint = FakeEndpoint(endpoint_type, self.region_name)  # validates the type
            endpoint.endpoint = endpoint_address(self.account_id, self.region_name, endpoint_type)
            self.endpoint = endpoint
            return endpoint

        return describe_endpoint

    _replace(IoTBackend, "describe_endpoint", make)


def patch_create_thing_conflicts() -> None:
    """moto: CreateThing on an existing name silently replaces the thing (new thingId).

    AWS returns the existing thing when the type, attributes and billing group are the same, and
    ResourceAlreadyExistsException (409) when they differ.
    """
    from moto.iot.exceptions import ResourceAlreadyExistsException
    from moto.iot.models import IoTBackend

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_thing(
            self: Any,
            thing_name: str,
            thing_type_name: str | None,
            attribute_payload: dict[str, Any] | None,
            billing_group_name: str | None = None,
        ) -> Any:
            existing = self.things.get(_thing_arn(self, thing_name))
            if existing is None:
                return original(self, thing_name, thing_type_name, attribute_payload, billing_group_name)
            existing_type = existing.thing_type.thing_type_name if existing.thing_type else None
            attributes = (attribute_payload or {}).get("attributes") or {}
            same = (
                (thing_type_name or None) == existing_type
                and attributes == (existing.attributes or {})
                and (billing_group_name or None) == (existing.billing_group_name or None)
            )
            if not same:
                raise ResourceAlreadyExistsException(
                    f"Thing {thing_name} already exists in account with different attributes",
                    existing.thing_id,
                    existing.arn,
                )
            return existing

        return create_thing

    _replace(IoTBackend, "create_thing", make)


def patch_certificate_delete_checks_by_arn() -> None:
    """moto: DeleteCertificate resolves every attached principal to compare certificate ids.

    A policy attached to a thing group (or a Cognito identity) has no certificate_id, so deleting
    any certificate then fails with 500; a principal that no longer exists makes it fail with
    ResourceNotFoundException. Comparing ARNs needs neither lookup.
    """
    from moto.iot.exceptions import CertificateStateException, DeleteConflictException
    from moto.iot.models import IoTBackend

    def make(original: Callable[..., None]) -> Callable[..., None]:
        def _validation_delete(self: Any, cert: Any, force_delete: bool = False) -> None:
            if cert.status == "ACTIVE":
                raise CertificateStateException(
                    "Certificate must be deactivated (not ACTIVE) before deletion.", cert.certificate_id
                )
            if any(principal == cert.arn for principal, _ in self.principal_things):
                raise DeleteConflictException(f"Things must be detached before deletion (arn: {cert.arn})")
            attached = any(principal == cert.arn for principal, _ in self.principal_policies)
            if attached and not force_delete:
                raise DeleteConflictException(
                    f"Certificate policies must be detached before deletion (arn: {cert.arn})"
                )

        return _validation_delete

    _replace(IoTBackend, "_validation_delete", make)


def patch_force_delete_detaches_policies() -> None:
    """moto: DeleteCertificate with forceDelete leaves the certificate's policy attachments behind.

    The dangling target then blocks DeletePolicy (DeleteConflictException) and makes later
    certificate deletes fail. AWS detaches the policies along with the certificate.
    """
    from moto.iot.models import IoTBackend

    def make(original: Callable[..., None]) -> Callable[..., None]:
        def delete_certificate(self: Any, certificate_id: str, force_delete: bool) -> None:
            arn = self.describe_certificate(certificate_id).arn
            original(self, certificate_id, force_delete)
            for key in [key for key in self.principal_policies if key[0] == arn]:
                del self.principal_policies[key]

        return delete_certificate

    _replace(IoTBackend, "delete_certificate", make)


def invalid_bucket_name(name: str) -> bool:
    """True when S3 would refuse `name` for a new bucket (general purpose bucket naming rules)."""
    if not 3 <= len(name) <= 63 or not _BUCKET_NAME.fullmatch(name):
        return True
    if ".." in name or ".-" in name or "-." in name:
        return True
    if name.startswith(_BUCKET_PREFIXES) or name.endswith(_BUCKET_SUFFIXES):
        return True
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


def patch_bucket_name_rules() -> None:
    """moto: CreateBucket checks only the length of the name; S3 enforces the naming rules."""
    from moto.s3.exceptions import InvalidBucketName
    from moto.s3.models import S3Backend

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_bucket(self: Any, bucket_name: str, region_name: str) -> Any:
            if invalid_bucket_name(bucket_name):
                raise InvalidBucketName()
            return original(self, bucket_name, region_name)

        return create_bucket

    _replace(S3Backend, "create_bucket", make)


def _thing_arn(backend: Any, thing_name: str) -> str:
    from moto.utilities.utils import get_partition

    return f"arn:{get_partition(backend.region_name)}:iot:{backend.region_name}:{backend.account_id}:thing/{thing_name}"


def patch_constant_time_lookups() -> None:
    """moto: DescribeThing and every certificate-principal lookup scan all things or certificates.

    With thousands of things each call is linear, so fleet provisioning and bulk registration become
    quadratic (profiled: 29 s of 34 s for a 10,000-line registration). moto keys things by ARN and
    certificates by id, so both lookups can be direct.
    """
    from moto.iot.exceptions import ResourceNotFoundException
    from moto.iot.models import IoTBackend

    def make_describe(original: Callable[..., Any]) -> Callable[..., Any]:
        def describe_thing(self: Any, thing_name: str) -> Any:
            thing = self.things.get(_thing_arn(self, thing_name))
            if thing is None:
                raise ResourceNotFoundException()
            return thing

        return describe_thing

    def make_principal(original: Callable[..., Any]) -> Callable[..., Any]:
        def get_principal(self: Any, principal_arn: str) -> Any:
            if ":cert/" in principal_arn:
                certificate = self.certificates.get(principal_arn.rsplit("/", 1)[-1])
                if certificate is None or certificate.arn != principal_arn:
                    raise ResourceNotFoundException()
                return certificate
            return original(self, principal_arn)

        return get_principal

    _replace(IoTBackend, "describe_thing", make_describe)
    _replace(IoTBackend, "_get_principal", make_principal)


def patch_delete_thing_leaves_groups() -> None:
    """moto: DeleteThing leaves the thing listed in its thing groups.

    AWS removes a deleted thing from every group; moto keeps it, so ListThingsInThingGroup shows
    deleted things and a thing recreated under the same name looks like a member again.
    """
    from moto.iot.models import IoTBackend

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def delete_thing(self: Any, thing_name: str) -> None:
            arn = _thing_arn(self, thing_name)
            original(self, thing_name)
            for group in self.thing_groups.values():
                group.things.pop(arn, None)

        return delete_thing

    _replace(IoTBackend, "delete_thing", make)


def patch_thing_group_missing_parent() -> None:
    """moto: CreateThingGroup with a parent that does not exist fails with a 500 (UnboundLocalError).

    AWS answers ResourceNotFoundException.
    """
    from moto.iot.exceptions import ResourceNotFoundException
    from moto.iot.models import IoTBackend

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_thing_group(
            self: Any, thing_group_name: str, parent_group_name: str, *args: Any, **kwargs: Any
        ) -> Any:
            if parent_group_name and not any(
                group.thing_group_name == parent_group_name for group in self.thing_groups.values()
            ):
                raise ResourceNotFoundException(f"Thing group {parent_group_name} does not exist")
            return original(self, thing_group_name, parent_group_name, *args, **kwargs)

        return create_thing_group

    _replace(IoTBackend, "create_thing_group", make)


def apply_all(state: EmulatorState) -> None:
    emulator_ca(state)
    patch_certificate_id_from_der()
    patch_csr_certificates_issued_by_emulator_ca()
    patch_keys_and_certificate_issued_by_emulator_ca()
    patch_stable_endpoints()
    patch_create_thing_conflicts()
    patch_certificate_delete_checks_by_arn()
    patch_force_delete_detaches_policies()
    patch_bucket_name_rules()
    patch_constant_time_lookups()
    patch_delete_thing_leaves_groups()
    patch_thing_group_missing_parent()
