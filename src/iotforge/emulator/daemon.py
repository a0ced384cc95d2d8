"""Run emulators in the background: start detached, find them again by pid file, stop them.

A pid file `emulator-<port>.pid` in the pid folder holds {"pid", "port", "url"} as JSON; the
emulator's output goes to `emulator-<port>.log` beside it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from iotforge.emulator.server import EmulatorOptions
from iotforge.errors import BadInputError, IotforgeError

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
_POLL = 0.05
_LISTENING = "listening on "


@dataclass(frozen=True)
class BackgroundEmulator:
    url: str
    pid: int
    pid_file: Path


def default_pid_dir() -> Path:
    """$XDG_RUNTIME_DIR/iotforge, else ~/.cache/iotforge."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime else Path.home() / ".cache"
    return base / "iotforge"


def start_background(options: EmulatorOptions, pid_dir: Path) -> BackgroundEmulator:
    """Start a detached emulator, wait until it answers, and record it in `pid_dir`."""
    _prepare_dir(pid_dir)
    if options.port:
        running = _running(pid_dir / _pid_name(options.port))
        if running is not None:
            raise BadInputError(
                f"An emulator is already running on port {options.port} (pid {running.pid}, {running.url}).",
                f"Use it, or stop it first with `iotforge emulator stop --port {options.port}`.",
            )
    log_path = pid_dir / (f"emulator-{options.port}.log" if options.port else f"emulator-new-{os.getpid()}.log")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _command(options),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        url = _wait_until_healthy(process, log_path)
    except BaseException:
        _terminate(process.pid)
        raise
    port = int(url.rsplit(":", 1)[1])
    if not options.port:
        log_path = log_path.replace(pid_dir / f"emulator-{port}.log")
    pid_file = pid_dir / _pid_name(port)
    _write_atomically(pid_file, json.dumps({"pid": process.pid, "port": port, "url": url}))
    return BackgroundEmulator(url=url, pid=process.pid, pid_file=pid_file)


def stop_background(pid_dir: Path, port: int | None) -> list[int]:
    """Stop the emulator on `port` (or every one recorded in `pid_dir`); the pids stopped.

    Pid files of emulators that are gone (stale) are removed without signalling anything.
    """
    if not pid_dir.is_dir():
        return []
    pid_files = [pid_dir / _pid_name(port)] if port is not None else sorted(pid_dir.glob("emulator-*.pid"))
    stopped = []
    for pid_file in pid_files:
        running = _running(pid_file)
        if running is not None:
            _terminate(running.pid)
            stopped.append(running.pid)
        pid_file.unlink(missing_ok=True)
    return stopped


def _command(options: EmulatorOptions) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "iotforge.emulator",
        "--host",
        options.host,
        "--port",
        str(options.port),
        "--knobs",
        json.dumps(dataclasses.asdict(options.knobs)),
    ]
    if options.allow_remote:
        command.append("--allow-remote")
    if options.state_dir:
        command.extend(["--state-dir", str(Path(options.state_dir).resolve())])
    return command


def _wait_until_healthy(process: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    url: str | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise IotforgeError(
                f"The emulator exited during start (status {process.returncode}).",
                f"See its output in {log_path}.",
                details=_tail(log_path),
            )
        url = url or _announced_url(log_path)
        if url is not None and _healthy(url):
            return url
        time.sleep(_POLL)
    raise IotforgeError(
        f"The emulator did not answer within {START_TIMEOUT:.0f} s.",
        f"See its output in {log_path}.",
        details=_tail(log_path),
    )


def _announced_url(log_path: Path) -> str | None:
    for line in log_path.read_text(errors="replace").splitlines():
        if _LISTENING in line:
            return line.split(_LISTENING, 1)[1].strip()
    return None


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_iotforge/health", timeout=1) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _running(pid_file: Path) -> BackgroundEmulator | None:
    """The emulator `pid_file` records, if that process is alive and is one of ours."""
    try:
        record = json.loads(pid_file.read_text())
        pid, url = int(record["pid"]), str(record["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _alive(pid) or not _is_emulator(pid, url):
        return None
    return BackgroundEmulator(url=url, pid=pid, pid_file=pid_file)


def _is_emulator(pid: int, url: str) -> bool:
    """Guard against a recycled pid: the process must be an emulator (or at least answer as one)."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        with contextlib.suppress(OSError):
            return b"iotforge.emulator" in cmdline.read_bytes().split(b"\0")
    return _healthy(url)


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        # Our own child (started by this process): reap it if it has exited, or it lingers as a zombie.
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _terminate(pid: int) -> None:
    """SIGTERM (the emulator saves its state and exits), SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(_POLL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _pid_name(port: int) -> str:
    return f"emulator-{port}.pid"


def _prepare_dir(pid_dir: Path) -> None:
    pid_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if pid_dir.is_symlink() or not pid_dir.is_dir():
        raise BadInputError(f"{pid_dir} is not a folder.", "Remove it, or point XDG_RUNTIME_DIR elsewhere.")
    if pid_dir.stat().st_uid == os.getuid():
        pid_dir.chmod(0o700)


def _write_atomically(path: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _tail(log_path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
