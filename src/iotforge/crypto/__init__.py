"""Pure functions over `cryptography`: device keys, CSRs, certificates, firmware code signing.

No file I/O here: functions take and return bytes and str; the local layer writes files.
Failures raise `CryptoError` subclasses carrying a `reason`.
"""

from iotforge.crypto._pem import Pem
from iotforge.crypto.certificates import (
    build_certificate,
    certificate_fingerprint,
    certificate_id,
    certificate_public_key_matches,
    key_usage,
    load_certificate,
    not_valid_after,
)
from iotforge.crypto.csr import CsrSubject, build_csr, csr_public_key, csr_subject, load_csr
from iotforge.crypto.errors import CryptoError, InvalidInput, SignatureMismatch, UnsupportedKey
from iotforge.crypto.keys import (
    KEY_TYPES,
    HasPublicKey,
    KeyType,
    PrivateKey,
    PublicKey,
    generate_private_key,
    key_type_of,
    load_private_key,
    private_key_pem,
    public_key_der,
    public_key_of,
    public_key_pem,
    public_keys_equal,
)
from iotforge.crypto.signing import (
    CODE_SIGNING_ALGORITHMS,
    DEFAULT_CERTIFICATE_VALIDITY,
    CodeSigningAlgorithm,
    CodeSigningIdentity,
    Signature,
    aws_signature_algorithm,
    format_signature_file,
    generate_code_signing_identity,
    key_matches_certificate,
    ota_signature_key,
    parse_signature_file,
    sign_firmware,
    verify_firmware,
)

__all__ = [
    "CODE_SIGNING_ALGORITHMS",
    "DEFAULT_CERTIFICATE_VALIDITY",
    "KEY_TYPES",
    "CodeSigningAlgorithm",
    "CodeSigningIdentity",
    "CryptoError",
    "CsrSubject",
    "HasPublicKey",
    "InvalidInput",
    "KeyType",
    "Pem",
    "PrivateKey",
    "PublicKey",
    "Signature",
    "SignatureMismatch",
    "UnsupportedKey",
    "aws_signature_algorithm",
    "build_certificate",
    "build_csr",
    "certificate_fingerprint",
    "certificate_id",
    "certificate_public_key_matches",
    "csr_public_key",
    "csr_subject",
    "format_signature_file",
    "generate_code_signing_identity",
    "generate_private_key",
    "key_matches_certificate",
    "key_type_of",
    "key_usage",
    "load_certificate",
    "load_csr",
    "load_private_key",
    "not_valid_after",
    "ota_signature_key",
    "parse_signature_file",
    "private_key_pem",
    "public_key_der",
    "public_key_of",
    "public_key_pem",
    "public_keys_equal",
    "sign_firmware",
    "verify_firmware",
]
