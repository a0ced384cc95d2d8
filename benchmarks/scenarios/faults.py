"""Issue 10: 300 things under AWS quotas with 5% of calls failing (HTTP 500), against the fault-free run.

The correctness of the faulted run (one ACTIVE certificate per thing, no stray certificates) is
asserted in tests/integration/test_reliability_faults.py; here only its time is recorded.
"""

from __future__ import annotations

from benchmarks import iotforge_cli
from benchmarks.context import Context
from benchmarks.emulator import EmulatorProcess
from benchmarks.model import Comparison, Measurement, ScenarioResult, Target

CLEAN = {"quotas": "aws"}
FAULTY = {"quotas": "aws", "fault_rate": 0.05}
TOOL_CLEAN = "iotforge add-things, no faults"
TOOL_FAULTY = "iotforge add-things, 5% of calls fail"


def run(ctx: Context) -> list[ScenarioResult]:
    count = ctx.sizes.faults_things
    result = ScenarioResult("faults", "Provisioning with 5% injected faults (AWS quotas)", None, FAULTY)
    walls: dict[str, list[float]] = {TOOL_CLEAN: [], TOOL_FAULTY: []}
    with EmulatorProcess(CLEAN, ctx.work / "logs" / "emulator-faults.log") as emulator:
        for round_number in range(1, ctx.runs + 1):
            for tool, knobs in ((TOOL_CLEAN, CLEAN), (TOOL_FAULTY, {**FAULTY, "seed": round_number})):
                ctx.log(f"faults round {round_number}/{ctx.runs}: {tool}, {count} things")
                folder = ctx.fresh_dir("faults")
                emulator.reset(ctx.settle, CLEAN)
                project = iotforge_cli.create_project(ctx, emulator, folder)
                emulator.reset(ctx.settle, knobs)
                measured = iotforge_cli.add_things(ctx, emulator, project, count, folder / "logs" / "add-things")
                walls[tool].append(measured.wall)
                ctx.log(f"  {count / measured.wall:.2f} things/s ({measured.wall:.1f} s)")
    for tool, samples in walls.items():
        result.measurements.append(
            Measurement(tool, "throughput", "things/s", count, [count / wall for wall in samples], throughput=True)
        )
    per_round = [faulty / clean for faulty, clean in zip(walls[TOOL_FAULTY], walls[TOOL_CLEAN], strict=True)]
    result.comparisons.append(
        Comparison("time with 5% faults / fault-free time", TOOL_FAULTY, TOOL_CLEAN, per_round, Target(2.0, "at_most"))
    )
    result.notes.append(
        "Rounds alternate fault-free and faulted runs on one emulator; each faulted round has its own seed."
    )
    return [result]
