"""Run a tool as a child process and measure it: wall time, CPU seconds, peak memory."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


class BenchmarkError(Exception):
    """A tool failed or did not do what it was asked: the scenario's numbers would mean nothing."""


@dataclass(frozen=True)
class ChildRun:
    wall: float
    user: float
    system: float
    max_rss_bytes: int
    returncode: int
    stdout: Path
    stderr: Path

    @property
    def cpu(self) -> float:
        return self.user + self.system

    def output(self) -> str:
        return self.stdout.read_text(errors="replace")

    def error_tail(self, lines: int = 15) -> str:
        return "\n".join(self.stderr.read_text(errors="replace").splitlines()[-lines:])


class Child:
    """A measured child process: started at construction, reaped (with its rusage) by `wait`.

    The CPU and memory figures are the child's own rusage from wait4(2): the same accounting as
    getrusage(RUSAGE_CHILDREN) around the call, but for this child alone, so ru_maxrss is its peak
    and not the largest of every child waited for so far. A shell's figures include the commands
    it ran and waited for.
    """

    def __init__(
        self, command: Sequence[str], *, env: Mapping[str, str], cwd: Path, logs: Path, timeout: float
    ) -> None:
        logs.parent.mkdir(parents=True, exist_ok=True)
        self.stdout, self.stderr = logs.with_suffix(".out"), logs.with_suffix(".err")
        with self.stdout.open("wb") as stdout, self.stderr.open("wb") as stderr:
            self.started = time.perf_counter()
            self.process = subprocess.Popen(
                list(command), env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr
            )
        self._reaped = threading.Event()
        self._watchdog = threading.Timer(timeout, self.signal, (signal.SIGKILL,))
        self._watchdog.start()

    def signal(self, number: int) -> None:
        """Send `number` unless the child was already reaped (its pid may belong to another process by then)."""
        if not self._reaped.is_set():
            self.process.send_signal(number)

    def exited(self) -> bool:
        """Whether the child has ended, without reaping it (`wait` still gets its rusage)."""
        if self._reaped.is_set():
            return True
        return os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None

    def wait(self) -> ChildRun:
        try:
            _, status, usage = os.wait4(self.process.pid, 0)
        finally:
            self._reaped.set()
            self._watchdog.cancel()
        wall = time.perf_counter() - self.started
        # We reaped it ourselves; tell Popen, or it would try to wait again.
        self.process.returncode = os.waitstatus_to_exitcode(status)
        return ChildRun(
            wall=wall,
            user=usage.ru_utime,
            system=usage.ru_stime,
            max_rss_bytes=usage.ru_maxrss * 1024,  # Linux reports KiB
            returncode=self.process.returncode,
            stdout=self.stdout,
            stderr=self.stderr,
        )


def run_child(
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    logs: Path,
    timeout: float,
) -> ChildRun:
    """Run `command` to completion; its output goes to `logs`.out/.err (see `Child`)."""
    return Child(command, env=env, cwd=cwd, logs=logs, timeout=timeout).wait()


def run_checked(
    command: Sequence[str], *, env: Mapping[str, str], cwd: Path, logs: Path, timeout: float, what: str
) -> ChildRun:
    run = run_child(command, env=env, cwd=cwd, logs=logs, timeout=timeout)
    if run.returncode != 0:
        raise BenchmarkError(f"{what} exited with {run.returncode} after {run.wall:.1f} s:\n{run.error_tail()}")
    return run
