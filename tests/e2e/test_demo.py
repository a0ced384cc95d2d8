"""`iotforge demo` (what `make demo` runs) end to end, with no AWS settings at all in the environment."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_demo_provisions_the_fleet_and_leaves_nothing(bare_env: dict[str, str], tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "iotforge", "demo", "--output", "json"],
        env=bare_env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["things"] == 25
    assert report["provisioned"] == 25
    assert report["resources_left"] == 0
    assert report["remaining"] == {"things": 0, "certificates": 0, "policies": 0}
    assert [step["title"].split(":")[0] for step in report["steps"]][:2] == [
        "Create a firmware project from the template",
        "Provision 25 things",
    ]
    assert "==> Provision 25 things" in done.stderr
    assert list(workdir.iterdir()) == []  # the demo's project lived in a temporary folder
