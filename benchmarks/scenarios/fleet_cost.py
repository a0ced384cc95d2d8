"""Scenarios 2 and 3: iotforge's own cost per 1000 things (no latency, no quotas), then cleaning them up
at AWS's latency and quotas."""

from __future__ import annotations

from benchmarks import iotforge_cli
from benchmarks.context import Context
from benchmarks.emulator import EmulatorProcess
from benchmarks.model import Bound, Measurement, ScenarioResult, Target

OVERHEAD_KNOBS: dict[str, object] = {}
# No quotas on the emulator, so none on the client either: paced at AWS's rates, the process would
# idle between calls and the measure would be of a cold CPU, not of iotforge's own work.
NO_PACING = ("--rate-scale", "0")
CLEANUP_KNOBS = {"latency_ms": 50, "quotas": "aws"}
MIB = 1024 * 1024
CLEANUP_BOUND = Bound(
    10.0,
    "things/s",
    "each thing's certificate needs one UpdateCertificate (deactivate) and one DeleteCertificate; "
    "AWS IoT allows each 10 requests/s per account and region",
)
IOTFORGE_ADD = "iotforge add-things"
IOTFORGE_CLEANUP = "iotforge iot-cleanup"


def run(ctx: Context) -> list[ScenarioResult]:
    count = ctx.sizes.overhead_things
    cpu: list[float] = []
    user: list[float] = []
    system: list[float] = []
    peak: list[float] = []
    walls: list[float] = []
    cleanup_rates: list[float] = []
    cleanup_cpu: list[float] = []
    with EmulatorProcess(OVERHEAD_KNOBS, ctx.work / "logs" / "emulator-fleet-cost.log") as emulator:
        for round_number in range(1, ctx.runs + 1):
            ctx.log(f"overhead round {round_number}/{ctx.runs}: iotforge add-things, {count} things, no latency")
            folder = ctx.fresh_dir("fleet-cost")
            project = iotforge_cli.create_project(ctx, emulator, folder)
            emulator.reset(ctx.settle, OVERHEAD_KNOBS)
            added = iotforge_cli.add_things(ctx, emulator, project, count, folder / "logs" / "add-things", *NO_PACING)
            per_thousand = 1000 / count
            cpu.append(added.cpu * per_thousand)
            user.append(added.user * per_thousand)
            system.append(added.system * per_thousand)
            peak.append(added.max_rss_bytes / MIB)
            walls.append(added.wall)
            ctx.log(f"  {added.cpu:.1f} CPU s ({added.user:.1f} user), {peak[-1]:.0f} MiB, {added.wall:.1f} s")

            ctx.log(f"cleanup round {round_number}/{ctx.runs}: iotforge iot-cleanup, {count} things")
            emulator.set_knobs(CLEANUP_KNOBS)
            ctx.pause()
            removed = iotforge_cli.cleanup(ctx, emulator, project, count, folder / "logs" / "iot-cleanup")
            cleanup_rates.append(count / removed.wall)
            cleanup_cpu.append(removed.cpu)
            ctx.log(f"  {cleanup_rates[-1]:.2f} things/s ({removed.wall:.1f} s)")

    overhead = ScenarioResult(
        "overhead",
        "Provisioning overhead (no latency, no quotas): iotforge's own CPU and memory",
        None,
        OVERHEAD_KNOBS,
    )
    overhead.measurements += [
        Measurement(
            IOTFORGE_ADD,
            "cpu_seconds",
            "CPU s per 1000 things",
            count,
            cpu,
            Target(5.0, "at_most"),
            details={"user_seconds_per_1000": user, "system_seconds_per_1000": system},
        ),
        Measurement(IOTFORGE_ADD, "peak_memory", "MiB", count, peak, Target(150, "at_most")),
        Measurement(
            IOTFORGE_ADD,
            "throughput",
            "things/s",
            count,
            [count / wall for wall in walls],
            details={"wall_seconds": walls},
        ),
    ]
    overhead.notes.append(
        "CPU is user + system seconds of the iotforge process alone (its wait4 rusage), scaled to 1000 things; "
        "peak memory is its ru_maxrss. The emulator's CPU is not counted."
    )
    overhead.notes.append(
        "iotforge runs with --rate-scale 0 here (no client-side pacing, as the emulator has no quotas), so the "
        "process works flat out rather than idling between calls paced at AWS's rates, which would measure a "
        "cold CPU; things/s is then set by the emulator."
    )

    cleanup = ScenarioResult("cleanup", "Cleanup (50 ms latency, AWS quotas)", CLEANUP_BOUND, CLEANUP_KNOBS)
    cleanup.measurements.append(
        Measurement(
            IOTFORGE_CLEANUP,
            "throughput",
            "things/s",
            count,
            cleanup_rates,
            Target(0.90, "at_least", "ratio_to_bound"),
            CLEANUP_BOUND,
            throughput=True,
            details={"cpu_seconds": cleanup_cpu},
        )
    )
    cleanup.notes.append(
        "Removes the things the overhead run just made (thing, certificate, the policy it created), "
        "after switching the emulator to 50 ms latency and AWS quotas and pausing so the buckets refill."
    )
    return [overhead, cleanup]
