"""Scenario 7: an update job to a fleet of devices, rolled out at maximumPerMinute, until all succeeded.

The devices are driven here with boto3's `iot-jobs-data` client (StartNextPendingJobExecution, then
UpdateJobExecution SUCCEEDED), so this measures the emulator's rollout and Jobs data plane, not the
device simulator or `iotforge ota`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.context import Context
from benchmarks.emulator import EmulatorProcess
from benchmarks.measure import BenchmarkError
from benchmarks.model import Bound, Measurement, ScenarioResult

KNOBS = {"latency_ms": 50, "quotas": "aws"}
SETUP_KNOBS: dict[str, Any] = {}
GROUP = "bench-fleet"
DEVICE_THREADS = 64
SETUP_THREADS = 16
# A device not yet notified asks again after this long (a real one would wait for the MQTT notification).
DEVICE_POLL_SECONDS = 1.0
TOOL = "boto3 iot-jobs-data devices (emulator rollout)"


def bound_for(rate_per_minute: int) -> Bound:
    return Bound(
        rate_per_minute / 60,
        "devices/s",
        f"jobExecutionsRolloutConfig.maximumPerMinute {rate_per_minute}: at most that many devices are notified "
        "per minute, so a steady rollout reaches maximumPerMinute / 60 devices per second",
    )


def run(ctx: Context) -> list[ScenarioResult]:
    count, rate = ctx.sizes.ota_devices, ctx.sizes.ota_rate_per_minute
    bound = bound_for(rate)
    result = ScenarioResult("ota", f"OTA job to {count:,} devices, maximumPerMinute {rate}", bound, KNOBS)
    rates: list[float] = []
    walls: list[float] = []
    with EmulatorProcess(KNOBS, ctx.work / "logs" / "emulator-ota.log") as emulator:
        for round_number in range(1, ctx.runs + 1):
            ctx.log(f"ota round {round_number}/{ctx.runs}: {count} devices")
            emulator.reset(0, SETUP_KNOBS)
            group_arn = _make_fleet(emulator, count)
            emulator.set_knobs(KNOBS)
            ctx.pause()
            seconds = _roll_out(emulator, f"bench-ota-{round_number}", group_arn, count, rate)
            walls.append(seconds)
            rates.append(count / seconds)
            ctx.log(f"  all succeeded after {seconds:.1f} s ({rates[-1]:.1f} devices/s)")
    result.measurements += [
        Measurement(TOOL, "throughput", "devices/s", count, rates, None, bound, True),
        Measurement(f"{TOOL}: time to all succeeded", "wall_seconds", "s", count, walls),
    ]
    result.notes += [
        "Measures the emulator's rollout and Jobs data plane with devices driven directly by boto3 "
        f"({DEVICE_THREADS} threads; a device not yet notified asks again after {DEVICE_POLL_SECONDS:g} s), "
        "not the device simulator nor `iotforge ota` (not available when this scenario was written).",
        "Timed from CreateJob (thing-group target, rollout maximumPerMinute) to the last device's "
        "UpdateJobExecution SUCCEEDED; DescribeJob then confirms every execution succeeded.",
        "AWS may notify a whole minute's allowance at once, and the emulator does: a fleet no larger than "
        "maximumPerMinute can finish faster than the steady rate, so a ratio above 1 means the rollout did not "
        "limit this fleet.",
    ]
    return [result]


def _make_fleet(emulator: EmulatorProcess, count: int) -> str:
    """Things in one thing group (setup, no latency or quotas, not timed)."""
    iot = emulator.client("iot")
    group_arn = str(iot.create_thing_group(thingGroupName=GROUP)["thingGroupArn"])

    def make(index: int) -> None:
        name = f"device_{index}"
        iot.create_thing(thingName=name)
        iot.add_thing_to_thing_group(thingGroupName=GROUP, thingName=name)

    _in_pool(make, range(count), SETUP_THREADS)
    return group_arn


def _roll_out(emulator: EmulatorProcess, job_id: str, group_arn: str, count: int, rate: int) -> float:
    iot, jobs = emulator.client("iot"), emulator.client("iot-jobs-data")
    finished: list[float] = []
    lock = threading.Lock()

    def device(index: int) -> None:
        name = f"device_{index}"
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
            statusDetails={"firmware": "2.0.0"},
        )
        with lock:
            finished.append(time.perf_counter())

    document = {"operation": "ota", "firmware": {"version": "2.0.0", "url": "https://example.invalid/fw.bin"}}
    started = time.perf_counter()
    iot.create_job(
        jobId=job_id,
        targets=[group_arn],
        document=json.dumps(document),
        jobExecutionsRolloutConfig={"maximumPerMinute": rate},
    )
    _in_pool(device, range(count), DEVICE_THREADS)
    seconds = max(finished) - started
    details = iot.describe_job(jobId=job_id)["job"].get("jobProcessDetails", {})
    if details.get("numberOfSucceededThings") != count:
        raise BenchmarkError(f"OTA job {job_id}: {details.get('numberOfSucceededThings')} of {count} succeeded")
    return seconds


def _in_pool(work: Callable[[int], None], items: range, threads: int) -> None:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(work, item) for item in items]:
            future.result()
