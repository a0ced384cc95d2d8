"""Certificates: issued by the emulator CA, identified like AWS, deleted cleanly, listed in pages."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPublicKeyTypes
from cryptography.x509.oid import NameOID

from iotforge.emulator.ca import EmulatorCA
from iotforge.emulator.moto_patches._base import replace
from iotforge.emulator.state import EmulatorState

_CA_ATTRIBUTE = "_iotforge_ca"
_EC_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
# ListCertificates: AWS's default page size and the largest pageSize it accepts.
LIST_CERTIFICATES_PAGE_SIZE = 25
LIST_CERTIFICATES_PAGE_MAX = 250

_OrderKey = tuple[datetime, str]


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

    replace(FakeCertificate, "compute_cert_id", make)


def patch_csr_certificates_issued_by_emulator_ca() -> None:
    """moto: CreateCertificateFromCsr certifies a fresh random RSA key, not the CSR's key.

    AWS certifies the CSR's own public key with the CSR's subject; ours chain to the emulator CA.
    A malformed CSR or a bad signature is InvalidRequestException (moto answers 500). moto also
    hands the setAsActive query parameter on as text, so "false" made an ACTIVE certificate.
    """
    from moto.iot.exceptions import InvalidRequestException
    from moto.iot.models import IoTBackend

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_certificate_from_csr(self: Any, csr: str, set_as_active: bool | str | None) -> Any:
            if isinstance(set_as_active, str):  # over HTTP; backend callers pass a bool
                set_as_active = set_as_active.lower() == "true"
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

    replace(IoTBackend, "create_certificate_from_csr", make)


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

    replace(IoTBackend, "create_keys_and_certificate", make)


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

    replace(IoTBackend, "_validation_delete", make)


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

    replace(IoTBackend, "delete_certificate", make)


def patch_list_certificates_order_and_pages() -> None:
    """moto: ListCertificates ignores isAscendingOrder, pageSize and marker, and never pages.

    AWS lists by creation date, newest first unless ascendingOrder is true, in pages of pageSize
    (1 to 250, default 25), with nextMarker while more remain. Our marker names the last
    certificate of the page (creation date and id, which also breaks ties), so certificates
    created or deleted between pages make none of the others repeat or go missing.
    """
    from moto.core.responses import ActionResult
    from moto.iot.responses import IoTResponse

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def list_certificates(self: Any) -> Any:
            query: dict[str, list[str]] = self.querystring
            ascending = _first(query, "isAscendingOrder").lower() == "true"
            size = _page_size(_first(query, "pageSize") or None)
            marker = _first(query, "marker")
            after = _marker_key(marker) if marker else None
            listed = sorted(self.iot_backend.list_certificates(), key=_order_key, reverse=not ascending)
            if after is not None:
                listed = [item for item in listed if _beyond(_order_key(item), after, ascending)]
            page = listed[:size]
            document: dict[str, Any] = {"certificates": [item.to_dict() for item in page]}
            if len(listed) > size:
                document["nextMarker"] = _marker(_order_key(page[-1]))
            return ActionResult(document)

        return list_certificates

    replace(IoTResponse, "list_certificates", make)


def _first(query: dict[str, list[str]], name: str) -> str:
    return (query.get(name) or [""])[0]


def _order_key(certificate: Any) -> _OrderKey:
    return (certificate.creation_date, certificate.certificate_id)


def _beyond(key: _OrderKey, marker: _OrderKey, ascending: bool) -> bool:
    """Whether `key` comes after the marker's certificate in the listing's order."""
    return marker < key if ascending else key < marker


def _page_size(text: str | None) -> int:
    from moto.iot.exceptions import InvalidRequestException

    if text is None:
        return LIST_CERTIFICATES_PAGE_SIZE
    try:
        size = int(text)
    except ValueError:
        size = 0
    if not 1 <= size <= LIST_CERTIFICATES_PAGE_MAX:
        raise InvalidRequestException(
            f"1 validation error detected: Value '{text}' at 'pageSize' failed to satisfy constraint: "
            f"Member must have value between 1 and {LIST_CERTIFICATES_PAGE_MAX}"
        )
    return size


def _marker(key: _OrderKey) -> str:
    created, certificate_id = key
    return base64.b64encode(f"{created.isoformat()} {certificate_id}".encode()).decode()


def _marker_key(marker: str) -> _OrderKey:
    from moto.iot.exceptions import InvalidRequestException

    try:
        created, certificate_id = base64.b64decode(marker, validate=True).decode().split(" ")
        return (datetime.fromisoformat(created), certificate_id)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidRequestException(f"The marker {marker!r} is not valid") from error
