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
    assert report["succeeded"] == 25
    assert report["failed"] == 0
    assert report["tampered_rejected"] is True
    assert report["tampered_rejections"] >= 1
    assert report["resources_left"] == 0
    assert set(report["remaining"]) >= {"things", "certificates", "policies", "ota_updates", "jobs", "buckets", "roles"}
    assert set(report["remaining"].values()) == {0}
    titles = [step["title"] for step in report["steps"]]
    assert titles[0] == "Create a firmware project from the template"
    assert titles[1].startswith("Provision 25 things")
    assert any(title.startswith("Ship a tampered image") for title in titles)
    assert "==> Provision 25 things" in done.stderr
    assert list(workdir.iterdir()) == []  # the demo's project lived in a temporary folder
