"""`each` killed mid-loop: --resume finishes without running the command again for finished things."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CliRunner
from tests.support.crash import kill_when, start_iotforge
from tests.support.journal import assert_journal_consistent

THINGS = 6


def test_each_killed_mid_loop_resumes_without_rerunning_finished_things(
    run_cli: CliRunner, aws_env: dict[str, str], tmp_path: Path
) -> None:
    assert run_cli("thing-project-from-template", "p", str(tmp_path), "--aws-endpoint", "e.example").returncode == 0
    project = tmp_path / "p"
    added = run_cli("add-things", str(project), "--things-base-name", "dev", "--things-number", str(THINGS))
    assert added.returncode == 0, added.stderr
    runs = tmp_path / "runs.txt"
    # Records each run into a file; the kill lands while the third thing's command is running.
    script = f'echo "start $IOTFORGE_THING_NAME" >> {runs}; sleep 0.4; echo "end $IOTFORGE_THING_NAME" >> {runs}'
    command = ("--", "sh", "-c", script)
    process = start_iotforge(aws_env, "each", str(project), *command)
    assert kill_when(process, lambda: runs.exists() and runs.read_text().count("start") >= 3).killed

    resumed = run_cli("each", str(project), "--resume", "--output", "json", *command)
    assert resumed.returncode == 0, resumed.stderr
    outcomes = {o["thing"]: o["exit_code"] for o in json.loads(resumed.stdout)["outcomes"]}
    assert outcomes == {"dev_0": None, "dev_1": None, **{f"dev_{i}": 0 for i in range(2, THINGS)}}
    lines = runs.read_text().splitlines()
    assert sorted(line for line in lines if line.startswith("end")) == sorted(f"end dev_{i}" for i in range(THINGS))
    starts = [line for line in lines if line.startswith("start")]
    assert starts.count("start dev_2") == 2  # the one the kill interrupted runs again
    assert len(starts) == THINGS + 1
    assert json.loads((project / "thing.conf.json").read_text())["thingname"] == f"dev_{THINGS - 1}"
    assert_journal_consistent(project)
