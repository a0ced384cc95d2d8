"""Firmware code signing: round trips, every way verification must fail, the signature file."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from iotforge.crypto import (
    CODE_SIGNING_ALGORITHMS,
    CodeSigningAlgorithm,
    CodeSigningIdentity,
    InvalidInput,
    Signature,
    SignatureMismatch,
    UnsupportedKey,
    aws_signature_algorithm,
    format_signature_file,
    generate_code_signing_identity,
    generate_private_key,
    key_matches_certificate,
    key_usage,
    load_certificate,
    load_private_key,
    ota_signature_key,
    parse_signature_file,
    private_key_pem,
    sign_firmware,
    verify_firmware,
)

IMAGE = bytes(range(256)) * 4


@pytest.fixture(scope="module")
def identities() -> dict[CodeSigningAlgorithm, CodeSigningIdentity]:
    # RSA-3072 key generation dominates this file's run time; make each identity once.
    return {
        algorithm: generate_code_signing_identity(algorithm, f"{algorithm}-signer")
        for algorithm in CODE_SIGNING_ALGORITHMS
    }


@pytest.fixture(scope="module")
def strangers() -> dict[CodeSigningAlgorithm, CodeSigningIdentity]:
    """Valid identities of the same algorithms, holding different keys."""
    return {
        algorithm: generate_code_signing_identity(algorithm, "someone-else") for algorithm in CODE_SIGNING_ALGORITHMS
    }


def _certificate_for(identity: CodeSigningIdentity, extensions: list[tuple[x509.ExtensionType, bool]]) -> bytes:
    """Certify `identity`'s key again, with exactly `extensions`."""
    key = load_private_key(identity.private_key_pem)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not-a-signer")])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def _flip(data: bytes, index: int, mask: int = 0x01) -> bytes:
    return data[:index] + bytes([data[index] ^ mask]) + data[index + 1 :]


@pytest.mark.parametrize("algorithm", CODE_SIGNING_ALGORITHMS)
def test_sign_and_verify_round_trip(
    identities: dict[CodeSigningAlgorithm, CodeSigningIdentity], algorithm: CodeSigningAlgorithm
) -> None:
    identity = identities[algorithm]

    signature = sign_firmware(IMAGE, identity.private_key_pem)

    assert signature.algorithm == algorithm
    assert signature.sha256_hex == hashlib.sha256(IMAGE).hexdigest()
    verify_firmware(IMAGE, signature.signature_b64, identity.certificate_pem)
    verify_firmware(IMAGE, signature.signature_b64, identity.certificate_pem.decode())


@pytest.mark.parametrize("algorithm", CODE_SIGNING_ALGORITHMS)
def test_a_flipped_image_byte_fails(
    identities: dict[CodeSigningAlgorithm, CodeSigningIdentity], algorithm: CodeSigningAlgorithm
) -> None:
    identity = identities[algorithm]
    signature = sign_firmware(IMAGE, identity.private_key_pem)

    with pytest.raises(SignatureMismatch, match="image changed after signing"):
        verify_firmware(_flip(IMAGE, 517), signature.signature_b64, identity.certificate_pem)


@pytest.mark.parametrize("algorithm", CODE_SIGNING_ALGORITHMS)
def test_another_certificate_of_the_same_algorithm_fails(
    identities: dict[CodeSigningAlgorithm, CodeSigningIdentity],
    strangers: dict[CodeSigningAlgorithm, CodeSigningIdentity],
    algorithm: CodeSigningAlgorithm,
) -> None:
    signature = sign_firmware(IMAGE, identities[algorithm].private_key_pem)

    with pytest.raises(SignatureMismatch, match="another key signed it") as caught:
        verify_firmware(IMAGE, signature.signature_b64, strangers[algorithm].certificate_pem)
    assert "CN=someone-else" in caught.value.reason


def test_an_rsa_signature_against_an_ecdsa_certificate_names_the_algorithms(
    identities: dict[CodeSigningAlgorithm, CodeSigningIdentity],
) -> None:
    signature = sign_firmware(IMAGE, identities["rsa-3072"].private_key_pem)

    with pytest.raises(SignatureMismatch, match=r"RSA-3072 signature.*EC P-256 key"):
        verify_firmware(IMAGE, signature.signature_b64, identities["ecdsa-p256"].certificate_pem)


def test_an_ecdsa_signature_against_an_rsa_certificate_names_the_algorithms(
    identities: dict[CodeSigningAlgorithm, CodeSigningIdentity],
) -> None:
    signature = sign_firmware(IMAGE, identities["ecdsa-p256"].private_key_pem)

    with pytest.raises(SignatureMismatch, match=r"an ECDSA signature.*RSA-3072 key"):
        verify_firmware(IMAGE, signature.signature_b64, identities["rsa-3072"].certificate_pem)


def test_a_raw_ecdsa_signature_is_reported_as_not_der(
    identities: dict[CodeSigningAlgorithm, CodeSigningIdentity],
) -> None:
    signature = sign_firmware(IMAGE, identities["ecdsa-p256"].private_key_pem)
    r, s = decode_dss_signature(base64.b64decode(signature.signature_b64))
    raw = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()

    with pytest.raises(SignatureMismatch, match="not a DER-encoded ECDSA signature"):
        verify_firmware(IMAGE, raw, identities["ecdsa-p256"].certificate_pem)


@pytest.mark.parametrize(
    ("extensions", "reason"),
    [
        ([], "has no extended key usage"),
        (
            [(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)],
            "is for serverAuth, not codeSigning",
        ),
        (
            [
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False),
                (key_usage(key_encipherment=True), True),
            ],
            "without digitalSignature",
        ),
    ],
    ids=["no-eku", "server-auth-eku", "no-digital-signature"],
)
def test_a_certificate_not_meant_for_code_signing_fails(
    identities: dict[CodeSigningAlgorithm, CodeSigningIdentity],
    extensions: list[tuple[x509.ExtensionType, bool]],
    reason: str,
) -> None:
    identity = identities["ecdsa-p256"]
    signature = sign_firmware(IMAGE, identity.private_key_pem)
    certificate = _certificate_for(identity, extensions)

    with pytest.raises(SignatureMismatch, match=reason):
        verify_firmware(IMAGE, signature.signature_b64, certificate)


def test_a_code_signing_certificate_without_key_usage_is_accepted(
    identities: dict[CodeSigningAlgorithm, CodeSigningIdentity],
) -> None:
    identity = identities["ecdsa-p256"]
    signature = sign_firmware(IMAGE, identity.private_key_pem)
    eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING])

    verify_firmware(IMAGE, signature.signature_b64, _certificate_for(identity, [(eku, False)]))


def test_generated_certificate_is_a_long_lived_code_signing_leaf() -> None:
    now = datetime(2030, 6, 1, tzinfo=UTC)
    identity = generate_code_signing_identity("ecdsa-p256", "fleet-signer", now=now)
    certificate = load_certificate(identity.certificate_pem)
    extensions = certificate.extensions

    assert certificate.subject == certificate.issuer
    assert certificate.not_valid_before_utc <= now
    assert certificate.not_valid_after_utc >= now + timedelta(days=19 * 365)
    assert extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert list(extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.CODE_SIGNING]
    assert "private_key_pem" not in repr(identity)


def test_rsa_signatures_use_a_digest_length_salt(
    identities: dict[CodeSigningAlgorithm, CodeSigningIdentity],
) -> None:
    # A strict PSA_ALG_RSA_PSS verifier accepts only salt length == hash length.
    identity = identities["rsa-3072"]
    signature = sign_firmware(IMAGE, identity.private_key_pem)
    public = load_certificate(identity.certificate_pem).public_key()
    assert isinstance(public, rsa.RSAPublicKey)

    public.verify(
        base64.b64decode(signature.signature_b64),
        IMAGE,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )


@pytest.mark.parametrize("key_type", ["ec-p384", "rsa-2048"])
def test_keys_devices_cannot_verify_are_refused(key_type: str) -> None:
    key_pem = private_key_pem(generate_private_key(key_type))  # type: ignore[arg-type]

    with pytest.raises(UnsupportedKey, match="cannot sign FreeRTOS OTA images"):
        sign_firmware(IMAGE, key_pem)


def test_a_certificate_for_a_key_devices_cannot_use_fails() -> None:
    rsa_2048 = CodeSigningIdentity(
        private_key_pem=private_key_pem(generate_private_key("rsa-2048")), certificate_pem=b""
    )
    eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING])
    certificate = _certificate_for(rsa_2048, [(eku, False)])

    with pytest.raises(SignatureMismatch, match="rsa-2048 cannot sign FreeRTOS OTA images"):
        verify_firmware(IMAGE, base64.b64encode(bytes(256)).decode(), certificate)


def test_key_matches_certificate(
    identities: dict[CodeSigningAlgorithm, CodeSigningIdentity],
) -> None:
    ecdsa, rsa_identity = identities["ecdsa-p256"], identities["rsa-3072"]

    assert key_matches_certificate(ecdsa.private_key_pem, ecdsa.certificate_pem)
    assert key_matches_certificate(rsa_identity.private_key_pem, rsa_identity.certificate_pem)
    assert not key_matches_certificate(ecdsa.private_key_pem, rsa_identity.certificate_pem)


def test_aws_names_for_each_algorithm() -> None:
    assert aws_signature_algorithm("ecdsa-p256") == "ECDSA"
    assert aws_signature_algorithm("rsa-3072") == "RSA"
    assert ota_signature_key("ecdsa-p256") == "sig-sha256-ecdsa"
    assert ota_signature_key("rsa-3072") == "sig-sha256-rsa"


@pytest.mark.parametrize("algorithm", CODE_SIGNING_ALGORITHMS)
def test_signature_file_round_trips(
    identities: dict[CodeSigningAlgorithm, CodeSigningIdentity], algorithm: CodeSigningAlgorithm
) -> None:
    signature = sign_firmware(IMAGE, identities[algorithm].private_key_pem)

    text = format_signature_file(signature)

    assert "\n" not in text
    assert parse_signature_file(text) == signature.signature_b64


def test_signature_file_accepts_how_people_save_it() -> None:
    signature = base64.b64encode(bytes(range(200))).decode()
    wrapped = "\n".join(signature[i : i + 64] for i in range(0, len(signature), 64))

    for text in [
        signature + "\n",
        signature + "\r\n",
        "\ufeff" + signature,
        wrapped + "\n",
        wrapped.replace("\n", "\r\n") + "\r\n",
        "  " + signature + "  \n\n",
    ]:
        assert parse_signature_file(text) == signature


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "is empty"), (" \n", "is empty"), ("not base64!", "not valid base64"), ("QUJ", "not valid base64")],
)
def test_signature_file_rejects_what_is_not_a_signature(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        parse_signature_file(text)


def test_verify_rejects_a_signature_that_is_not_base64(
    identities: dict[CodeSigningAlgorithm, CodeSigningIdentity],
) -> None:
    with pytest.raises(InvalidInput, match="not valid base64"):
        verify_firmware(IMAGE, "%%%", identities["ecdsa-p256"].certificate_pem)


@pytest.mark.parametrize("algorithm", CODE_SIGNING_ALGORITHMS)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_any_image_verifies_and_any_one_byte_change_does_not(
    identities: dict[CodeSigningAlgorithm, CodeSigningIdentity],
    algorithm: CodeSigningAlgorithm,
    data: st.DataObject,
) -> None:
    identity = identities[algorithm]
    image = data.draw(st.binary(max_size=512), label="image")

    signature: Signature = sign_firmware(image, identity.private_key_pem)
    verify_firmware(image, signature.signature_b64, identity.certificate_pem)

    if image:
        index = data.draw(st.integers(0, len(image) - 1), label="index")
        mask = data.draw(st.integers(1, 255), label="mask")
        with pytest.raises(SignatureMismatch):
            verify_firmware(_flip(image, index, mask), signature.signature_b64, identity.certificate_pem)
