"""The interfaces workflows depend on; the aws and local packages implement them."""

from __future__ import annotations

from typing import Protocol

from iotforge.workflows.models import CallerIdentity


class ProgressPort(Protocol):
    """Reports long work; the CLI shows a bar, the library default shows nothing."""

    def start(self, total: int, label: str) -> None: ...

    def advance(self, amount: int = 1) -> None: ...

    def finish(self) -> None: ...


class SilentProgress:
    """A ProgressPort that reports nothing (library default, JSON output, no TTY)."""

    def start(self, total: int, label: str) -> None:
        return None

    def advance(self, amount: int = 1) -> None:
        return None

    def finish(self) -> None:
        return None


class AccountProbe(Protocol):
    """Who the caller is and what they can read: what `doctor` needs."""

    def region(self) -> str: ...

    def caller_identity(self) -> CallerIdentity: ...

    def data_endpoint(self, endpoint_type: str = "iot:Data-ATS") -> str: ...

    def probe_read(self, service: str) -> str: ...
