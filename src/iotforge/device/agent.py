"""One simulated device: a cooperative loop that takes its jobs one at a time and reports on them.

`step()` runs one short phase and returns the seconds until the next one, so a bounded pool of
workers can drive a thousand devices (fleet.py) without a thread each:

  poll       GetPendingJobExecutions; StartNextPendingJobExecution; read the job document
  download   report IN_PROGRESS (step=download), GET each presigned URL
  verify     report IN_PROGRESS (step=verify), check size, hashes and signature,
             then report SUCCEEDED, or FAILED with the reason in statusDetails
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from iotforge.device.document import DocumentError, JobPlan, plan_job
from iotforge.device.firmware import DownloadFailed, Fetch, check_image, download_image
from iotforge.device.models import (
    CANCELED,
    DOWNLOADING,
    FAILED,
    OFFLINE,
    SUCCEEDED,
    VERIFYING,
    WAITING,
    DeviceIdentity,
    DeviceOutcome,
    JobExecution,
    JobOutcome,
    JobStatus,
    SimulationOptions,
)
from iotforge.device.transport import JobsTransport, TransportError

# AWS caps each statusDetails value; keep reasons well under it.
_MAX_DETAIL = 1000
ON_PURPOSE = "simulated failure: this device fails on purpose (--fail-rate)"
_STATE_AFTER: dict[JobStatus, str] = {"SUCCEEDED": SUCCEEDED, "FAILED": FAILED, "CANCELED": CANCELED}


@dataclass
class _CurrentJob:
    execution: JobExecution
    plan: JobPlan
    images: list[bytes] | None = None
    bytes_downloaded: int = 0


@dataclass
class DeviceAgent:
    identity: DeviceIdentity
    transport: JobsTransport
    options: SimulationOptions
    fails_on_purpose: bool = False
    fetch: Fetch = download_image
    state: str = WAITING
    idle: bool = False  # the last poll found no pending job
    offline: bool = False  # gave up after too many transport failures in a row
    error: str | None = None
    outcomes: list[JobOutcome] = field(default_factory=list)
    _job: _CurrentJob | None = None
    _errors: int = 0
    _idle_delay: float = 0.0

    def step(self) -> float:
        """Run the next phase; the seconds to wait before the next step."""
        try:
            if self._job is None:
                delay = self._poll()
            elif self._job.images is None:
                delay = self._download(self._job)
            else:
                delay = self._verify(self._job)
        except TransportError as failure:
            return self._transport_failed(failure)
        self._errors = 0
        return delay

    def outcome(self) -> DeviceOutcome:
        return DeviceOutcome(
            self.identity.thing_name, self.state, tuple(self.outcomes), self.fails_on_purpose, self.error
        )

    # phases ---------------------------------------------------------------------------------------

    def _poll(self) -> float:
        execution = self.transport.start_next({"step": "accepted"}) if self.transport.get_pending().any else None
        if execution is None:
            return self._went_idle()
        self.idle, self._idle_delay = False, 0.0
        try:
            plan = plan_job(execution.document)
        except DocumentError as problem:
            return self._finish(_CurrentJob(execution, JobPlan("unreadable")), "FAILED", f"bad job document: {problem}")
        job = _CurrentJob(execution, plan)
        if not plan.files:
            return self._finish(job, "FAILED", ON_PURPOSE) if self.fails_on_purpose else self._finish(job, "SUCCEEDED")
        self._job, self.state = job, DOWNLOADING
        return 0.0

    def _download(self, job: _CurrentJob) -> float:
        total = sum(file.size or 0 for file in job.plan.files)
        self._report(job, "IN_PROGRESS", {"step": "download", "progress": "0%", "bytes": f"0/{total}"})
        images = []
        for file in job.plan.files:
            if file.url is None:
                return self._finish(job, "FAILED", f"{file.name}: the job offers no HTTP download (MQTT streaming)")
            try:
                images.append(self.fetch(file.url, self.options.max_image_bytes, self.options.download_timeout))
            except DownloadFailed as failure:
                return self._finish(job, "FAILED", f"{file.name}: {failure.reason}")
            job.bytes_downloaded += len(images[-1])
        job.images, self.state = images, VERIFYING
        return 0.0

    def _verify(self, job: _CurrentJob) -> float:
        done = f"{job.bytes_downloaded}/{sum(file.size or 0 for file in job.plan.files) or job.bytes_downloaded}"
        self._report(job, "IN_PROGRESS", {"step": "verify", "progress": "100%", "bytes": done})
        for file, image in zip(job.plan.files, job.images or [], strict=True):
            reason = check_image(file, image, self.options.code_signing_certificate, self.options.reject_unsigned)
            if reason is not None:
                return self._finish(job, "FAILED", f"{file.name}: {reason}")
        if self.fails_on_purpose:
            return self._finish(job, "FAILED", ON_PURPOSE)
        return self._finish(job, "SUCCEEDED")

    # helpers --------------------------------------------------------------------------------------

    def _report(self, job: _CurrentJob, status: str, details: Mapping[str, str]) -> None:
        try:
            self.transport.update(job.execution.job_id, status, details)
        except TransportError as failure:
            if failure.execution_gone:
                raise _ExecutionGone(failure) from failure
            raise

    def _finish(self, job: _CurrentJob, status: JobStatus, reason: str | None = None) -> float:
        details = {"step": "done"} if reason is None else {"step": "failed", "reason": reason[:_MAX_DETAIL]}
        try:
            self._report(job, status, details)
        except _ExecutionGone as gone:
            return self._record(job, "CANCELED", f"the execution ended elsewhere: {gone.failure}")
        return self._record(job, status, reason)

    def _record(self, job: _CurrentJob, status: JobStatus, reason: str | None) -> float:
        self.outcomes.append(JobOutcome(job.execution.job_id, status, job.plan.kind, reason, job.bytes_downloaded))
        self._job = None
        self.state = _STATE_AFTER[status]
        return 0.0  # look for the next job at once

    def _went_idle(self) -> float:
        self.idle = True
        delay = self._idle_delay or self.options.poll_interval
        self._idle_delay = min(delay * 2, self.options.max_poll_interval)
        return delay

    def _transport_failed(self, failure: TransportError) -> float:
        if isinstance(failure, _ExecutionGone) and self._job is not None:
            return self._record(self._job, "CANCELED", f"the execution ended elsewhere: {failure.failure}")
        self._errors += 1
        if self._errors >= self.options.max_consecutive_errors:
            self.offline, self.idle, self.state = True, True, OFFLINE
            self.error = f"{self._errors} Jobs calls failed in a row; last: {failure}"
            return 0.0
        return float(min(self.options.poll_interval * 2**self._errors, self.options.max_poll_interval * 4))


class _ExecutionGone(TransportError):
    """An update was refused because the execution is over (job canceled, timed out, removed)."""

    def __init__(self, failure: TransportError) -> None:
        super().__init__(failure.code, failure.message)
        self.failure = failure
