"""The user's key, certificate, script and signature files (implements workflows.resource_ports.UserFiles)."""

from __future__ import annotations

from pathlib import Path

from iotforge.errors import BadInputError
from iotforge.local import files

# Firmware images are the largest files read here.
MAX_READ_BYTES = 512 * 1024 * 1024


class UserFiles:
    def exists(self, path: Path) -> bool:
        return Path(path).expanduser().exists()

    def read_optional(self, path: Path) -> bytes | None:
        target = Path(path).expanduser()
        try:
            with open(target, "rb") as handle:
                data = handle.read(MAX_READ_BYTES + 1)
        except FileNotFoundError:
            return None
        except IsADirectoryError as error:
            raise BadInputError(f"{target} is a folder, not a file.", "Check the path.") from error
        except PermissionError as error:
            raise BadInputError(f"Cannot read {target}: permission denied.", "Check its permissions.") from error
        if len(data) > MAX_READ_BYTES:
            raise BadInputError(f"{target} is larger than {MAX_READ_BYTES} bytes.", "Check the path.")
        return data

    def write_private(self, path: Path, data: bytes) -> Path:
        return files.write_private(Path(path).expanduser(), data)

    def write_atomic(self, path: Path, data: bytes, overwrite: bool = True) -> Path:
        return files.write_atomic(Path(path).expanduser(), data, overwrite=overwrite)

    def check_writable(self, path: Path) -> None:
        files.check_writable(Path(path).expanduser())

    def ensure_private_dir(self, path: Path) -> Path:
        target = Path(path).expanduser()
        if target.is_dir():
            return target.absolute()  # the user's own folder: keep its permissions
        return files.ensure_private_dir(target)

    def remove(self, path: Path) -> bool:
        return files.remove_file(Path(path).expanduser())
