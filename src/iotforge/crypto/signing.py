"""Firmware code signing the way FreeRTOS OTA devices verify it.

What the devices and the seed projects do (sources read on public GitHub and AWS docs):

* ECDSA: ECDSA P-256 over SHA-256, the signature DER-encoded, as `openssl dgst -sha256 -sign`
  and AWS Signer produce it; the OTA PAL converts DER to raw r||s itself
  (FreeRTOS/iot-reference-arm-corstone3xx ota_pal.c, `prvConvertToRawECDSASignature`).
  The job document key is `sig-sha256-ecdsa`; CreateOTAUpdate's customCodeSigning takes
  `hashAlgorithm="SHA256"`, `signatureAlgorithm="ECDSA"`.
* RSA: RSASSA-PSS with SHA-256 and MGF1-SHA-256 (`sig-sha256-rsa`, `signatureAlgorithm="RSA"`).
  The Arm seeds sign with
  `openssl pkeyutl -sign -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss
  -pkeyopt rsa_mgf1_md:sha256` over the SHA-256 digest
  (iot-reference-arm-corstone3xx components/aws_iot/cmake/GenerateAWSUpdateDigestAndSignature.cmake,
  and ML-embedded-evaluation-kit's build script). No salt length is given, so it is OpenSSL's
  default: the maximum (350 bytes for RSA-3072) up to OpenSSL 3.0, the digest length (32) from
  3.1. The device accepts both because it imports the verification key with
  `PSA_ALG_RSA_PSS_ANY_SALT(PSA_ALG_SHA_256)` and 3072 bits (ota_provision.c).
  So we sign with salt length = digest length (`rsa_pss_saltlen:-1`: what FIPS 186-4 asks,
  what OpenSSL 3.1+ does, and the only length a strict `PSA_ALG_RSA_PSS` verifier accepts),
  and verify with any salt length, as the device does, so the seed's signatures verify too.
* The signature travels base64-encoded: the seed's build writes it with `openssl base64 -A`
  (one line, no trailing newline) to `update-signature.txt`, and createIoTThings.py reads the
  file and `.strip()`s it into `customCodeSigning.signature.inlineDocument`.
* Code-signing certificates carry `keyUsage = digitalSignature` and
  `extendedKeyUsage = codeSigning` (AWS FreeRTOS user guide, "Creating a code-signing
  certificate", cert_config.txt).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, TypeAlias, get_args

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from iotforge.crypto._pem import Pem
from iotforge.crypto.certificates import build_certificate, load_certificate
from iotforge.crypto.errors import InvalidInput, SignatureMismatch, UnsupportedKey
from iotforge.crypto.keys import (
    PrivateKey,
    PublicKey,
    generate_private_key,
    key_type_of,
    load_private_key,
    private_key_pem,
    public_key_of,
    public_keys_equal,
)

CodeSigningAlgorithm: TypeAlias = Literal["ecdsa-p256", "rsa-3072"]
CODE_SIGNING_ALGORITHMS: tuple[CodeSigningAlgorithm, ...] = get_args(CodeSigningAlgorithm)

# Devices keep the certificate for their lifetime and often have no trustworthy clock.
DEFAULT_CERTIFICATE_VALIDITY = timedelta(days=20 * 365)
# Backdated so a device whose clock lags a little still sees the certificate as valid.
_CLOCK_SKEW = timedelta(hours=1)
_RSA_3072_SIGNATURE_BYTES = 384
_EKU_LABELS: tuple[tuple[x509.ObjectIdentifier, str], ...] = (
    (ExtendedKeyUsageOID.SERVER_AUTH, "serverAuth"),
    (ExtendedKeyUsageOID.CLIENT_AUTH, "clientAuth"),
    (ExtendedKeyUsageOID.CODE_SIGNING, "codeSigning"),
    (ExtendedKeyUsageOID.EMAIL_PROTECTION, "emailProtection"),
    (ExtendedKeyUsageOID.TIME_STAMPING, "timeStamping"),
    (ExtendedKeyUsageOID.OCSP_SIGNING, "OCSPSigning"),
)


_PSS_SIGN = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
_PSS_VERIFY = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)


@dataclass(frozen=True, slots=True)
class CodeSigningIdentity:
    """A code-signing private key (PKCS#8 PEM) and its self-signed certificate (PEM)."""

    private_key_pem: bytes = field(repr=False)
    certificate_pem: bytes


@dataclass(frozen=True, slots=True)
class Signature:
    """A firmware signature: base64 as OTA jobs carry it, plus the image's SHA-256."""

    algorithm: CodeSigningAlgorithm
    signature_b64: str
    sha256_hex: str


def aws_signature_algorithm(algorithm: CodeSigningAlgorithm) -> Literal["ECDSA", "RSA"]:
    """Return customCodeSigning's `signatureAlgorithm` for `algorithm` (hash is always SHA256)."""
    return "ECDSA" if algorithm == "ecdsa-p256" else "RSA"


def ota_signature_key(algorithm: CodeSigningAlgorithm) -> str:
    """Return the OTA job document's signature key, as the device's OTA PAL names it."""
    return "sig-sha256-ecdsa" if algorithm == "ecdsa-p256" else "sig-sha256-rsa"


def generate_code_signing_identity(
    algorithm: CodeSigningAlgorithm,
    common_name: str,
    *,
    valid_for: timedelta = DEFAULT_CERTIFICATE_VALIDITY,
    now: datetime | None = None,
) -> CodeSigningIdentity:
    """Generate a signing key and a self-signed codeSigning certificate for it."""
    if algorithm not in CODE_SIGNING_ALGORITHMS:
        raise UnsupportedKey(_unsupported_algorithm_reason(str(algorithm)))
    key = generate_private_key("ec-p256" if algorithm == "ecdsa-p256" else "rsa-3072")
    try:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    except ValueError as exc:
        raise InvalidInput(f"invalid certificate common name: {exc}") from exc
    start = (now or datetime.now(UTC)) - _CLOCK_SKEW
    certificate = build_certificate(
        name,
        key.public_key(),
        key,
        not_before=start,
        not_after=start + valid_for,
        extended_key_usage=[ExtendedKeyUsageOID.CODE_SIGNING],
    )
    return CodeSigningIdentity(
        private_key_pem=private_key_pem(key),
        certificate_pem=certificate.public_bytes(Encoding.PEM),
    )


def sign_firmware(image: bytes, private_key_pem: Pem) -> Signature:
    """Sign `image` with a P-256 or RSA-3072 key; the algorithm follows from the key."""
    key = load_private_key(private_key_pem)
    algorithm = _algorithm_of(key)
    # Hash once: the digest is both what gets signed and what the result reports.
    digest = hashlib.sha256(image).digest()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        raw = key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    else:
        raw = key.sign(digest, _PSS_SIGN, Prehashed(hashes.SHA256()))
    return Signature(
        algorithm=algorithm,
        signature_b64=base64.b64encode(raw).decode("ascii"),
        sha256_hex=digest.hex(),
    )


def verify_firmware(image: bytes, signature_b64: str, certificate_pem: Pem) -> None:
    """Verify `image` as a FreeRTOS OTA device would, raising `SignatureMismatch` with the reason."""
    certificate = load_certificate(certificate_pem)
    label = _describe(certificate)
    _require_code_signing(certificate, label)
    try:
        public = public_key_of(certificate)
        algorithm = _algorithm_of(public)
    except UnsupportedKey as exc:
        raise SignatureMismatch(f"{label}: {exc.reason}") from exc
    signature = _decode_base64(signature_b64, what="signature")
    _require_signature_shape(signature, algorithm, label)
    digest = hashlib.sha256(image).digest()
    try:
        if isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        else:
            public.verify(signature, digest, _PSS_VERIFY, Prehashed(hashes.SHA256()))
    except InvalidSignature as exc:
        raise SignatureMismatch(
            f"the {algorithm} signature does not match image sha256 {digest.hex()} under the "
            f"key of {label}: the image changed after signing, or another key signed it"
        ) from exc


def key_matches_certificate(private_key_pem: Pem, certificate_pem: Pem) -> bool:
    """Tell whether the certificate certifies this private key's public half."""
    return public_keys_equal(load_private_key(private_key_pem), load_certificate(certificate_pem))


def format_signature_file(signature: Signature) -> str:
    """Return `update-signature.txt`'s content: one line of base64, no trailing newline.

    Byte for byte what the seed's build writes with `openssl base64 -A`.
    """
    return signature.signature_b64


def parse_signature_file(text: str) -> str:
    """Return the canonical base64 signature from an `update-signature.txt`'s text.

    Accepts what the seed's build writes and what people make of it: a trailing newline,
    CRLF endings, a byte-order mark, or base64 wrapped at 64 columns (`openssl base64`
    without `-A`).
    """
    return base64.b64encode(_decode_base64(text, what="signature file")).decode("ascii")


def _algorithm_of(key: PrivateKey | PublicKey) -> CodeSigningAlgorithm:
    key_type = key_type_of(key)
    if key_type == "ec-p256":
        return "ecdsa-p256"
    if key_type == "rsa-3072":
        return "rsa-3072"
    raise UnsupportedKey(_unsupported_algorithm_reason(key_type))


def _unsupported_algorithm_reason(what: str) -> str:
    supported = " or ".join(CODE_SIGNING_ALGORITHMS)
    return f"{what} cannot sign FreeRTOS OTA images; code signing uses {supported}"


def _require_code_signing(certificate: x509.Certificate, label: str) -> None:
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise SignatureMismatch(
            f"{label} has no extended key usage; a code-signing certificate needs codeSigning"
        ) from exc
    if ExtendedKeyUsageOID.CODE_SIGNING not in usages:
        names = ", ".join(_eku_label(oid) for oid in usages) or "nothing"
        raise SignatureMismatch(
            f"{label} is for {names}, not codeSigning; sign firmware with a code-signing certificate"
        )
    try:
        key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not key_usage.digital_signature:
        raise SignatureMismatch(f"{label} has a key usage without digitalSignature")


def _require_signature_shape(signature: bytes, algorithm: CodeSigningAlgorithm, label: str) -> None:
    """Name a wrong algorithm plainly rather than report it as a bad signature."""
    is_der = _is_dss_der(signature)
    if algorithm == "ecdsa-p256" and not is_der:
        if len(signature) == _RSA_3072_SIGNATURE_BYTES:
            raise SignatureMismatch(
                f"the signature is {len(signature)} bytes, an RSA-3072 signature, but {label} "
                "holds an EC P-256 key: sign with the matching key or use the RSA certificate"
            )
        raise SignatureMismatch(
            f"the signature ({len(signature)} bytes) is not a DER-encoded ECDSA signature, "
            f"which FreeRTOS OTA expects for {label}"
        )
    if algorithm == "rsa-3072" and len(signature) != _RSA_3072_SIGNATURE_BYTES:
        kind = "an ECDSA signature" if is_der else "not an RSA-3072 signature"
        raise SignatureMismatch(f"the signature is {len(signature)} bytes, {kind}, but {label} holds an RSA-3072 key")


def _is_dss_der(signature: bytes) -> bool:
    try:
        decode_dss_signature(signature)
    except ValueError:
        return False
    return True


def _decode_base64(text: str, *, what: str) -> bytes:
    compact = "".join(text.lstrip("\ufeff").split())
    if not compact:
        raise InvalidInput(f"the {what} is empty")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"the {what} is not valid base64: {exc}") from exc


def _describe(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = names[0].value if names else None
    # The first characters of AWS IoT's certificateId, so people can find it in the console.
    cert_id = hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()[:10]
    if isinstance(common_name, str):
        return f"certificate {cert_id} (CN={common_name})"
    return f"certificate {cert_id}"


def _eku_label(oid: x509.ObjectIdentifier) -> str:
    for known, label in _EKU_LABELS:
        if oid == known:
            return label
    return oid.dotted_string
