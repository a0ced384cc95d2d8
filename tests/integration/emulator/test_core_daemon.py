"""Background emulators: started detached, recorded in pid files, stopped by port or all at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from iotforge.emulator.daemon import default_pid_dir, start_background, stop_background
from iotforge.emulator.knobs import Knobs
from iotforge.emulator.server import EmulatorOptions
from iotforge.errors import BadInputError
from tests.support.emulator import EmulatorHandle


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_iotforge/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def test_start_and_stop_background_emulators(tmp_path: Path) -> None:
    pid_dir = tmp_path / "run" / "iotforge"
    first = start_background(EmulatorOptions(knobs=Knobs(deny_actions=("iot:DeleteThing",))), pid_dir)
    second = start_background(EmulatorOptions(), pid_dir)
    try:
        assert pid_dir.stat().st_mode & 0o777 == 0o700
        assert healthy(first.url)
        assert healthy(second.url)
        record = json.loads(first.pid_file.read_text())
        assert record == {"pid": first.pid, "port": int(first.url.rsplit(":", 1)[1]), "url": first.url}
        assert first.pid_file.name == f"emulator-{record['port']}.pid"
        assert (pid_dir / f"emulator-{record['port']}.log").exists()
        # The knobs reached the detached process.
        assert EmulatorHandle(url=first.url).control("knobs")["deny_actions"] == ["iot:DeleteThing"]

        assert stop_background(pid_dir, int(first.url.rsplit(":", 1)[1])) == [first.pid]
        assert not healthy(first.url)
        assert not first.pid_file.exists()
        assert healthy(second.url)
    finally:
        stopped = stop_background(pid_dir, None)
    assert stopped == [second.pid]
    assert not healthy(second.url)
    assert list(pid_dir.glob("*.pid")) == []


def test_stale_pid_files_are_removed_without_signalling(tmp_path: Path) -> None:
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir(mode=0o700)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (pid_dir / "emulator-4599.pid").write_text(
        json.dumps({"pid": gone.pid, "port": 4599, "url": "http://127.0.0.1:4599"})
    )
    # A live process that is not an emulator (a recycled pid) must not be signalled either.
    (pid_dir / "emulator-4598.pid").write_text(
        json.dumps({"pid": os.getpid(), "port": 4598, "url": "http://127.0.0.1:4598"})
    )
    (pid_dir / "emulator-4597.pid").write_text("garbage")

    assert stop_background(pid_dir, None) == []
    assert list(pid_dir.glob("*.pid")) == []
    assert stop_background(tmp_path / "never-created", None) == []


def test_second_start_on_a_busy_port_is_refused(tmp_path: Path) -> None:
    pid_dir = tmp_path / "pids"
    first = start_background(EmulatorOptions(), pid_dir)
    port = int(first.url.rsplit(":", 1)[1])
    try:
        with pytest.raises(BadInputError, match=f"already running on port {port}"):
            start_background(EmulatorOptions(port=port), pid_dir)
    finally:
        stop_background(pid_dir, port)


def test_background_emulator_keeps_state_dir_state_across_restarts(tmp_path: Path) -> None:
    pid_dir, state_dir = tmp_path / "pids", tmp_path / "state"
    first = start_background(EmulatorOptions(state_dir=str(state_dir)), pid_dir)
    try:
        EmulatorHandle(url=first.url).client("iot").create_thing(thingName="survivor")
    finally:
        stop_background(pid_dir, None)
    second = start_background(EmulatorOptions(state_dir=str(state_dir)), pid_dir)
    try:
        things = EmulatorHandle(url=second.url).client("iot").list_things()["things"]
        assert [thing["thingName"] for thing in things] == ["survivor"]
    finally:
        stop_background(pid_dir, None)


def test_default_pid_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "xdg"))
    assert default_pid_dir() == tmp_path / "xdg" / "iotforge"
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_pid_dir() == tmp_path / "home" / ".cache" / "iotforge"
