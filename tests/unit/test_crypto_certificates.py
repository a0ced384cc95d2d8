"""Certificates: AWS IoT's certificateId, fingerprints, expiry, key matching."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest

from iotforge.crypto import (
    CodeSigningIdentity,
    InvalidInput,
    certificate_fingerprint,
    certificate_id,
    certificate_public_key_matches,
    generate_code_signing_identity,
    generate_private_key,
    load_certificate,
    load_private_key,
    not_valid_after,
)

NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def identity() -> CodeSigningIdentity:
    return generate_code_signing_identity("ecdsa-p256", "fleet-signer", now=NOW)


def _der_of(pem: bytes) -> bytes:
    body = b"".join(line for line in pem.splitlines() if not line.startswith(b"-----"))
    return base64.b64decode(body)


def test_certificate_id_is_the_hex_sha256_of_the_der(identity: CodeSigningIdentity) -> None:
    expected = hashlib.sha256(_der_of(identity.certificate_pem)).hexdigest()

    assert certificate_id(identity.certificate_pem) == expected
    assert certificate_id(identity.certificate_pem.decode()) == expected
    assert re.fullmatch(r"[0-9a-f]{64}", expected)


def test_fingerprint_is_the_same_digest_in_openssl_form(identity: CodeSigningIdentity) -> None:
    fingerprint = certificate_fingerprint(identity.certificate_pem)

    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", fingerprint)
    assert fingerprint.replace(":", "").lower() == certificate_id(identity.certificate_pem)


def test_not_valid_after_is_utc_and_long_lived(identity: CodeSigningIdentity) -> None:
    expiry = not_valid_after(identity.certificate_pem)

    assert expiry.tzinfo is not None
    assert expiry.utcoffset() == timedelta(0)
    assert expiry - NOW > timedelta(days=19 * 365)


def test_certificate_matches_its_key_only(identity: CodeSigningIdentity) -> None:
    key = load_private_key(identity.private_key_pem)

    assert certificate_public_key_matches(identity.certificate_pem, key)
    assert certificate_public_key_matches(identity.certificate_pem, key.public_key())
    assert not certificate_public_key_matches(identity.certificate_pem, generate_private_key("ec-p256"))


def test_load_certificate_rejects_garbage() -> None:
    with pytest.raises(InvalidInput, match="not a PEM certificate"):
        load_certificate(b"hello")
