"""A signed firmware image for OTA tests, made offline with iotforge's own keygen and sign commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import clean_environment


def make_signed_firmware(folder: Path) -> Path:
    """Write app.bin, update-signature.txt beside it and keys/ota-signer.{key,crt} into `folder`."""
    (folder / "app.bin").write_bytes(bytes(range(256)) * 40)
    env = clean_environment(folder)
    for args in (("keygen", "--out", "keys"), ("sign", "app.bin", "--key", "keys/ota-signer.key")):
        done = subprocess.run(
            [sys.executable, "-m", "iotforge", "ota", *args],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    return folder
