"""The project's crash-safe journal: one JSON object per line, fsync'd before append returns."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from iotforge.local.files import ensure_private_dir


class JsonlJournal:
    """Append-only; a line torn by a crash mid-write is ignored on reading (its call was not made)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._folder_checked = False

    def append(self, record: Mapping[str, Any]) -> None:
        line = (json.dumps(record, separators=(",", ":"), sort_keys=True) + "\n").encode()
        with self._lock:
            if not self._folder_checked:  # once per journal: it is appended to ten times per thing
                ensure_private_dir(self.path.parent)
                self._folder_checked = True
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
            descriptor = os.open(self.path, flags, 0o600)
            try:
                os.write(descriptor, line)
                os.fsync(descriptor)
            finally:
                os.close(descriptor)

    def records(self) -> list[Mapping[str, Any]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        found: list[Mapping[str, Any]] = []
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # the torn last line of a crash
        return found
