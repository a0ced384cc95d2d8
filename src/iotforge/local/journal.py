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
    """Append-only; a line torn by a crash mid-write is ignored on reading (its call was not made).

    Appends from many threads are group-committed: whichever caller finds no write under way writes
    every line queued so far and fsyncs once, while the others wait for that fsync. Each durable
    append returns only once its own line is on disk, but a fleet run pays one fsync per batch of
    records instead of one per record. A non-durable append only queues its line: the next durable
    append writes it, in order, with its own.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._state = threading.Condition()
        self._queued: list[bytes] = []
        self._queued_upto = 0  # sequence number of the last line queued
        self._settled_upto = 0  # ... and of the last line written and fsync'd, or whose write failed
        # (first, last) sequence numbers a failed write carried, and its error
        self._failures: list[tuple[int, int, BaseException]] = []
        self._writing = False
        self._opened_once = False
        # A crash or a failed write can leave a torn line at the end: a newline first keeps it off the next record.
        self._may_end_torn = True

    def append(self, record: Mapping[str, Any], *, durable: bool = True) -> None:
        line = (json.dumps(record, separators=(",", ":"), sort_keys=True) + "\n").encode()
        with self._state:
            self._queued.append(line)
            self._queued_upto += 1
            if durable:
                self._settle(self._queued_upto)

    def flush(self) -> None:
        """Make every record appended so far durable (the non-durable ones included)."""
        with self._state:
            if self._queued_upto > self._settled_upto:
                self._settle(self._queued_upto)

    def _settle(self, sequence: int) -> None:
        """Wait (writing if nobody is) until line `sequence` is on disk; raise the error of its write."""
        while self._settled_upto < sequence:
            if self._writing:
                self._state.wait()
                continue
            self._commit_queued()
        error = self._failure_covering(sequence)
        if error is not None:
            raise error

    def _commit_queued(self) -> None:
        """Write and fsync every queued line; called with the lock held, releases it while writing."""
        first, upto = self._settled_upto + 1, self._queued_upto
        batch = b"".join(self._queued)
        self._queued = []
        self._writing = True
        self._state.release()
        failure: BaseException | None = None
        try:
            self._write(batch)
        except BaseException as error:  # every caller whose line it carried raises it, not just this one
            failure = error
        finally:
            self._state.acquire()
            self._writing = False
            if failure is not None:
                self._failures.append((first, upto, failure))
            self._settled_upto = upto
            self._state.notify_all()

    def _failure_covering(self, sequence: int) -> BaseException | None:
        """The error of the write that carried line `sequence`, if that write failed."""
        return next((error for first, last, error in self._failures if first <= sequence <= last), None)

    def _write(self, lines: bytes) -> None:
        if not self._opened_once:  # once per journal: a fleet run appends ten times per thing
            ensure_private_dir(self.path.parent)
            self._opened_once = True
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        descriptor = os.open(self.path, flags, 0o600)
        try:
            if self._may_end_torn:
                size = os.fstat(descriptor).st_size
                if size and os.pread(descriptor, 1, size - 1) != b"\n":
                    lines = b"\n" + lines
            self._may_end_torn = True
            _write_all(descriptor, lines)
            os.fsync(descriptor)
            self._may_end_torn = False
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


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]
