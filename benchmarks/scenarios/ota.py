"""Scenario 7: a signed OTA update to a fleet, rolled out at maximumPerMinute, until every device succeeded.

Two ways in each round: iotforge as users run it (`iotforge ota create`, then `iotforge device
simulate` with one simulated device per thing), and devices driven directly with boto3's
`iot-jobs-data` client against a plain CreateJob: the emulator's rollout with no simulator around it.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks import iotforge_cli
from benchmarks.context import Context
from benchmarks.emulator import EmulatorProcess
from benchmarks.measure import BenchmarkError, Child, run_checked
from benchmarks.model import Bound, Comparison, Measurement, ScenarioResult

KNOBS = {"latency_ms": 50, "quotas": "aws"}
SETUP_KNOBS: dict[str, Any] = {}
GROUP = "bench-fleet"
BUCKET = "iotforge-bench-ota"
ROLE = "iotforge-bench-ota-role"
FIRMWARE_BYTES = 64 * 1024
SETUP_THREADS = 16
DEVICE_THREADS = 64
# A directly driven device not yet notified asks again after this long.
DEVICE_POLL_SECONDS = 1.0
JOB_POLL_SECONDS = 0.2  # DescribeJob, while the simulator runs (AWS allows 10/s)
# After the job shows all succeeded, the simulator should see every device idle and exit by itself.
SIMULATOR_GRACE_SECONDS = 15.0
IOTFORGE = "iotforge ota create + device simulate"
DIRECT = "boto3 CreateJob + iot-jobs-data devices (emulator floor)"


def bound_for(rate_per_minute: int) -> Bound:
    return Bound(
        rate_per_minute / 60,
        "devices/s",
        f"rollout maximumPerMinute {rate_per_minute}: at most that many devices are notified per minute, "
        "so a steady rollout reaches maximumPerMinute / 60 devices per second",
    )


def run(ctx: Context) -> list[ScenarioResult]:
    count, rate = ctx.sizes.ota_devices, ctx.sizes.ota_rate_per_minute
    bound = bound_for(rate)
    result = ScenarioResult("ota", f"OTA to {count:,} devices, rollout maximumPerMinute {rate}", bound, KNOBS)
    rates: dict[str, list[float]] = {IOTFORGE: [], DIRECT: []}
    phases: dict[str, list[float]] = {"create": [], "devices": []}
    stragglers: list[int] = []
    with EmulatorProcess(KNOBS, ctx.work / "logs" / "emulator-ota.log") as emulator:
        ctx.log(f"ota setup: {count} things in thing group {GROUP}, code-signing key, signed firmware")
        emulator.reset(0, SETUP_KNOBS)
        folder = ctx.fresh_dir("ota")
        project = iotforge_cli.create_project(ctx, emulator, folder)
        iotforge_cli.add_things(ctx, emulator, project, count, folder / "logs" / "add-things")
        group_arn = _group(emulator, count)
        firmware, certificate = _signed_firmware(ctx, emulator, folder, project)
        for round_number in range(1, ctx.runs + 1):
            ctx.log(f"ota round {round_number}/{ctx.runs}: {count} devices")
            emulator.set_knobs(KNOBS)
            ctx.pause()
            create, devices = _with_iotforge(
                ctx, emulator, folder, project, firmware, certificate, round_number, stragglers
            )
            phases["create"].append(create)
            phases["devices"].append(devices)
            rates[IOTFORGE].append(count / (create + devices))
            ctx.log(f"  iotforge: all succeeded after {create + devices:.1f} s")
            emulator.set_knobs(KNOBS)
            ctx.pause()
            seconds = _direct(emulator, f"bench-direct-{round_number}", group_arn, count, rate)
            rates[DIRECT].append(count / seconds)
            ctx.log(f"  direct: all succeeded after {seconds:.1f} s")
    totals = [create + devices for create, devices in zip(phases["create"], phases["devices"], strict=True)]
    result.measurements += [
        Measurement(IOTFORGE, "throughput", "devices/s", count, rates[IOTFORGE], None, bound, True),
        Measurement(f"{IOTFORGE}: time to all succeeded", "wall_seconds", "s", count, totals),
        Measurement("of which `iotforge ota create` (to CREATE_COMPLETE)", "wall_seconds", "s", None, phases["create"]),
        Measurement(
            "of which `iotforge device simulate` (to all SUCCEEDED)", "wall_seconds", "s", count, phases["devices"]
        ),
        Measurement(DIRECT, "throughput", "devices/s", count, rates[DIRECT], None, bound, True),
    ]
    pairs = zip(rates[IOTFORGE], rates[DIRECT], strict=True)
    result.comparisons.append(
        Comparison("iotforge OTA vs the emulator floor", IOTFORGE, DIRECT, [ours / floor for ours, floor in pairs])
    )
    result.notes += [
        f"Setup, not timed: {count:,} things from `iotforge add-things` in one thing group, a code-signing key "
        f"(`iotforge ota keygen`), a {FIRMWARE_BYTES // 1024} KiB image signed with `iotforge ota sign`.",
        "iotforge: `iotforge ota create --thing-group ... --max-per-minute ... --protocol HTTP --create-bucket "
        "--create-role --cert ...` (upload, role, OTA update, waits for CREATE_COMPLETE), then `iotforge device "
        "simulate` (one device per thing: takes the job, downloads the image from its presigned URL, checks size, "
        "SHA-256 and signature, reports SUCCEEDED); timed from the first command's start until DescribeJob "
        f"(polled every {JOB_POLL_SECONDS:g} s) shows every execution SUCCEEDED.",
        f"Emulator floor: CreateJob with the same rollout, devices driven straight with boto3 ({DEVICE_THREADS} "
        f"threads; StartNextPendingJobExecution, then UpdateJobExecution SUCCEEDED; no download); timed from "
        "CreateJob to the last SUCCEEDED. DescribeJob confirms every execution succeeded, for both.",
        "AWS may notify a whole minute's allowance at once, and the emulator does: a fleet no larger than "
        "maximumPerMinute can finish faster than the steady rate, so a ratio above 1 means the rollout did not "
        "limit this fleet.",
    ]
    if stragglers:
        result.notes.append(
            f"`iotforge device simulate` did not exit by itself within {SIMULATOR_GRACE_SECONDS:g} s of the job "
            f"completing in round(s) {', '.join(map(str, stragglers))}; the benchmark stopped it (SIGTERM). The "
            "time to all succeeded does not depend on it."
        )
    return [result]


def _group(emulator: EmulatorProcess, count: int) -> str:
    iot = emulator.client("iot")
    group_arn = str(iot.create_thing_group(thingGroupName=GROUP)["thingGroupArn"])

    def add(index: int) -> None:
        iot.add_thing_to_thing_group(thingGroupName=GROUP, thingName=f"{iotforge_cli.BASE_NAME}_{index}")

    _in_pool(add, range(count), SETUP_THREADS)
    return group_arn


def _signed_firmware(ctx: Context, emulator: EmulatorProcess, folder: Path, project: Path) -> tuple[Path, Path]:
    keys = project / ".iotforge" / "code-signing"  # where `iotforge device simulate` looks for the certificate
    firmware = folder / "firmware-v2.bin"
    firmware.write_bytes(os.urandom(FIRMWARE_BYTES))
    for what, arguments in (
        ("iotforge ota keygen", ["ota", "keygen", "--out", str(keys)]),
        ("iotforge ota sign", ["ota", "sign", str(firmware), "--key", str(keys / "ota-signer.key")]),
    ):
        run_checked(
            [*ctx.tools.iotforge, *arguments],
            env=emulator.environment(ctx.work / "home"),
            cwd=folder,
            logs=folder / "logs" / what.split()[-1],
            timeout=120,
            what=what,
        )
    return firmware, keys / "ota-signer.crt"


def _with_iotforge(
    ctx: Context,
    emulator: EmulatorProcess,
    folder: Path,
    project: Path,
    firmware: Path,
    certificate: Path,
    round_number: int,
    stragglers: list[int],
) -> tuple[float, float]:
    update_id = f"bench-{round_number}"
    env = emulator.environment(ctx.work / "home")
    count, rate = ctx.sizes.ota_devices, ctx.sizes.ota_rate_per_minute
    create = run_checked(
        [
            *ctx.tools.iotforge,
            "ota",
            "create",
            str(firmware),
            "--update-id",
            update_id,
            "--bucket",
            BUCKET,
            "--create-bucket",
            "--role",
            ROLE,
            "--create-role",
            "--thing-group",
            GROUP,
            "--cert",
            str(certificate),
            "--protocol",
            "HTTP",
            "--max-per-minute",
            str(rate),
            "--output",
            "json",
        ],
        env=env,
        cwd=folder,
        logs=folder / "logs" / f"ota-create-{round_number}",
        timeout=600,
        what="iotforge ota create",
    )
    simulate = Child(
        [*ctx.tools.iotforge, "device", "simulate", str(project), "--output", "json"],
        env=env,
        cwd=folder,
        logs=folder / "logs" / f"device-simulate-{round_number}",
        timeout=600 + count,
    )
    job_id = f"AFR_OTA-{update_id}"
    try:
        devices_seconds = _until_succeeded(emulator, job_id, count, simulate)
    finally:
        stopped_by_itself = _stop(simulate)
    if not stopped_by_itself:
        stragglers.append(round_number)
    return create.wall, devices_seconds


def _until_succeeded(emulator: EmulatorProcess, job_id: str, count: int, simulate: Child) -> float:
    """Seconds from the simulator's start until DescribeJob shows every execution SUCCEEDED."""
    iot = emulator.client("iot")
    while True:
        details = iot.describe_job(jobId=job_id)["job"].get("jobProcessDetails", {})
        if details.get("numberOfSucceededThings") == count:
            return time.perf_counter() - simulate.started
        if simulate.exited():
            run = simulate.wait()
            raise BenchmarkError(
                f"iotforge device simulate exited ({run.returncode}) with {details.get('numberOfSucceededThings')} "
                f"of {count} succeeded:\n{run.error_tail()}"
            )
        time.sleep(JOB_POLL_SECONDS)


def _stop(simulate: Child) -> bool:
    """Let the simulator notice the fleet is idle and exit; True when it did, within the grace period."""
    deadline = time.perf_counter() + SIMULATOR_GRACE_SECONDS
    while time.perf_counter() < deadline:
        if simulate.exited():
            simulate.wait()
            return True
        time.sleep(0.1)
    simulate.signal(signal.SIGTERM)
    simulate.wait()
    return False


def _direct(emulator: EmulatorProcess, job_id: str, group_arn: str, count: int, rate: int) -> float:
    iot, jobs = emulator.client("iot"), emulator.client("iot-jobs-data")
    finished: list[float] = []
    lock = threading.Lock()

    def device(index: int) -> None:
        name = f"{iotforge_cli.BASE_NAME}_{index}"
        while True:
            execution = jobs.start_next_pending_job_execution(thingName=name).get("execution")
            if execution:
                break
            time.sleep(DEVICE_POLL_SECONDS)
        jobs.update_job_execution(
            thingName=name,
            jobId=execution["jobId"],
            status="SUCCEEDED",
            expectedVersion=execution["versionNumber"],
        )
        with lock:
            finished.append(time.perf_counter())

    document = {"operation": "firmware-update", "version": "2.0.0"}
    started = time.perf_counter()
    iot.create_job(
        jobId=job_id,
        targets=[group_arn],
        document=json.dumps(document),
        jobExecutionsRolloutConfig={"maximumPerMinute": rate},
    )
    _in_pool(device, range(count), DEVICE_THREADS)
    seconds = max(finished) - started
    _check_succeeded(emulator, job_id, count)
    return seconds


def _check_succeeded(emulator: EmulatorProcess, job_id: str, count: int) -> None:
    details = emulator.client("iot").describe_job(jobId=job_id)["job"].get("jobProcessDetails", {})
    if details.get("numberOfSucceededThings") != count:
        raise BenchmarkError(f"job {job_id}: {details.get('numberOfSucceededThings')} of {count} succeeded")


def _in_pool(work: Callable[[int], None], items: range, threads: int) -> None:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(work, item) for item in items]:
            future.result()
