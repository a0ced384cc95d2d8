"""Certificate signing requests, the way AWS IoT CreateCertificateFromCsr takes them."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from iotforge.crypto._pem import Pem, pem_bytes
from iotforge.crypto.errors import InvalidInput
from iotforge.crypto.keys import PrivateKey, PublicKey, public_key_of

# X.520 upper bounds; cryptography enforces the common name's and would raise a bare ValueError.
_MAX_COMMON_NAME = 64
_MAX_ORGANIZATION = 64


@dataclass(frozen=True, slots=True)
class CsrSubject:
    """The subject fields iotforge writes into a CSR."""

    common_name: str | None
    organization: str | None


def build_csr(key: PrivateKey, common_name: str, organization: str | None = None) -> bytes:
    """Build a PEM CSR for `key`, signed with SHA-256, naming `common_name` (and `organization`)."""
    _check_name_field("common name", common_name, _MAX_COMMON_NAME)
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization is not None:
        _check_name_field("organization", organization, _MAX_ORGANIZATION)
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    request = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes)).sign(key, hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM)


def load_csr(pem: Pem) -> x509.CertificateSigningRequest:
    """Parse a PEM CSR and check its self-signature, as AWS IoT will."""
    try:
        request = x509.load_pem_x509_csr(pem_bytes(pem))
    except ValueError as exc:
        raise InvalidInput(f"not a PEM certificate signing request: {exc}") from exc
    if not request.is_signature_valid:
        raise InvalidInput("the CSR's signature does not match its public key")
    return request


def csr_public_key(pem: Pem) -> PublicKey:
    """Return the public key a PEM CSR asks to certify."""
    return public_key_of(load_csr(pem))


def csr_subject(pem: Pem) -> CsrSubject:
    """Return the common name and organization of a PEM CSR (None where absent)."""
    subject = load_csr(pem).subject
    return CsrSubject(
        common_name=_first_value(subject, NameOID.COMMON_NAME),
        organization=_first_value(subject, NameOID.ORGANIZATION_NAME),
    )


def _first_value(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    attributes = name.get_attributes_for_oid(oid)
    if not attributes:
        return None
    value = attributes[0].value
    return value if isinstance(value, str) else value.decode("utf-8", errors="replace")


def _check_name_field(label: str, value: str, limit: int) -> None:
    if not 1 <= len(value) <= limit:
        raise InvalidInput(f"the {label} must be 1 to {limit} characters, got {len(value)}")
