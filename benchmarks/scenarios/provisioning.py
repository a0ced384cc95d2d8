"""Scenario 1: provisioning at AWS's latency and quotas, iotforge against the seed's AWS CLI loop and boto3."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks import iotforge_cli
from benchmarks.context import Context
from benchmarks.emulator import EmulatorProcess
from benchmarks.measure import BenchmarkError, run_checked
from benchmarks.model import Bound, Comparison, Measurement, ScenarioResult, Skip, Target

KNOBS = {"latency_ms": 50, "quotas": "aws"}
BOUND = Bound(
    15.0,
    "things/s",
    "each thing needs one CreateCertificateFromCsr, CreateThing, AttachThingPrincipal and AttachPolicy; "
    "AWS IoT allows CreateCertificateFromCsr and AttachPolicy 15 requests/s per account and region "
    "(CreateThing and AttachThingPrincipal 100/s)",
)
BASELINES = Path(__file__).resolve().parent.parent / "baselines"
IOTFORGE = "iotforge add-things"
AWS_CLI = "AWS CLI, sequential shell loop (seed)"
BOTO3 = "boto3, one client, sequential (Arm script)"


def run(ctx: Context) -> list[ScenarioResult]:
    sizes = ctx.sizes
    result = ScenarioResult("provisioning", "Provisioning, realistic (50 ms latency, AWS quotas)", BOUND, KNOBS)
    rates: dict[str, list[float]] = {IOTFORGE: [], AWS_CLI: [], BOTO3: []}
    cpu: dict[str, list[float]] = {IOTFORGE: [], AWS_CLI: [], BOTO3: []}
    with EmulatorProcess(KNOBS, ctx.work / "logs" / "emulator-provisioning.log") as emulator:
        for round_number in range(1, ctx.runs + 1):
            ctx.log(f"provisioning round {round_number}/{ctx.runs}: iotforge, {sizes.provisioning_things} things")
            folder = ctx.fresh_dir("provisioning-iotforge")
            project = iotforge_cli.create_project(ctx, emulator, folder)  # reads only; setup, not measured
            emulator.reset(ctx.settle)
            measured = iotforge_cli.add_things(
                ctx, emulator, project, sizes.provisioning_things, folder / "logs" / "add-things"
            )
            rates[IOTFORGE].append(sizes.provisioning_things / measured.wall)
            cpu[IOTFORGE].append(measured.cpu)
            ctx.log(f"  {rates[IOTFORGE][-1]:.2f} things/s ({measured.wall:.1f} s, {measured.cpu:.1f} CPU s)")

            if ctx.tools.aws_cli is not None:
                ctx.log(f"provisioning round {round_number}/{ctx.runs}: AWS CLI loop, {sizes.aws_cli_things} things")
                wall, seconds = _aws_cli_loop(ctx, emulator, sizes.aws_cli_things)
                rates[AWS_CLI].append(sizes.aws_cli_things / wall)
                cpu[AWS_CLI].append(seconds)
                ctx.log(f"  {rates[AWS_CLI][-1]:.3f} things/s ({wall:.1f} s)")

            ctx.log(f"provisioning round {round_number}/{ctx.runs}: boto3 loop, {sizes.boto3_things} things")
            wall, seconds = _boto3_loop(ctx, emulator, sizes.boto3_things)
            rates[BOTO3].append(sizes.boto3_things / wall)
            cpu[BOTO3].append(seconds)
            ctx.log(f"  {rates[BOTO3][-1]:.2f} things/s ({wall:.1f} s)")

    sizes_of = {IOTFORGE: sizes.provisioning_things, AWS_CLI: sizes.aws_cli_things, BOTO3: sizes.boto3_things}
    for tool in (IOTFORGE, AWS_CLI, BOTO3):
        if not rates[tool]:
            continue
        result.measurements.append(
            Measurement(
                tool=tool,
                metric="throughput",
                unit="things/s",
                size=sizes_of[tool],
                samples=rates[tool],
                bound=BOUND,
                target=Target(0.90, "at_least", "ratio_to_bound") if tool == IOTFORGE else None,
                throughput=True,
                details={"cpu_seconds_per_thing": [seconds / sizes_of[tool] for seconds in cpu[tool]]},
            )
        )
    if rates[AWS_CLI]:
        result.comparisons.append(_ratio("iotforge vs AWS CLI loop", IOTFORGE, AWS_CLI, rates, Target(20, "at_least")))
    else:
        result.skipped.append(Skip(AWS_CLI, ctx.tools.aws_cli_missing or "the AWS CLI is not available"))
    result.comparisons.append(_ratio("iotforge vs boto3 loop", IOTFORGE, BOTO3, rates, None))
    result.notes.append(
        "Each tool starts on a reset emulator (POST /_iotforge/reset, then a pause so quota buckets refill); "
        "a round runs iotforge, then the AWS CLI loop, then the boto3 loop, so ratios pair runs made back to back."
    )
    result.notes.append(
        "Throughput is things / wall time of the whole command, start-up included; the policy already exists "
        "for the baselines (created in setup), iotforge creates it in its measured run."
    )
    result.notes.append(
        "The baselines call CreateKeysAndCertificate (AWS makes the key, as the seed and Arm's script do); "
        "iotforge makes each key locally and calls CreateCertificateFromCsr."
    )
    return [result]


def _ratio(
    name: str, numerator: str, denominator: str, rates: dict[str, list[float]], target: Target | None
) -> Comparison:
    pairs = zip(rates[numerator], rates[denominator], strict=True)
    return Comparison(name, numerator, denominator, [fast / slow for fast, slow in pairs], target)


def _aws_cli_loop(ctx: Context, emulator: EmulatorProcess, count: int) -> tuple[float, float]:
    assert ctx.tools.aws_cli is not None
    emulator.reset(ctx.settle)
    iotforge_cli.create_policy(emulator)
    folder = ctx.fresh_dir("provisioning-aws-cli")
    env = {**emulator.environment(ctx.work / "home"), "AWS_CLI": ctx.tools.aws_cli[0], "AWS_PAGER": ""}
    run = run_checked(
        ["bash", str(BASELINES / "aws_cli_loop.sh"), str(count), "cli", iotforge_cli.POLICY, str(folder / "things")],
        env=env,
        cwd=folder,
        logs=folder / "logs" / "aws-cli-loop",
        timeout=120 + count * 30,
        what="the AWS CLI loop",
    )
    _check_count(emulator, count, "the AWS CLI loop")
    return run.wall, run.cpu


def _boto3_loop(ctx: Context, emulator: EmulatorProcess, count: int) -> tuple[float, float]:
    emulator.reset(ctx.settle)
    iotforge_cli.create_policy(emulator)
    folder = ctx.fresh_dir("provisioning-boto3")
    run = run_checked(
        [
            sys.executable,
            str(BASELINES / "boto3_sequential.py"),
            str(count),
            "arm",
            iotforge_cli.POLICY,
            str(folder / "things"),
        ],
        env=emulator.environment(ctx.work / "home"),
        cwd=folder,
        logs=folder / "logs" / "boto3-loop",
        timeout=120 + count * 10,
        what="the boto3 loop",
    )
    _check_count(emulator, count, "the boto3 loop")
    return run.wall, run.cpu


def _check_count(emulator: EmulatorProcess, count: int, what: str) -> None:
    found = iotforge_cli.count_things(emulator)
    if found != count:
        raise BenchmarkError(f"{what} left {found} things, not {count}")
