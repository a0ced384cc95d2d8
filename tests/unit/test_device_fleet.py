"""The simulated fleet over an in-memory Jobs service: a bounded pool, deterministic failures, stopping."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import pytest

from iotforge.device import DeviceIdentity, FleetSnapshot, JobExecution, PendingJobs, SimulationOptions, simulate_fleet
from iotforge.device.agent import ON_PURPOSE
from iotforge.device.firmware import DownloadFailed
from iotforge.device.transport import TransportError
from iotforge.errors import BadInputError
from tests.support.fake_jobs import FakeJobsService

IMAGE = b"firmware image" * 10
FAST = SimulationOptions(poll_interval=0.01, max_poll_interval=0.02)


def _devices(count: int) -> list[DeviceIdentity]:
    return [DeviceIdentity(f"dev_{n}", Path("cert"), Path("key")) for n in range(count)]


def _fetch(url: str, limit: int, timeout: float) -> bytes:
    if url.endswith("/expired"):
        raise DownloadFailed("download failed: the presigned URL has expired (HTTP 403 AccessDenied)")
    return IMAGE


class Recorder:
    def __init__(self) -> None:
        self.snapshots: list[FleetSnapshot] = []
        self.started = self.finished = 0

    def start(self, devices: int) -> None:
        self.started = devices

    def update(self, snapshot: FleetSnapshot) -> None:
        self.snapshots.append(snapshot)

    def finish(self) -> None:
        self.finished += 1


def test_a_thousand_devices_run_on_a_bounded_pool_of_workers() -> None:
    service = FakeJobsService()
    devices = _devices(1000)
    service.add_job("reboot", [d.thing_name for d in devices], {"operation": "reboot"})
    recorder = Recorder()

    report = simulate_fleet(devices, service.http, FAST, recorder)

    assert report.jobs == {"SUCCEEDED": 1000, "FAILED": 0, "CANCELED": 0}
    assert report.stopped == "idle"
    assert len(service.threads) <= FAST.workers  # the devices share 32 threads, not one each
    assert recorder.started == 1000
    assert recorder.finished == 1
    assert {e.status for executions in service.executions.values() for e in executions} == {"SUCCEEDED"}


def test_fail_rate_fails_the_same_devices_for_the_same_seed() -> None:
    def run() -> set[str]:
        service = FakeJobsService()
        devices = _devices(10)
        service.add_job("ota", [d.thing_name for d in devices], {"url": "https://s3/fw", "size": len(IMAGE)})
        options = SimulationOptions(fail_rate=0.3, seed=42, poll_interval=0.01)
        report = simulate_fleet(devices, service.http, options, fetch=_fetch)
        failed = {d.thing_name for d in report.devices if d.jobs and d.jobs[0].status == "FAILED"}
        assert {d.thing_name for d in report.devices if d.fails_on_purpose} == failed
        for name in failed:
            assert service.execution(name, "ota").details == {"step": "failed", "reason": ON_PURPOSE}
        return failed

    first = run()
    assert len(first) == 3
    assert run() == first


def test_a_firmware_job_reports_progress_then_the_outcome() -> None:
    service = FakeJobsService()
    digest = hashlib.sha256(IMAGE).hexdigest()
    service.add_job("good", ["dev_0"], {"url": "https://s3/fw", "size": len(IMAGE), "sha256": digest})
    service.add_job("late", ["dev_0"], {"url": "https://s3/expired", "size": len(IMAGE)})

    report = simulate_fleet(_devices(1), service.http, FAST, fetch=_fetch)

    good, late = report.devices[0].jobs
    assert (good.status, good.kind, good.bytes_downloaded) == ("SUCCEEDED", "firmware", len(IMAGE))
    assert [status for status, _ in service.execution("dev_0", "good").history] == [
        "IN_PROGRESS",
        "IN_PROGRESS",
        "IN_PROGRESS",
        "SUCCEEDED",
    ]
    steps = [details.get("step") for _, details in service.execution("dev_0", "good").history]
    assert steps == ["accepted", "download", "verify", "done"]
    assert late.status == "FAILED"
    assert "expired" in str(late.reason)
    assert "expired" in service.execution("dev_0", "late").details["reason"]


def test_a_job_canceled_under_the_device_ends_as_canceled() -> None:
    service = FakeJobsService()
    service.add_job("doomed", ["dev_0"], {"url": "https://s3/fw"})

    def fetch_then_cancel(url: str, limit: int, timeout: float) -> bytes:
        service.cancel("doomed")  # the abort criteria fire while the device downloads
        return IMAGE

    report = simulate_fleet(_devices(1), service.http, FAST, fetch=fetch_then_cancel)
    (outcome,) = report.devices[0].jobs
    assert outcome.status == "CANCELED"
    assert "InvalidStateTransition" in str(outcome.reason)
    assert report.devices[0].state == "canceled"


class Unreachable:
    def get_pending(self) -> PendingJobs:
        raise TransportError("Unreachable", "connection refused")

    def start_next(self, status_details: Mapping[str, str] | None = None) -> JobExecution | None:
        raise AssertionError("not reached")

    def describe(self, job_id: str) -> JobExecution:
        raise AssertionError("not reached")

    def update(self, job_id: str, status: str, status_details: Mapping[str, str] | None = None) -> None:
        raise AssertionError("not reached")

    def close(self) -> None:
        return None


def test_a_device_that_cannot_reach_jobs_goes_offline() -> None:
    options = SimulationOptions(poll_interval=0.001, max_poll_interval=0.002, max_consecutive_errors=3)
    report = simulate_fleet(_devices(2), lambda identity: Unreachable(), options)
    assert [d.state for d in report.devices] == ["offline", "offline"]
    assert "connection refused" in str(report.offline[0].error)


def test_duration_keeps_idle_devices_polling_until_it_elapses() -> None:
    service = FakeJobsService()
    report = simulate_fleet(_devices(3), service.http, SimulationOptions(duration=0.3, poll_interval=0.05))
    assert report.stopped == "duration"
    assert service.calls > 3  # each device polled more than once
    assert report.states["waiting"] == 3


@pytest.mark.parametrize(
    "options",
    [SimulationOptions(fail_rate=1.5), SimulationOptions(duration=0), SimulationOptions(workers=0)],
)
def test_impossible_options_are_bad_input(options: SimulationOptions) -> None:
    with pytest.raises(BadInputError):
        simulate_fleet(_devices(1), FakeJobsService().http, options)
