"""Device and signing keys: generate, serialize, reload, identify, compare."""

from __future__ import annotations

from typing import Literal, TypeAlias, get_args

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from iotforge.crypto._pem import Pem, pem_bytes
from iotforge.crypto.errors import InvalidInput, UnsupportedKey

KeyType: TypeAlias = Literal["ec-p256", "ec-p384", "rsa-2048", "rsa-3072"]
KEY_TYPES: tuple[KeyType, ...] = get_args(KeyType)

PrivateKey: TypeAlias = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey: TypeAlias = ec.EllipticCurvePublicKey | rsa.RSAPublicKey
# Anything that carries a public key; comparisons and PEM export accept all of them.
HasPublicKey: TypeAlias = PrivateKey | PublicKey | x509.Certificate | x509.CertificateSigningRequest

_RSA_PUBLIC_EXPONENT = 65537


def generate_private_key(key_type: KeyType) -> PrivateKey:
    """Generate a fresh private key of `key_type`."""
    match key_type:
        case "ec-p256":
            return ec.generate_private_key(ec.SECP256R1())
        case "ec-p384":
            return ec.generate_private_key(ec.SECP384R1())
        case "rsa-2048":
            return rsa.generate_private_key(_RSA_PUBLIC_EXPONENT, 2048)
        case "rsa-3072":
            return rsa.generate_private_key(_RSA_PUBLIC_EXPONENT, 3072)
    # Reached only when a caller bypasses the type checker with a plain string.
    raise UnsupportedKey(f"unknown key type {key_type!r}; choose one of {', '.join(KEY_TYPES)}")


def private_key_pem(key: PrivateKey) -> bytes:
    """Serialize `key` as unencrypted PKCS#8 PEM, the form device provisioning expects."""
    # Unencrypted on purpose: devices and aws_clientcredential_keys.h need the raw key;
    # the local layer protects it with 0600 permissions instead.
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_of(key_or_cert: HasPublicKey) -> PublicKey:
    """Return the public key held by a private key, public key, certificate or CSR."""
    public = (
        key_or_cert
        if isinstance(key_or_cert, ec.EllipticCurvePublicKey | rsa.RSAPublicKey)
        else key_or_cert.public_key()
    )
    if not isinstance(public, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise UnsupportedKey(f"{type(public).__name__} keys are not supported; use EC or RSA")
    return public


def public_key_der(key_or_cert: HasPublicKey) -> bytes:
    """Return the DER SubjectPublicKeyInfo: the canonical bytes to compare keys by."""
    return public_key_of(key_or_cert).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_pem(key_or_cert: HasPublicKey) -> bytes:
    """Return the PEM SubjectPublicKeyInfo of a key, certificate or CSR."""
    return public_key_of(key_or_cert).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private_key(pem: Pem) -> PrivateKey:
    """Parse an unencrypted PEM private key (PKCS#8, SEC1 or PKCS#1)."""
    try:
        key = serialization.load_pem_private_key(pem_bytes(pem), password=None)
    except TypeError as exc:
        # cryptography signals "this key is encrypted" with TypeError.
        raise InvalidInput("the private key is encrypted; iotforge needs it unencrypted, as devices do") from exc
    except UnsupportedAlgorithm as exc:
        raise UnsupportedKey(f"unsupported private key algorithm: {exc}") from exc
    except ValueError as exc:
        raise InvalidInput(f"not a PEM private key: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise UnsupportedKey(f"{type(key).__name__} keys are not supported; use EC or RSA")
    return key


def key_type_of(key: PrivateKey | PublicKey) -> KeyType:
    """Name the key type of `key`, or raise `UnsupportedKey` for curves and sizes we lack."""
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        match key.curve.name:
            case "secp256r1":
                return "ec-p256"
            case "secp384r1":
                return "ec-p384"
        raise UnsupportedKey(f"EC curve {key.curve.name} is not supported; use P-256 or P-384")
    match key.key_size:
        case 2048:
            return "rsa-2048"
        case 3072:
            return "rsa-3072"
    raise UnsupportedKey(f"RSA-{key.key_size} is not supported; use RSA-2048 or RSA-3072")


def public_keys_equal(a: HasPublicKey, b: HasPublicKey) -> bool:
    """Tell whether `a` and `b` hold the same public key (e.g. an AWS certificate and a local key)."""
    return public_key_der(a) == public_key_der(b)
