"""X.509 certificates: parse, identify as AWS IoT does, match against local keys."""

from __future__ import annotations

import hashlib
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from iotforge.crypto._pem import Pem, pem_bytes
from iotforge.crypto.errors import InvalidInput
from iotforge.crypto.keys import PrivateKey, PublicKey, public_keys_equal


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
