"""PEM inputs arrive as bytes (read from disk) or str (from AWS responses); accept both."""

from __future__ import annotations

from typing import TypeAlias

Pem: TypeAlias = bytes | str


def pem_bytes(pem: Pem) -> bytes:
    return pem.encode("ascii", errors="replace") if isinstance(pem, str) else pem
