"""The user's files as the OTA workflows see them (implements FileStore): bounded reads, safe writes."""

from __future__ import annotations

from pathlib import Path

from iotforge.errors import BadInputError
from iotforge.local import files

# Firmware images, signatures, keys and certificates: anything larger is not what the user meant.
MAX_READ_BYTES = 512 * 1024 * 1024


class LocalDisk:
    def __init__(self, max_read_bytes: int = MAX_READ_BYTES) -> None:
        self._max_read_bytes = max_read_bytes

    def read_bytes(self, path: Path) -> bytes:
        target = Path(path).expanduser()
        try:
            with open(target, "rb") as handle:
                data = handle.read(self._max_read_bytes + 1)
        except FileNotFoundError as error:
            raise BadInputError(f"{target} does not exist.", "Check the path.") from error
        except IsADirectoryError as error:
            raise BadInputError(f"{target} is a folder, not a file.", "Check the path.") from error
        except PermissionError as error:
            raise BadInputError(f"Cannot read {target}: permission denied.", "Check the file's permissions.") from error
        except OSError as error:
            raise BadInputError(f"Cannot read {target}: {error.strerror or error}.", "Check the path.") from error
        if len(data) > self._max_read_bytes:
            raise BadInputError(
                f"{target} is larger than {self._max_read_bytes} bytes.", "Check that the path names the right file."
            )
        return data

    def write_private(self, path: Path, data: bytes) -> Path:
        return files.write_private(Path(path).expanduser(), data)

    def write_atomic(self, path: Path, data: bytes, overwrite: bool = True) -> Path:
        return files.write_atomic(Path(path).expanduser(), data, overwrite=overwrite)

    def create_private_dir(self, path: Path) -> Path:
        target = Path(path).expanduser()
        if target.is_dir():
            return target.absolute()  # the user's own folder: never change its permissions
        return files.ensure_private_dir(target)
