"""The ports of the resource commands (Arm's createIoTThings.py vocabulary and `iotforge <noun> ...`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from iotforge.workflows.listing import Inventory
from iotforge.workflows.ports import IotRegistry

# Ask the person running the command; False means "no". The CLI answers True for --yes and
# refuses (exit 2) when there is no terminal to ask on.
Consent = Callable[[str], bool]


def always(question: str) -> bool:
    """The library default: a caller that built the request has already decided."""
    return True


class IotResources(IotRegistry, Inventory, Protocol):
    """The registry changes and reads the resource commands make (aws/inventory.py)."""


class UserFiles(Protocol):
    """The user's key, certificate, script and signature files (local/user_files.py)."""

    def exists(self, path: Path) -> bool: ...

    def read_optional(self, path: Path) -> bytes | None:
        """The file's bytes, or None when there is no file."""
        ...

    def write_private(self, path: Path, data: bytes) -> Path:
        """Create a 0600 file atomically; refuse to replace anything."""
        ...

    def write_atomic(self, path: Path, data: bytes, overwrite: bool = True) -> Path: ...

    def check_writable(self, path: Path) -> None:
        """Raise BadInputError now when writing `path` later would be refused (a link on the way, not a file)."""
        ...

    def ensure_private_dir(self, path: Path) -> Path:
        """Create the folder (0700) when missing; leave an existing one as it is."""
        ...

    def remove(self, path: Path) -> bool: ...


@dataclass(frozen=True)
class HeaderState:
    endpoint: str
    thing_name: str
    pristine: bool  # still the placeholders the SDK ships


class HeaderFiles(Protocol):
    """aws_clientcredential.h: read and set the endpoint and thing name (local/credential_header.py)."""

    def read_state(self, path: Path) -> HeaderState: ...

    def check_values(self, endpoint: str, thing_name: str) -> None:
        """Raise BadInputError when a value cannot go into a C string literal."""
        ...

    def write_values(self, path: Path, endpoint: str, thing_name: str) -> bool:
        """Set both macros, leaving every other byte; True when the file changed."""
        ...


class CommandRunner(Protocol):
    """Run a local program (the build script), its output to a log file; return its exit code."""

    def run(self, command: Sequence[str], environment: Mapping[str, str], cwd: Path, log_path: Path) -> int: ...
