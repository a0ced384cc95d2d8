"""The simulated fleet over an in-memory Jobs service: a bounded pool, deterministic failures, stopping."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest

from iotforge.device import DeviceIdentity, FleetSnapshot, JobExecution, PendingJobs, SimulationOptions, simulate_fleet
from iotforge.device.agent import ON_PURPOSE
from iotforge.device.firmware import DownloadFailed
from iotforge.device.transport import TransportError
from iotforge.errors import BadInputError
from tests.support.fake_jobs import FakeHttpTransport, FakeJobsService

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


class PollRelay:
    """Polls that each return only once a later poll has started (or half a second passed).

    So while the fleet keeps starting steps, some step is always in flight, as with a large fleet on a
    busy pool; only a scheduler that stops starting steps once every device is idle sees that moment.
    """

    def __init__(self, service: FakeJobsService) -> None:
        self.service = service
        self.started = 0
        self.condition = threading.Condition()

    def transport(self, identity: DeviceIdentity) -> FakeHttpTransport:
        return RelayedPolls(self, identity.thing_name)


class RelayedPolls(FakeHttpTransport):
    def __init__(self, relay: PollRelay, thing: str) -> None:
        super().__init__(relay.service, thing)
        self.relay = relay

    def get_pending(self) -> PendingJobs:
        relay = self.relay
        with relay.condition:
            relay.started += 1
            mine = relay.started
            relay.condition.notify_all()
            relay.condition.wait_for(lambda: relay.started > mine, timeout=0.5)
        return super().get_pending()


def test_a_fleet_larger_than_its_pool_stops_by_itself_once_every_device_is_idle() -> None:
    service = FakeJobsService()
    devices = _devices(200)
    service.add_job("reboot", [d.thing_name for d in devices], {"operation": "reboot"})
    options = SimulationOptions(workers=4, poll_interval=0.01, max_poll_interval=0.02)
    stop = threading.Event()
    watchdog = threading.Timer(120, stop.set)  # a regression fails as "interrupted" instead of hanging
    watchdog.start()
    try:
        report = simulate_fleet(devices, PollRelay(service).transport, options, stop=stop)
    finally:
        watchdog.cancel()

    assert report.stopped == "idle"
    assert report.jobs == {"SUCCEEDED": 200, "FAILED": 0, "CANCELED": 0}
    assert report.states["succeeded"] == 200
    assert len(service.threads) <= 4


def _device_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("iotforge-device")]


def test_a_keyboard_interrupt_in_the_scheduler_ends_the_run_with_a_report() -> None:
    service = FakeJobsService()
    devices = _devices(50)
    service.add_job("reboot", [d.thing_name for d in devices], {"operation": "reboot"})

    class InterruptedView(Recorder):
        def update(self, snapshot: FleetSnapshot) -> None:
            raise KeyboardInterrupt  # Ctrl-C while the view redraws, in the scheduler's thread

    view = InterruptedView()
    transports: list[FakeHttpTransport] = []

    def connect(identity: DeviceIdentity) -> FakeHttpTransport:
        transports.append(service.http(identity))
        return transports[-1]

    report = simulate_fleet(devices, connect, SimulationOptions(duration=60, poll_interval=0.01), view)

    assert report.stopped == "interrupted"
    assert len(report.devices) == 50
    assert view.finished == 1
    assert all(transport.closed for transport in transports)
    assert _device_threads() == []  # the steps that were running finished before the report


def test_a_keyboard_interrupt_inside_a_step_ends_the_run_with_a_report() -> None:
    service = FakeJobsService()
    devices = _devices(10)
    service.add_job("reboot", [d.thing_name for d in devices], {"operation": "reboot"})

    def interrupt(calls: int) -> None:
        if calls == 5:
            raise KeyboardInterrupt

    service.on_call = interrupt

    report = simulate_fleet(devices, service.http, FAST)

    assert report.stopped == "interrupted"
    assert _device_threads() == []


def test_the_stop_event_starts_no_step_after_it_is_set() -> None:
    service = FakeJobsService()
    devices = _devices(10)
    stop = threading.Event()
    service.on_call = lambda calls: stop.set()  # the first Jobs call asks the fleet to stop
    options = SimulationOptions(workers=1, poll_interval=0.01)

    report = simulate_fleet(devices, service.http, options, stop=stop)

    assert report.stopped == "interrupted"
    assert service.calls == 1  # one worker: the step that was running finished, and no other started
    assert [d.state for d in report.devices] == ["waiting"] * 10


class Broken(FakeHttpTransport):
    def get_pending(self) -> PendingJobs:
        raise ZeroDivisionError("a bug in a step")


def test_a_bug_in_a_step_ends_the_run_with_its_traceback() -> None:
    service = FakeJobsService()

    with pytest.raises(ZeroDivisionError, match="a bug in a step") as raised:
        simulate_fleet(_devices(40), lambda identity: Broken(service, identity.thing_name), FAST)

    assert any(entry.name == "get_pending" for entry in raised.traceback)  # the worker's frames, not only ours
    assert _device_threads() == []


@pytest.mark.parametrize(
    "options",
    [SimulationOptions(fail_rate=1.5), SimulationOptions(duration=0), SimulationOptions(workers=0)],
)
def test_impossible_options_are_bad_input(options: SimulationOptions) -> None:
    with pytest.raises(BadInputError):
        simulate_fleet(_devices(1), FakeJobsService().http, options)
