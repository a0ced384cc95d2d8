"""The emulator's certificate authority: every certificate it issues chains to this CA."""

from __future__ import annotations

import datetime as dt
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPublicKeyTypes
from cryptography.x509.oid import NameOID

from iotforge.crypto import build_certificate

CERTIFICATE_LIFETIME = dt.timedelta(days=365 * 30)
CA_SUBJECT = x509.Name(
    [
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "iotforge emulator"),
        x509.NameAttribute(NameOID.COMMON_NAME, "iotforge emulator CA"),
    ]
)


def _validity() -> tuple[dt.datetime, dt.datetime]:
    """Backdated a little so a client whose clock lags still accepts a certificate issued just now."""
    now = dt.datetime.now(dt.UTC)
    return now - dt.timedelta(minutes=5), now + CERTIFICATE_LIFETIME


def _self_signed(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    not_before, not_after = _validity()
    return build_certificate(CA_SUBJECT, key.public_key(), key, not_before=not_before, not_after=not_after, is_ca=True)


class EmulatorCA:
    """A P-256 CA, created fresh or loaded from PEM (the emulator's --state-dir)."""

    def __init__(
        self,
        key: ec.EllipticCurvePrivateKey | None = None,
        certificate: x509.Certificate | None = None,
    ) -> None:
        self.key = key or ec.generate_private_key(ec.SECP256R1())
        self.certificate = certificate or _self_signed(self.key)

    @classmethod
    def from_pem(cls, key_pem: bytes, certificate_pem: bytes) -> EmulatorCA:
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the emulator CA key must be an EC key")
        return cls(key, x509.load_pem_x509_certificate(certificate_pem))

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def issue(self, subject: x509.Name, public_key: CertificateIssuerPublicKeyTypes) -> x509.Certificate:
        """A device certificate for `public_key`, shaped like the ones AWS IoT issues."""
        not_before, not_after = _validity()
        return build_certificate(
            subject,
            public_key,
            self.key,
            not_before=not_before,
            not_after=not_after,
            issuer=self.certificate.subject,
        )


def certificate_id(certificate: x509.Certificate) -> str:
    """AWS IoT's certificateId: the hex SHA-256 of the certificate's DER encoding."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
