"""Interrupted runs: certificates a kill hid, credentials expiring mid-run; the same command finishes."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.conftest import CliRunner
from tests.support.crash import kill_when, start_iotforge
from tests.support.emulator import EmulatorHandle
from tests.support.fleet import assert_fleet_consistent, remote_certificates, remote_thing_names
from tests.support.journal import assert_journal_consistent

# Long enough that CreateCertificateFromCsr calls are still in flight, server side, when the client dies.
IN_FLIGHT_LATENCY_MS = 300


def _project(run_cli: CliRunner, tmp_path: Path) -> Path:
    assert run_cli("thing-project-from-template", "p", str(tmp_path), "--aws-endpoint", "e.example").returncode == 0
    return tmp_path / "p"


def _kill_during_certificate_creation(aws_env: dict[str, str], emulator: EmulatorHandle, project: Path) -> None:
    """Kill add-things while the emulator is still creating certificates no journal `done` will name."""
    emulator.set_knobs(latency_ms=IN_FLIGHT_LATENCY_MS)
    process = start_iotforge(aws_env, "add-things", str(project), "--things-base-name", "dev", "--things-number", "12")
    journal = project / ".iotforge" / "journal.jsonl"

    def certificates_requested() -> bool:
        text = journal.read_text() if journal.exists() else ""
        pending = text.count('"step":"certificate","thing"') - text.count('"certificate_arn"')
        # Several intents without their done, and the emulator already making some of those certificates.
        return pending >= 6 and emulator.calls_of("CreateCertificateFromCsr") >= 3

    assert kill_when(process, certificates_requested).killed
    time.sleep(2 * IN_FLIGHT_LATENCY_MS / 1000)  # the server finishes what it was doing
    emulator.set_knobs(latency_ms=0)
    assert remote_certificates(emulator.client("iot")), "the kill came before any certificate was created"


def test_cleanup_right_after_a_kill_also_deletes_certificates_the_journal_never_saw(
    run_cli: CliRunner, aws_env: dict[str, str], emulator: EmulatorHandle, tmp_path: Path
) -> None:
    project = _project(run_cli, tmp_path)
    _kill_during_certificate_creation(aws_env, emulator, project)
    done = run_cli("iot-cleanup", str(project), "--output", "json")
    assert done.returncode == 0, done.stderr
    iot = emulator.client("iot")
    assert remote_certificates(iot) == []
    assert remote_thing_names(iot) == set()


def test_audit_after_a_kill_sees_those_certificates_and_points_to_resume(
    run_cli: CliRunner, aws_env: dict[str, str], emulator: EmulatorHandle, tmp_path: Path
) -> None:
    project = _project(run_cli, tmp_path)
    _kill_during_certificate_creation(aws_env, emulator, project)
    done = run_cli("audit", str(project), "--output", "json")
    assert done.returncode == 3, done.stderr
    findings = json.loads(done.stdout)["findings"]
    remote = {certificate["certificateArn"] for certificate in remote_certificates(emulator.client("iot"))}
    assert {f["resource"] for f in findings if f["check"] == "orphan-certificate"} == remote
    assert all(not f["fixable"] and "project resume" in f["fix"] for f in findings)


def test_discard_incomplete_after_a_kill_leaves_no_orphan(
    run_cli: CliRunner, aws_env: dict[str, str], emulator: EmulatorHandle, tmp_path: Path
) -> None:
    project = _project(run_cli, tmp_path)
    _kill_during_certificate_creation(aws_env, emulator, project)
    args = ("--things-base-name", "new", "--things-number", "2", "--discard-incomplete")
    done = run_cli("add-things", str(project), *args)
    assert done.returncode == 0, done.stderr
    iot = emulator.client("iot")
    assert_fleet_consistent(iot, project, {"new_0", "new_1"})
    assert len(remote_certificates(iot)) == 2


def test_credentials_expiring_mid_run_stop_with_the_refresh_hint_and_the_same_command_resumes(
    run_cli: CliRunner, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    project = _project(run_cli, tmp_path)
    add = ("add-things", str(project), "--things-base-name", "dev", "--things-number", "30")
    emulator.set_knobs(expire_credentials_after=60)
    stopped = run_cli(*add)
    assert stopped.returncode == 5, stopped.stderr
    assert "expired" in stopped.stderr
    assert "Refresh" in stopped.stderr
    assert "Traceback" not in stopped.stderr
    state = assert_journal_consistent(project)
    assert state.incomplete_batch is not None
    assert 0 < sum(thing.complete for thing in state.live_things()) < 30

    emulator.set_knobs(expire_credentials_after=None)  # new credentials
    resumed = run_cli(*add, "--output", "json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["resumed"] is True
    iot = emulator.client("iot")
    expected = {f"dev_{index}" for index in range(30)}
    assert_fleet_consistent(iot, project, expected)
    assert len(remote_certificates(iot)) == 30

    emulator.set_knobs(expire_credentials_after=40)
    stopped = run_cli("iot-cleanup", str(project))
    assert stopped.returncode == 5, stopped.stderr
    assert "Refresh" in stopped.stderr
    assert_journal_consistent(project)
    journal = (project / ".iotforge" / "journal.jsonl").read_text()
    assert 0 < journal.count('"type":"removed"') < 30  # it got somewhere before the credentials ran out
    emulator.set_knobs(expire_credentials_after=None)
    finished = run_cli("iot-cleanup", str(project), "--output", "json")
    assert finished.returncode == 0, finished.stderr
    assert remote_thing_names(iot) == set()
    assert remote_certificates(iot) == []
