"""The benchmark runner, in --quick mode on tiny sizes, writes well-formed results (timings are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ("provisioning", "overhead", "cleanup", "keys", "bulk", "startup", "ota", "faults")


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@pytest.mark.slow
def test_quick_run_writes_json_markdown_and_chart_or_a_reason(tmp_path: Path) -> None:
    out = tmp_path / "results"
    # --settle 0: a reset already refills the emulator's quota buckets; the pause only guards real runs.
    command = [sys.executable, "-m", "benchmarks.run", "--quick", "--runs", "1", "--settle", "0", "--out", str(out)]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]

    document = json.loads((out / "latest.json").read_text())
    assert document["schema"] == 1
    assert document["quick"] is True
    assert document["runs"] == 1
    assert document["failures"] == []
    assert "--quick" in document["command_line"]
    assert {"cpu_model", "cores", "memory_bytes"} <= document["machine"].keys()
    assert {"python", "iotforge", "boto3", "moto"} <= document["versions"].keys()
    assert all(document["versions"][name] for name in ("python", "iotforge", "boto3", "moto"))
    assert {scenario["key"] for scenario in document["scenarios"]} == set(SCENARIOS)

    for scenario in document["scenarios"]:
        assert scenario["measurements"], scenario["key"]
        for measurement in scenario["measurements"]:
            assert len(measurement["samples"]) >= 1
            assert all(is_number(sample) and sample > 0 for sample in measurement["samples"]), measurement
            assert is_number(measurement["median"])
            assert measurement["met"] in (True, False, None)
            if measurement["bound"] is not None:
                assert is_number(measurement["ratio_to_bound"])
        for comparison in scenario["comparisons"]:
            assert len(comparison["per_round"]) == 1
        for skip in scenario["skipped"]:
            assert skip["reason"]
    provisioning = next(scenario for scenario in document["scenarios"] if scenario["key"] == "provisioning")
    tools = {measurement["tool"] for measurement in provisioning["measurements"]}
    assert "iotforge add-things" in tools
    # The AWS CLI baseline ran, or the reason it did not is recorded.
    assert any("AWS CLI" in tool for tool in tools) or any("AWS CLI" in s["tool"] for s in provisioning["skipped"])

    chart = document["chart"]
    if chart["file"]:
        assert (out / chart["file"]).read_bytes().startswith(b"\x89PNG")
    else:
        assert chart["skipped"]

    markdown = (out / "latest.md").read_text()
    assert markdown.startswith("# iotforge benchmarks")
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| Scenario | Tool |")
    measured = sum(len(scenario["measurements"]) for scenario in document["scenarios"])
    results = table[: measured + 1]  # the header, then one row per measurement
    assert len(results) == measured + 1
    assert all(line.count("|") == results[0].count("|") for line in results)
    if provisioning["comparisons"]:
        assert any(line.startswith("| Comparison |") for line in table)
