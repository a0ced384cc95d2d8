"""Crash safety: SIGKILL add-things at different moments; the same command resumes to an exact fleet."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from tests.support.crash import kill_after_journal_lines, start_iotforge
from tests.support.emulator import EmulatorHandle
from tests.support.fleet import assert_fleet_consistent, remote_certificates, remote_thing_names

THINGS = 24
ADD = ("add-things", "--things-base-name", "dev", "--things-number", str(THINGS), "--concurrency", "4")


def _start(aws_env: dict[str, str], project: Path) -> subprocess.Popen[str]:
    return start_iotforge(aws_env, ADD[0], str(project), *ADD[1:])


# The journal has 7 records per thing plus the batch and policy records (~172): these kill points
# land before the batch exists, around the policy, early, in the middle and near the end. The end
# is ~140: after the last certificate's durable record, the rest (up to 4 per thing in flight) only
# reaches the disk together with batch-finished.
@pytest.mark.parametrize("journal_lines", [0, 1, 3, 5, 21, 43, 80, 110, 125, 140])
def test_sigkill_then_rerun_gives_exactly_the_requested_things(
    journal_lines: int, run_cli: CliRunner, aws_env: dict[str, str], emulator: EmulatorHandle, tmp_path: Path
) -> None:
    assert run_cli("thing-project-from-template", "p", str(tmp_path), "--aws-endpoint", "e.example").returncode == 0
    project = tmp_path / "p"
    emulator.set_knobs(latency_ms=15)
    process = _start(aws_env, project)
    kill_after_journal_lines(process, project, journal_lines)
    journal = project / ".iotforge" / "journal.jsonl"
    assert not journal.exists() or b"batch-finished" not in journal.read_bytes(), "killed too late to test resuming"
    rerun = run_cli(ADD[0], str(project), *ADD[1:], "--output", "json")
    assert rerun.returncode == 0, rerun.stderr
    iot = emulator.client("iot")
    expected = {f"dev_{index}" for index in range(THINGS)}
    assert_fleet_consistent(iot, project, expected)
    assert remote_thing_names(iot) == expected
    assert len(remote_certificates(iot)) == THINGS  # no orphan certificate from the interrupted calls
    # A further identical run adds nothing more: the batch is finished, so it is a new batch.
    status = json.loads(run_cli("project", "status", str(project), "--output", "json").stdout)
    assert status["incomplete_batch"] == []
    cleanup = run_cli("iot-cleanup", str(project))
    assert cleanup.returncode == 0, cleanup.stderr
    assert remote_thing_names(iot) == set()
    assert remote_certificates(iot) == []


def test_a_different_add_things_is_refused_while_a_batch_is_unfinished(
    run_cli: CliRunner, aws_env: dict[str, str], emulator: EmulatorHandle, tmp_path: Path
) -> None:
    assert run_cli("thing-project-from-template", "p", str(tmp_path), "--aws-endpoint", "e.example").returncode == 0
    project = tmp_path / "p"
    emulator.set_knobs(latency_ms=15)
    process = _start(aws_env, project)
    deadline = time.monotonic() + 20
    journal = project / ".iotforge" / "journal.jsonl"
    while time.monotonic() < deadline and (not journal.exists() or journal.read_text().count('"step":"files"') < 2):
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    refused = run_cli("add-things", str(project), "--things-number", "3")
    assert refused.returncode == 2
    assert "did not finish" in refused.stderr
    assert "iotforge project resume" in refused.stderr
    assert "--discard-incomplete" in refused.stderr
    resumed = run_cli("project", "resume", str(project), "--output", "json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["resumed"] is True
    assert_fleet_consistent(emulator.client("iot"), project, {f"dev_{index}" for index in range(THINGS)})


def test_discard_incomplete_removes_the_partial_batch_first(
    run_cli: CliRunner, aws_env: dict[str, str], emulator: EmulatorHandle, tmp_path: Path
) -> None:
    assert run_cli("thing-project-from-template", "p", str(tmp_path), "--aws-endpoint", "e.example").returncode == 0
    project = tmp_path / "p"
    emulator.set_knobs(latency_ms=15)
    process = _start(aws_env, project)
    kill_after_journal_lines(process, project, 60)
    done = run_cli(
        "add-things", str(project), "--things-base-name", "new", "--things-number", "2", "--discard-incomplete"
    )
    assert done.returncode == 0, done.stderr
    iot = emulator.client("iot")
    assert remote_thing_names(iot) == {"new_0", "new_1"}
    assert_fleet_consistent(iot, project, {"new_0", "new_1"})
    assert len(remote_certificates(iot)) == 2
