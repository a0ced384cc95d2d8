"""A thing's key and certificate in a credentials folder, as Arm's createIoTThings.py names them.

The key is made here and written (0600) before AWS is asked for a certificate; AWS gets a CSR.
Rerunning after a failure reuses the key on disk and adopts the certificate AWS already issued
for it instead of asking for another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from iotforge.crypto import (
    CryptoError,
    KeyType,
    build_csr,
    certificate_id,
    generate_private_key,
    load_certificate,
    load_private_key,
    private_key_pem,
    public_key_pem,
    public_keys_equal,
)
from iotforge.crypto.keys import PrivateKey
from iotforge.errors import BadInputError
from iotforge.workflows.models import IssuedCertificate
from iotforge.workflows.resource_ports import IotResources, UserFiles

KeySource = Literal["local", "aws"]
# How far back to look for a certificate an interrupted run asked AWS for.
ADOPT_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class CredentialPaths:
    certificate: Path
    private_key: Path
    public_key: Path

    def all(self) -> tuple[Path, Path, Path]:
        return (self.certificate, self.private_key, self.public_key)


def credential_paths(folder: Path, thing_name: str) -> CredentialPaths:
    """The seed's file names: thing_certificate_T.pem.crt, thing_private_key_T.pem.key, thing_public_key_T.pem.key."""
    return CredentialPaths(
        certificate=folder / f"thing_certificate_{thing_name}.pem.crt",
        private_key=folder / f"thing_private_key_{thing_name}.pem.key",
        public_key=folder / f"thing_public_key_{thing_name}.pem.key",
    )


@dataclass(frozen=True)
class CertificateOutcome:
    certificate: IssuedCertificate
    created: bool  # False: adopted the certificate of a key already on disk


def ensure_certificate(
    registry: IotResources,
    files: UserFiles,
    paths: CredentialPaths,
    thing_name: str,
    key_source: KeySource = "local",
    key_type: KeyType = "rsa-2048",
) -> CertificateOutcome:
    """The certificate of the thing's key file, creating the key and certificate when missing."""
    for folder in dict.fromkeys(path.parent for path in paths.all()):
        files.ensure_private_dir(folder)
    existing = files.read_optional(paths.private_key)
    if existing is not None:
        key = load_key_file(existing, paths.private_key)
        found = find_certificate(registry, files, paths, thing_name, key)
        if found is not None:
            _write_public_files(files, paths, key, found.pem)
            return CertificateOutcome(found, created=False)
        issued = registry.create_certificate_from_csr(build_csr(key, thing_name))
    elif key_source == "aws":
        issued = registry.create_keys_and_certificate()
        assert issued.private_key_pem is not None
        files.write_private(paths.private_key, issued.private_key_pem.encode())
        key = load_key_file(issued.private_key_pem.encode(), paths.private_key)
    else:
        key = generate_private_key(key_type)
        # On disk and durable before AWS hears of it: a crash cannot leave a certificate without its key.
        files.write_private(paths.private_key, private_key_pem(key))
        issued = registry.create_certificate_from_csr(build_csr(key, thing_name))
    _write_public_files(files, paths, key, issued.pem)
    return CertificateOutcome(issued, created=True)


def find_certificate(
    registry: IotResources, files: UserFiles, paths: CredentialPaths, thing_name: str, key: PrivateKey
) -> IssuedCertificate | None:
    """The live certificate AWS holds for `key`: the local file's, the thing's, or a recent one."""
    local = files.read_optional(paths.certificate)
    if local is not None and _matches(local, key):
        found = _live(registry, certificate_id(local))
        if found is not None:
            return found
    for principal in registry.thing_principals(thing_name) or []:
        if ":cert/" not in principal:
            continue
        candidate = _live(registry, principal.rsplit("/", 1)[-1])
        if candidate is not None and _matches(candidate.pem, key):
            return candidate
    for summary in registry.certificates_created_since(datetime.now(UTC) - ADOPT_WINDOW):
        pem = registry.certificate_pem(summary.certificate_id)
        if summary.status == "ACTIVE" and _matches(pem, key):
            return IssuedCertificate(summary.arn, summary.certificate_id, pem)
    return None


def _live(registry: IotResources, certificate: str) -> IssuedCertificate | None:
    if registry.certificate_status(certificate) is None:
        return None
    return IssuedCertificate(registry.certificate_arn(certificate), certificate, registry.certificate_pem(certificate))


def _matches(certificate_pem: bytes | str, key: PrivateKey) -> bool:
    try:
        return public_keys_equal(load_certificate(certificate_pem), key)
    except CryptoError:
        return False


def load_key_file(pem: bytes, path: Path) -> PrivateKey:
    try:
        return load_private_key(pem)
    except CryptoError as error:
        raise BadInputError(
            f"{path} is not a private key iotforge can read ({error}).",
            "Move the file away to create a new key, or restore the original.",
        ) from error


def _write_public_files(files: UserFiles, paths: CredentialPaths, key: PrivateKey, certificate_pem: str) -> None:
    files.write_atomic(paths.certificate, certificate_pem.encode())
    files.write_atomic(paths.public_key, public_key_pem(key))
