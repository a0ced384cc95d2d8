"""Injected HTTP 500s and AWS's real rate limits: a 300-thing run still ends with an exact fleet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CliRunner
from tests.support.emulator import EmulatorHandle
from tests.support.fleet import assert_fleet_consistent, remote_certificates, remote_thing_names
from tests.support.journal import assert_journal_consistent

THINGS = 300


@pytest.mark.slow
def test_300_things_through_5_percent_faults_and_aws_quotas(
    run_cli: CliRunner, aws_env: dict[str, str], emulator: EmulatorHandle, tmp_path: Path
) -> None:
    assert run_cli("thing-project-from-template", "p", str(tmp_path), "--aws-endpoint", "e.example").returncode == 0
    project = tmp_path / "p"
    emulator.set_knobs(fault_rate=0.05, quotas="aws", seed=20240917)
    # iotforge's own retry budget (8 attempts), not the test suite's short one: 500s are retried.
    env = {key: value for key, value in aws_env.items() if key != "IOTFORGE_MAX_ATTEMPTS"}
    done = run_cli("add-things", str(project), "--things-base-name", "dev", "--things-number", str(THINGS), env=env)
    assert done.returncode == 0, done.stderr
    emulator.set_knobs(fault_rate=0.0, quotas=None)
    iot = emulator.client("iot")
    expected = {f"dev_{index}" for index in range(THINGS)}
    assert_fleet_consistent(iot, project, expected)
    assert remote_thing_names(iot) == expected
    assert len(remote_certificates(iot)) == THINGS  # no certificate from a retried call
    state = assert_journal_consistent(project)
    assert all(thing.complete for thing in state.live_things())
