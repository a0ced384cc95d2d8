"""Scenario 6: how long a command takes to start: `iotforge --help` next to `aws --version`,
and how long the emulator takes from process start to answering (issue 4: under 2 s)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from benchmarks.context import Context
from benchmarks.measure import run_checked
from benchmarks.model import Measurement, ScenarioResult, Skip, Target

IOTFORGE = "iotforge --help"
AWS_CLI = "aws --version"
PYTHON = "python -c pass (interpreter floor)"
EMULATOR = "emulator: process start to listening"


def run(ctx: Context) -> list[ScenarioResult]:
    result = ScenarioResult("startup", "Start-up: wall time of a command that does no work", None)
    commands: dict[str, list[str]] = {
        PYTHON: [sys.executable, "-c", "pass"],
        IOTFORGE: [*ctx.tools.iotforge, "--help"],
    }
    if ctx.tools.aws_cli is not None:
        commands[AWS_CLI] = [*ctx.tools.aws_cli, "--version"]
    else:
        result.skipped.append(Skip(AWS_CLI, ctx.tools.aws_cli_missing or "the AWS CLI is not available"))
    folder = ctx.fresh_dir("startup")
    env = _environment(ctx)
    for name, command in commands.items():  # warm-up: the file cache and .pyc files, not measured
        run_checked(command, env=env, cwd=folder, logs=folder / "logs" / "warm-up", timeout=120, what=name)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(1, ctx.runs + 1):
        ctx.log(f"startup round {round_number}/{ctx.runs}")
        for invocation in range(ctx.sizes.startup_invocations):
            for name, command in commands.items():
                run = run_checked(
                    command,
                    env=env,
                    cwd=folder,
                    logs=folder / "logs" / f"{len(walls[name])}-{invocation}-{name.split()[0]}",
                    timeout=60,
                    what=name,
                )
                walls[name].append(run.wall)
    walls[EMULATOR] = [_emulator_start_seconds(env) for _ in range(ctx.runs)]
    targets = {IOTFORGE: Target(0.3, "at_most"), EMULATOR: Target(2.0, "at_most")}
    for name, samples in walls.items():
        result.measurements.append(Measurement(name, "wall_seconds", "s", None, samples, targets.get(name)))
    result.notes.append(
        f"Median of {ctx.runs} x {ctx.sizes.startup_invocations} invocations per command, interleaved; "
        "warm file cache (each command ran before it was timed)."
    )
    return [result]


def _emulator_start_seconds(env: dict[str, str]) -> float:
    """Seconds from spawning `python -m iotforge.emulator` to its "listening on" line."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "iotforge.emulator", "--port", "0"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        elapsed = time.perf_counter() - started
        if "listening on" not in line:
            raise RuntimeError(f"the emulator did not start: {line!r}")
        return elapsed
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def _environment(ctx: Context) -> dict[str, str]:
    home = ctx.work / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "IOTFORGE_"))}
    env.update(HOME=str(home), AWS_CONFIG_FILE=str(home / "no-aws-config"), AWS_DEFAULT_REGION="us-east-1")
    return env
