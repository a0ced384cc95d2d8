"""Crash injection for tests: SIGKILL a running iotforge at a point tied to its journal's progress."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def start_iotforge(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    """Start `python -m iotforge ARGS` in its own process group (so a kill takes its children too)."""
    return subprocess.Popen(
        [sys.executable, "-m", "iotforge", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@dataclass(frozen=True)
class Kill:
    killed: bool  # False: the process had already ended by itself
    stderr: str


def kill_when(process: subprocess.Popen[str], ready: Callable[[], bool], timeout: float = 60) -> Kill:
    """SIGKILL the process group once `ready()` holds (or after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None and not ready():
        time.sleep(0.002)
    running = process.poll() is None
    if running:
        os.killpg(process.pid, signal.SIGKILL)
    _, stderr = process.communicate(timeout=30)
    return Kill(running, stderr)


def journal_lines(project: Path) -> int:
    journal = project / ".iotforge" / "journal.jsonl"
    try:
        return journal.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def kill_after_journal_lines(process: subprocess.Popen[str], project: Path, lines: int) -> Kill:
    """SIGKILL once the journal holds `lines` records: a kill point tied to progress, not to wall time."""
    return kill_when(process, lambda: lines == 0 or journal_lines(project) >= lines)
