"""The IoT Jobs model: jobs, their executions, and the transitions API calls make them go through.

Minutes in job configurations (timeouts, rollout rates) last `JobStore.seconds_per_minute` real
seconds, so tests can shrink them; jobs_progress applies the clock.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from iotforge.emulator.features.presign import PresignClients
from iotforge.emulator.wire import AwsFault

QUEUED, IN_PROGRESS = "QUEUED", "IN_PROGRESS"
SUCCEEDED, FAILED, REJECTED, TIMED_OUT, REMOVED, CANCELED = (
    "SUCCEEDED",
    "FAILED",
    "REJECTED",
    "TIMED_OUT",
    "REMOVED",
    "CANCELED",
)
TERMINAL = frozenset({SUCCEEDED, FAILED, REJECTED, TIMED_OUT, REMOVED, CANCELED})
EXECUTED = frozenset({SUCCEEDED, FAILED, REJECTED, TIMED_OUT})
FAILURES = {
    "FAILED": frozenset({FAILED}),
    "REJECTED": frozenset({REJECTED}),
    "TIMED_OUT": frozenset({TIMED_OUT}),
    "ALL": frozenset({FAILED, REJECTED, TIMED_OUT}),
}
JOB_COMPLETED, JOB_CANCELED, JOB_DELETING = "COMPLETED", "CANCELED", "DELETION_IN_PROGRESS"
SNAPSHOT, CONTINUOUS = "SNAPSHOT", "CONTINUOUS"
ABORT_REASON_CODE = "ABORT_CRITERIA_MET"
DELETION_SECONDS = 0.2  # how long a deleted job stays visible as DELETION_IN_PROGRESS
MAX_RATE_PER_MINUTE = 1000
JOB_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")


@dataclass
class Execution:
    job_id: str
    thing_name: str
    thing_arn: str
    execution_number: int
    queued_at: float
    status: str = QUEUED
    status_details: dict[str, str] = field(default_factory=dict)
    started_at: float | None = None
    last_updated_at: float = 0.0
    version: int = 1
    notified_at: float | None = None
    force_canceled: bool = False
    in_progress_deadline: float | None = None
    step_deadline: float | None = None

    def __post_init__(self) -> None:
        self.last_updated_at = self.last_updated_at or self.queued_at

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def offered(self) -> bool:
        """Whether the device has been told about it (rollout lets executions out gradually)."""
        return self.status != QUEUED or self.notified_at is not None

    def deadline(self) -> float | None:
        deadlines = [d for d in (self.in_progress_deadline, self.step_deadline) if d is not None]
        return min(deadlines) if deadlines and self.status == IN_PROGRESS else None

    def move(self, status: str, now: float) -> None:
        self.status = status
        self.last_updated_at = now
        self.version += 1


@dataclass
class Job:
    job_id: str
    arn: str
    targets: list[str]
    document: str
    target_selection: str
    config: dict[str, Any]  # the CreateJob request's optional settings, by API name
    created_at: float
    status: str = IN_PROGRESS
    force_canceled: bool = False
    reason_code: str | None = None
    comment: str | None = None
    last_updated_at: float = 0.0
    completed_at: float | None = None
    deletion_due: float | None = None
    executions: dict[str, Execution] = field(default_factory=dict)  # by thing name
    execution_numbers: dict[str, int] = field(default_factory=dict)
    notify_log: list[float] = field(default_factory=list)
    rate: float = 0.0
    rate_checkpoint: int = 0

    def __post_init__(self) -> None:
        self.last_updated_at = self.last_updated_at or self.created_at

    def counts(self) -> Counter[str]:
        return Counter(execution.status for execution in self.executions.values())

    def touch(self, now: float) -> None:
        self.last_updated_at = now


@dataclass
class JobStore:
    jobs: dict[str, Job] = field(default_factory=dict)
    seconds_per_minute: float = 60.0
    presigners: PresignClients = field(default_factory=PresignClients)

    def seconds(self, minutes: float) -> float:
        return minutes * self.seconds_per_minute

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise AwsFault(404, "ResourceNotFoundException", f"Job {job_id} does not exist")
        return job


UPDATABLE_SETTINGS = (
    "description",
    "presignedUrlConfig",
    "jobExecutionsRolloutConfig",
    "abortConfig",
    "timeoutConfig",
    "jobExecutionsRetryConfig",
)


def update_job(job: Job, changes: dict[str, Any], now: float) -> None:
    """UpdateJob: new settings apply from now on (executions already started keep their timeouts)."""
    if job.status == JOB_DELETING:
        raise AwsFault(400, "InvalidRequestException", f"Job {job.job_id} is being deleted")
    for key in UPDATABLE_SETTINGS:
        if changes.get(key) is not None:
            job.config[key] = changes[key]
    if changes.get("jobExecutionsRolloutConfig") is not None:
        job.rate, job.rate_checkpoint = initial_rate(job), 0
    job.touch(now)


def initial_rate(job: Job) -> float:
    rollout = job.config.get("jobExecutionsRolloutConfig") or {}
    exponential = rollout.get("exponentialRate")
    if exponential:
        return float(exponential.get("baseRatePerMinute") or 1)
    return float(rollout.get("maximumPerMinute") or math.inf)


def cancel_job(job: Job, reason_code: str | None, comment: str | None, force: bool, now: float) -> None:
    if job.status == JOB_COMPLETED:
        raise AwsFault(400, "InvalidRequestException", f"Job {job.job_id} is already completed and cannot be canceled")
    if job.status == JOB_DELETING:
        raise AwsFault(400, "InvalidRequestException", f"Job {job.job_id} is being deleted")
    if job.status == JOB_CANCELED and (not force or job.force_canceled):
        return
    job.status = JOB_CANCELED
    job.force_canceled = job.force_canceled or force
    job.reason_code = reason_code if reason_code is not None else job.reason_code
    job.comment = comment if comment is not None else job.comment
    job.touch(now)
    for execution in job.executions.values():
        if execution.status == QUEUED or (force and execution.status == IN_PROGRESS):
            execution.force_canceled = execution.status == IN_PROGRESS
            execution.move(CANCELED, now)


def delete_job(store: JobStore, job: Job, force: bool, now: float, at_once: bool = False) -> None:
    if job.status == IN_PROGRESS and not force:
        raise AwsFault(
            409,
            "InvalidStateTransitionException",
            f"Job {job.job_id} is IN_PROGRESS; cancel it first or delete it with force",
        )
    if job.status == JOB_DELETING:
        return
    if at_once:
        del store.jobs[job.job_id]
        return
    job.status = JOB_DELETING
    job.deletion_due = now + DELETION_SECONDS
    job.touch(now)


def execution_of(job: Job, thing_name: str, execution_number: int | None = None) -> Execution:
    execution = job.executions.get(thing_name)
    if execution is None or (execution_number is not None and execution.execution_number != execution_number):
        raise AwsFault(
            404, "ResourceNotFoundException", f"Job execution of job {job.job_id} on thing {thing_name} does not exist"
        )
    return execution


def cancel_execution(
    job: Job,
    execution: Execution,
    force: bool,
    expected_version: int | None,
    details: dict[str, str] | None,
    now: float,
) -> None:
    if expected_version is not None and expected_version != execution.version:
        raise AwsFault(
            409,
            "VersionConflictException",
            f"The expected version {expected_version} does not match the job execution version {execution.version}",
        )
    if execution.terminal or (execution.status == IN_PROGRESS and not force):
        raise AwsFault(
            409,
            "InvalidStateTransitionException",
            f"Cannot cancel a job execution in status {execution.status}"
            + ("" if execution.terminal else " without force"),
        )
    execution.force_canceled = execution.status == IN_PROGRESS
    if details is not None:
        execution.status_details = dict(details)
    execution.move(CANCELED, now)
    job.touch(now)


def delete_execution(job: Job, execution: Execution, force: bool) -> None:
    if not execution.terminal and not force:
        raise AwsFault(
            409,
            "InvalidStateTransitionException",
            f"Cannot delete a job execution in status {execution.status} without force",
        )
    del job.executions[execution.thing_name]


DEVICE_STATUSES = frozenset({IN_PROGRESS, SUCCEEDED, FAILED, REJECTED})


def update_by_device(
    store: JobStore,
    job: Job,
    execution: Execution,
    status: str,
    details: dict[str, str] | None,
    expected_version: int | None,
    step_timeout: int | None,
    now: float,
) -> None:
    """The device reports progress (UpdateJobExecution or StartNextPendingJobExecution)."""
    if status not in DEVICE_STATUSES:
        raise AwsFault(400, "InvalidRequestException", f"A device cannot set a job execution to {status}")
    if expected_version is not None and expected_version != execution.version:
        raise AwsFault(
            409,
            "VersionConflictException",
            f"The expected version {expected_version} does not match the job execution version {execution.version}",
        )
    if execution.terminal:
        raise AwsFault(409, "InvalidStateTransitionException", f"The job execution is already {execution.status}")
    if status == IN_PROGRESS and execution.started_at is None:
        execution.started_at = now
        timeout = (job.config.get("timeoutConfig") or {}).get("inProgressTimeoutInMinutes")
        if timeout:
            execution.in_progress_deadline = now + store.seconds(float(timeout))
    if step_timeout is not None:
        execution.step_deadline = None if step_timeout < 0 else now + store.seconds(float(step_timeout))
    if details is not None:
        execution.status_details = {str(key): str(value) for key, value in details.items()}
    execution.move(status, now)
    job.touch(now)


def pending_for(store: JobStore, thing_name: str) -> list[tuple[Job, Execution]]:
    """The thing's IN_PROGRESS and offered QUEUED executions, oldest first."""
    found = []
    for job in store.jobs.values():
        if job.status == JOB_DELETING:
            continue
        execution = job.executions.get(thing_name)
        if execution is not None and execution.status in (QUEUED, IN_PROGRESS) and execution.offered:
            found.append((job, execution))
    return sorted(found, key=lambda pair: pair[1].queued_at)


def seconds_before_timeout(store: JobStore, execution: Execution, now: float) -> int | None:
    """Approximate (scaled) seconds before the execution times out, as the API reports it."""
    deadline = execution.deadline()
    if deadline is None:
        return None
    return max(0, int((deadline - now) * 60 / store.seconds_per_minute))
