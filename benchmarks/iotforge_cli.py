"""iotforge as users run it: the CLI in its own process, with `--output json` checked after each run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.context import Context
from benchmarks.emulator import EmulatorProcess
from benchmarks.measure import BenchmarkError, ChildRun, run_checked

POLICY = "bench_policy"
BASE_NAME = "dev"


def create_project(ctx: Context, emulator: EmulatorProcess, folder: Path) -> Path:
    """A fresh project (setup, not measured)."""
    run_checked(
        [*ctx.tools.iotforge, "thing-project-from-template", "bench", str(folder), "--aws-policy-name", POLICY],
        env=emulator.environment(ctx.work / "home"),
        cwd=folder,
        logs=folder / "logs" / "create-project",
        timeout=120,
        what="iotforge thing-project-from-template",
    )
    return folder / "bench"


def add_things(
    ctx: Context, emulator: EmulatorProcess, project: Path, count: int, logs: Path, *options: str
) -> ChildRun:
    """`iotforge add-things PROJECT --things-number COUNT [OPTIONS]` (default concurrency), measured."""
    run = run_checked(
        [
            *ctx.tools.iotforge,
            "add-things",
            str(project),
            "--things-base-name",
            BASE_NAME,
            "--things-number",
            str(count),
            "--output",
            "json",
            *options,
        ],
        env=emulator.environment(ctx.work / "home"),
        cwd=project.parent,
        logs=logs,
        timeout=600 + count * 2,
        what="iotforge add-things",
    )
    document = _document(run)
    if len(document.get("things", [])) != count:
        raise BenchmarkError(f"iotforge add-things reported {len(document.get('things', []))} things, not {count}")
    return run


def cleanup(ctx: Context, emulator: EmulatorProcess, project: Path, count: int, logs: Path) -> ChildRun:
    """`iotforge iot-cleanup PROJECT` (default concurrency), measured."""
    run = run_checked(
        [*ctx.tools.iotforge, "iot-cleanup", str(project), "--output", "json"],
        env=emulator.environment(ctx.work / "home"),
        cwd=project.parent,
        logs=logs,
        timeout=600 + count * 2,
        what="iotforge iot-cleanup",
    )
    document = _document(run)
    removed, remaining = document.get("things_removed", []), document.get("remaining", [])
    if len(removed) != count or remaining:
        raise BenchmarkError(f"iotforge iot-cleanup removed {len(removed)} of {count} things; left {remaining[:3]}")
    return run


def _document(run: ChildRun) -> dict[str, Any]:
    try:
        document = json.loads(run.output())
    except ValueError as error:
        raise BenchmarkError(f"iotforge printed no JSON document ({error}); see {run.stdout}") from None
    if not isinstance(document, dict):
        raise BenchmarkError(f"iotforge printed {type(document).__name__}, not a JSON object; see {run.stdout}")
    return document


def count_things(emulator: EmulatorProcess) -> int:
    paginator = emulator.client("iot").get_paginator("list_things")
    return sum(len(page["things"]) for page in paginator.paginate())


def create_policy(emulator: EmulatorProcess, name: str = POLICY) -> None:
    """The policy the baselines attach (the seed's projects name an existing one)."""
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"}]}
    emulator.client("iot").create_policy(policyName=name, policyDocument=json.dumps(document))
