"""Code signing for FreeRTOS OTA: make a signing identity, sign an image, verify a signature."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from iotforge.crypto import (
    CodeSigningAlgorithm,
    CryptoError,
    aws_signature_algorithm,
    format_signature_file,
    generate_code_signing_identity,
    key_type_of,
    load_certificate,
    parse_signature_file,
    public_key_of,
    sign_firmware,
    verify_firmware,
)
from iotforge.errors import BadInputError
from iotforge.workflows.ota_models import SignatureAlgorithmName
from iotforge.workflows.ports import FileStore

SIGNATURE_FILE_NAME = "update-signature.txt"  # what the seed's build writes beside the image
KEY_FILE_NAME = "ota-signer.key"
CERTIFICATE_FILE_NAME = "ota-signer.crt"


@dataclass(frozen=True)
class SigningIdentityFiles:
    key_path: Path
    certificate_path: Path
    algorithm: CodeSigningAlgorithm


@dataclass(frozen=True)
class SignedImage:
    firmware: Path
    signature_path: Path
    algorithm: CodeSigningAlgorithm
    sha256: str
    signature_b64: str


@dataclass(frozen=True)
class VerifiedSignature:
    """A signature that matches the image under the certificate's key."""

    signature_b64: str
    algorithm: SignatureAlgorithmName  # customCodeSigning's signatureAlgorithm


def _bad(error: CryptoError, what: str, hint: str) -> BadInputError:
    reason = getattr(error, "reason", None) or str(error)
    return BadInputError(f"{what}: {reason}.", hint)


def generate_signing_identity(
    out_dir: Path, algorithm: CodeSigningAlgorithm, common_name: str, files: FileStore
) -> SigningIdentityFiles:
    """Write a code-signing key (0600) and its self-signed codeSigning certificate into `out_dir`."""
    try:
        identity = generate_code_signing_identity(algorithm, common_name)
    except CryptoError as error:
        raise _bad(error, "Cannot make a code-signing identity", "Use --algorithm ecdsa-p256 or rsa-3072.") from error
    folder = files.create_private_dir(out_dir)
    key_path = files.write_private(folder / KEY_FILE_NAME, identity.private_key_pem)
    certificate_path = files.write_atomic(folder / CERTIFICATE_FILE_NAME, identity.certificate_pem, overwrite=False)
    return SigningIdentityFiles(key_path, certificate_path, algorithm)


def sign_image_file(firmware: Path, key: Path, files: FileStore, out: Path | None = None) -> SignedImage:
    """Sign the image with the key; write the seed's one-line base64 signature file."""
    image = files.read_bytes(firmware)
    if not image:
        raise BadInputError(f"{firmware} is empty.", "Sign the built firmware image.")
    try:
        signature = sign_firmware(image, files.read_bytes(key))
    except CryptoError as error:
        raise _bad(
            error, f"Cannot sign with {key}", "Use a key from `iotforge ota keygen` (P-256 or RSA-3072)."
        ) from error
    target = out if out is not None else firmware.parent / SIGNATURE_FILE_NAME
    written = files.write_atomic(target, format_signature_file(signature).encode("ascii"))
    return SignedImage(firmware, written, signature.algorithm, signature.sha256_hex, signature.signature_b64)


def verify_signature(image: bytes, signature_text: str, certificate_pem: bytes, origin: str) -> VerifiedSignature:
    """Check the signature over `image` as a device would; BadInputError with the reason if it does not match."""
    try:
        signature_b64 = parse_signature_file(signature_text)
        verify_firmware(image, signature_b64, certificate_pem)
        algorithm = _certificate_algorithm(certificate_pem)
    except CryptoError as error:
        raise _bad(
            error,
            f"The signature does not verify for {origin}",
            "Sign the image again with the key that belongs to this certificate (iotforge ota sign).",
        ) from error
    return VerifiedSignature(signature_b64, aws_signature_algorithm(algorithm))


def _certificate_algorithm(certificate_pem: bytes) -> CodeSigningAlgorithm:
    key_type = key_type_of(public_key_of(load_certificate(certificate_pem)))
    return "ecdsa-p256" if key_type == "ec-p256" else "rsa-3072"


def verify_image_file(firmware: Path, signature: Path, certificate: Path, files: FileStore) -> VerifiedSignature:
    image = files.read_bytes(firmware)
    text = files.read_bytes(signature).decode("utf-8", errors="replace")
    return verify_signature(image, text, files.read_bytes(certificate), str(firmware))


def signature_algorithm_from_length(signature_b64: str) -> SignatureAlgorithmName:
    """Without a certificate: a 384-byte signature is RSA-3072, a short DER one ECDSA P-256."""
    try:
        size = len(parse_signature_file(signature_b64)) * 3 // 4
    except CryptoError as error:
        raise _bad(error, "The signature is unreadable", "Pass the update-signature.txt your build wrote.") from error
    return "RSA" if size >= 256 else "ECDSA"


__all__ = [
    "SIGNATURE_FILE_NAME",
    "SignedImage",
    "SigningIdentityFiles",
    "VerifiedSignature",
    "generate_signing_identity",
    "sign_image_file",
    "signature_algorithm_from_length",
    "verify_image_file",
    "verify_signature",
]
