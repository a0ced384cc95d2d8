"""X.509 certificates: build, parse, identify as AWS IoT does, match against local keys."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    CertificateIssuerPublicKeyTypes,
)

from iotforge.crypto._pem import Pem, pem_bytes
from iotforge.crypto.errors import InvalidInput
from iotforge.crypto.keys import PrivateKey, PublicKey, public_keys_equal


def key_usage(
    *,
    digital_signature: bool = False,
    key_encipherment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    """Return a KeyUsage with only the named bits set; the ones no certificate of ours uses stay off."""
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def build_certificate(
    subject: x509.Name,
    public_key: CertificateIssuerPublicKeyTypes,
    signing_key: CertificateIssuerPrivateKeyTypes,
    *,
    not_before: datetime,
    not_after: datetime,
    issuer: x509.Name | None = None,
    is_ca: bool = False,
    extended_key_usage: Sequence[x509.ObjectIdentifier] = (),
) -> x509.Certificate:
    """Certify `public_key` as `subject`, signed with `signing_key` over SHA-256, with a random serial.

    `issuer=None` makes it self-signed (issuer = subject; `signing_key` must be the subject's key).
    Extensions, in this order: BasicConstraints and KeyUsage (critical), ExtendedKeyUsage when given,
    SubjectKeyIdentifier, and AuthorityKeyIdentifier only when another issuer signs, as RFC 5280
    asks. A CA (`is_ca`) signs leaves only (path length 0) and may sign certificates and CRLs;
    anything else is a leaf that may only sign.
    """
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=0 if is_ca else None), critical=True)
        .add_extension(
            key_usage(digital_signature=True, key_cert_sign=is_ca, crl_sign=is_ca),
            critical=True,
        )
    )
    if extended_key_usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended_key_usage), critical=False)
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()),
            critical=False,
        )
    return builder.sign(signing_key, hashes.SHA256())


def load_certificate(pem: Pem) -> x509.Certificate:
    """Parse the first certificate of a PEM document."""
    try:
        return x509.load_pem_x509_certificate(pem_bytes(pem))
    except ValueError as exc:
        raise InvalidInput(f"not a PEM certificate: {exc}") from exc


def certificate_public_key_matches(cert_pem: Pem, key: PrivateKey | PublicKey) -> bool:
    """Tell whether the certificate certifies `key` (private or public)."""
    return public_keys_equal(load_certificate(cert_pem), key)


def certificate_id(cert_pem: Pem) -> str:
    """Return AWS IoT's certificateId: the lowercase hex SHA-256 of the certificate's DER."""
    return hashlib.sha256(_der(cert_pem)).hexdigest()


def certificate_fingerprint(cert_pem: Pem) -> str:
    """Return the SHA-256 fingerprint as `openssl x509 -fingerprint -sha256` prints it.

    The same digest as `certificate_id`, in the colon-separated uppercase form people
    compare by eye against the AWS console and openssl output.
    """
    return ":".join(f"{byte:02X}" for byte in hashlib.sha256(_der(cert_pem)).digest())


def not_valid_after(cert_pem: Pem) -> datetime:
    """Return the certificate's expiry as a timezone-aware UTC datetime."""
    return load_certificate(cert_pem).not_valid_after_utc


def _der(cert_pem: Pem) -> bytes:
    return load_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
