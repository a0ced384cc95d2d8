"""The Zerynth seed's mass-programming script, run with `iotforge` in place of `ztc aws`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import CliRunner

# The seed's loop, verbatim but for the tool's name, its option spelling (--thing-base-name) kept;
# `compile`/`uplink` become a recorder that notes which thing was active when it ran.
SEED_SCRIPT = """#!/bin/sh
set -e
things_number=4
ztc="{iotforge}"

$ztc add-things project_path --things-number $things_number --thing-base-name production_thing
for thing_id in $(seq 0 $(expr $things_number - 1)); do
    $ztc set-active-thing project_path --thing-id $thing_id
    {recorder} project_path
done
"""

RECORDER = """import json, pathlib, sys
project = pathlib.Path(sys.argv[1])
conf = json.loads((project / "thing.conf.json").read_text())
key = (project / "private.pem.key").read_bytes()
folder = project / ".aws_things_resources" / conf["thingname"]
assert key == (folder / "private.pem.key").read_bytes(), "root key is not the active thing's"
with open(project.parent / "flashed.txt", "a") as log:
    log.write(conf["thingname"] + "\\n")
"""


def test_the_seed_loop_runs_literally(run_cli: CliRunner, tmp_path: Path, aws_env: dict[str, str]) -> None:
    assert run_cli("thing-project-from-template", "project_path", str(tmp_path)).returncode == 0
    (tmp_path / "recorder.py").write_text(RECORDER)
    iotforge = f"{sys.executable} -m iotforge"
    script = SEED_SCRIPT.format(iotforge=iotforge, recorder=f"{sys.executable} recorder.py")
    (tmp_path / "mass.sh").write_text(script)
    done = subprocess.run(
        ["sh", "mass.sh"], cwd=tmp_path, env=aws_env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    flashed = (tmp_path / "flashed.txt").read_text().split()
    assert flashed == [f"production_thing_{index}" for index in range(4)]


def test_each_runs_the_loop_as_one_command_and_resumes(run_cli: CliRunner, tmp_path: Path) -> None:
    assert run_cli("thing-project-from-template", "project_path", str(tmp_path)).returncode == 0
    project = tmp_path / "project_path"
    added = run_cli("add-things", str(project), "--things-number", "4", "--things-base-name", "production_thing")
    assert added.returncode == 0, added.stderr
    (tmp_path / "recorder.py").write_text(RECORDER)
    # The command fails for thing 2 on the first pass, like a board that did not answer.
    flaky = (
        "import os, pathlib, subprocess, sys\n"
        "name = os.environ['IOTFORGE_THING_NAME']\n"
        "assert os.environ['IOTFORGE_KEY'].endswith('private.pem.key')\n"
        "marker = pathlib.Path(sys.argv[1]) / 'failed-once'\n"
        "if name == 'production_thing_2' and not marker.exists():\n"
        "    marker.write_text('x'); print('board not answering'); sys.exit(3)\n"
        f"subprocess.run([sys.executable, {str(tmp_path / 'recorder.py')!r}, os.getcwd()], check=True)\n"
    )
    (tmp_path / "flash.py").write_text(flaky)
    command = ("each", str(project), "--", sys.executable, str(tmp_path / "flash.py"), str(tmp_path))
    first = run_cli(*command)
    assert first.returncode == 1
    assert "production_thing_2" in first.stderr
    assert "--resume" in first.stderr
    assert "board not answering" in (project / ".iotforge" / "each" / "production_thing_2.log").read_text()
    assert (tmp_path / "flashed.txt").read_text().split() == ["production_thing_0", "production_thing_1"]
    again = run_cli("each", str(project), "--resume", "--output", "json", *command[2:])
    assert again.returncode == 0, again.stderr
    outcomes = {o["thing"]: o["exit_code"] for o in json.loads(again.stdout)["outcomes"]}
    assert outcomes == {
        "production_thing_0": None,
        "production_thing_1": None,
        "production_thing_2": 0,
        "production_thing_3": 0,
    }
    assert (tmp_path / "flashed.txt").read_text().split() == [f"production_thing_{index}" for index in range(4)]
