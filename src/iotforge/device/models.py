"""What the device simulator works with and reports: identities, options, outcomes, the fleet report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

# A device's state in the fleet view: what it is doing, else how its last job ended.
WAITING, DOWNLOADING, VERIFYING = "waiting", "downloading", "verifying"
SUCCEEDED, FAILED, CANCELED, OFFLINE = "succeeded", "failed", "canceled", "offline"
DEVICE_STATES = (WAITING, DOWNLOADING, VERIFYING, SUCCEEDED, FAILED, CANCELED, OFFLINE)

# How a job ended for one device; CANCELED: the execution ended elsewhere (job canceled, timed out, removed).
JobStatus = Literal["SUCCEEDED", "FAILED", "CANCELED"]
JOB_STATUSES: tuple[JobStatus, ...] = ("SUCCEEDED", "FAILED", "CANCELED")
# Why a run ended: no device had a pending job; --duration passed; Ctrl-C, SIGTERM or the caller's stop event.
StopReason = Literal["idle", "duration", "interrupted"]


@dataclass(frozen=True)
class DeviceIdentity:
    """One thing as its device knows itself: name, MQTT client id, endpoint, certificate and key files."""

    thing_name: str
    certificate_path: Path
    key_path: Path
    client_id: str | None = None  # default: the thing name
    endpoint: str | None = None  # the iot:Data-ATS endpoint from thing.conf.json

    @property
    def mqtt_client_id(self) -> str:
        return self.client_id or self.thing_name


@dataclass(frozen=True)
class SimulationOptions:
    """One run of the simulated fleet (the options of `iotforge device simulate`)."""

    code_signing_certificate: bytes | None = field(default=None, repr=False)  # PEM; None: signatures unchecked
    reject_unsigned: bool = False
    fail_rate: float = 0.0  # fraction of devices that fail every job on purpose
    seed: int | None = None  # makes the choice of failing devices repeatable
    duration: float | None = None  # seconds to run; None: until no device has a pending job
    poll_interval: float = 0.5  # seconds between polls, doubling while idle up to max_poll_interval
    max_poll_interval: float = 2.0
    workers: int = 32  # device steps running at once: the fleet shares this bounded pool
    download_timeout: float = 30.0
    max_image_bytes: int = 64 * 1024 * 1024
    max_consecutive_errors: int = 5  # transport failures in a row before a device goes offline


@dataclass(frozen=True)
class PendingJobs:
    in_progress: tuple[str, ...] = ()
    queued: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.in_progress or self.queued)


@dataclass(frozen=True)
class JobExecution:
    """A job execution as the device sees it, with the job document it received (presigned URLs filled in)."""

    job_id: str
    status: str
    version: int | None = None
    execution_number: int | None = None
    document: Mapping[str, Any] | None = None
    status_details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JobOutcome:
    job_id: str
    status: JobStatus
    kind: str  # afr_ota | fota | firmware | plain (see document.py)
    reason: str | None = None
    bytes_downloaded: int = 0


@dataclass(frozen=True)
class DeviceOutcome:
    thing_name: str
    state: str
    jobs: tuple[JobOutcome, ...]
    fails_on_purpose: bool = False
    error: str | None = None  # why the device went offline


@dataclass(frozen=True)
class FleetSnapshot:
    """What the live view shows: devices by state and finished jobs by status."""

    devices: int
    states: Mapping[str, int]
    jobs: Mapping[str, int]
    elapsed: float


@dataclass(frozen=True)
class FleetReport:
    devices: tuple[DeviceOutcome, ...]
    jobs: Mapping[str, int]  # finished job executions by status: SUCCEEDED, FAILED, CANCELED
    states: Mapping[str, int]  # devices by final state
    seconds: float
    stopped: StopReason

    @property
    def offline(self) -> tuple[DeviceOutcome, ...]:
        return tuple(device for device in self.devices if device.state == OFFLINE)


class FleetProgress(Protocol):
    """Receives snapshots while the fleet runs (the CLI draws a live view; the library default ignores them)."""

    def start(self, devices: int) -> None: ...

    def update(self, snapshot: FleetSnapshot) -> None: ...

    def finish(self) -> None: ...


class SilentFleetProgress:
    def start(self, devices: int) -> None:
        return None

    def update(self, snapshot: FleetSnapshot) -> None:
        return None

    def finish(self) -> None:
        return None
