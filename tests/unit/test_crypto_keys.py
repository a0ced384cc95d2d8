"""Keys and CSRs: every key type generates, serializes, reloads, and its CSR carries it."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from iotforge.crypto import (
    KEY_TYPES,
    InvalidInput,
    KeyType,
    PrivateKey,
    UnsupportedKey,
    build_csr,
    csr_public_key,
    csr_subject,
    generate_private_key,
    key_type_of,
    load_csr,
    load_private_key,
    private_key_pem,
    public_key_pem,
    public_keys_equal,
)


@pytest.fixture(scope="module")
def keys() -> dict[KeyType, PrivateKey]:
    # RSA-3072 generation costs a large share of a second; generate each type once.
    return {key_type: generate_private_key(key_type) for key_type in KEY_TYPES}


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_key_round_trips_through_unencrypted_pkcs8(keys: dict[KeyType, PrivateKey], key_type: KeyType) -> None:
    key = keys[key_type]

    pem = private_key_pem(key)
    reloaded = load_private_key(pem)

    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert key_type_of(key) == key_type
    assert key_type_of(reloaded) == key_type
    assert public_keys_equal(key, reloaded)
    assert public_key_pem(reloaded) == public_key_pem(key.public_key())
    assert public_key_pem(key).startswith(b"-----BEGIN PUBLIC KEY-----\n")


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_csr_carries_the_key_and_the_subject(keys: dict[KeyType, PrivateKey], key_type: KeyType) -> None:
    key = keys[key_type]

    pem = build_csr(key, "thing-0001", organization="Acme Devices")

    assert pem.startswith(b"-----BEGIN CERTIFICATE REQUEST-----\n")
    assert public_keys_equal(csr_public_key(pem), key)
    subject = csr_subject(pem)
    assert subject.common_name == "thing-0001"
    assert subject.organization == "Acme Devices"
    assert load_csr(pem).signature_hash_algorithm is not None
    assert load_csr(pem).signature_hash_algorithm.name == "sha256"  # type: ignore[union-attr]


def test_csr_without_organization_has_none() -> None:
    pem = build_csr(generate_private_key("ec-p256"), "thing-0002")

    assert csr_subject(pem.decode()).organization is None


@pytest.mark.parametrize("common_name", ["", "x" * 65])
def test_csr_rejects_common_names_x520_does_not_allow(common_name: str) -> None:
    with pytest.raises(InvalidInput, match="common name must be 1 to 64"):
        build_csr(generate_private_key("ec-p256"), common_name)


def test_load_csr_rejects_garbage() -> None:
    with pytest.raises(InvalidInput, match="not a PEM certificate signing request"):
        csr_subject(b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")


def test_public_keys_equal_tells_keys_apart(keys: dict[KeyType, PrivateKey]) -> None:
    other = generate_private_key("ec-p256")

    assert not public_keys_equal(keys["ec-p256"], other)
    assert not public_keys_equal(keys["ec-p256"], keys["rsa-2048"])
    assert public_keys_equal(other, other.public_key())


def test_load_private_key_accepts_sec1_and_str() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    sec1 = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )

    assert public_keys_equal(load_private_key(sec1.decode()), key)


def test_load_private_key_explains_an_encrypted_key() -> None:
    encrypted = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )

    with pytest.raises(InvalidInput, match="encrypted"):
        load_private_key(encrypted)


def test_load_private_key_rejects_garbage_and_foreign_algorithms() -> None:
    ed_pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )

    with pytest.raises(InvalidInput, match="not a PEM private key"):
        load_private_key(b"not a key")
    with pytest.raises(UnsupportedKey, match="Ed25519"):
        load_private_key(ed_pem)


def test_key_type_of_rejects_curves_we_do_not_provision() -> None:
    with pytest.raises(UnsupportedKey, match="secp521r1"):
        key_type_of(ec.generate_private_key(ec.SECP521R1()))


def test_generate_private_key_rejects_unknown_names() -> None:
    with pytest.raises(UnsupportedKey, match="ed25519"):
        generate_private_key("ed25519")  # type: ignore[arg-type]
