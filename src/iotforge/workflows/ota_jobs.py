"""Follow-up on OTA updates and FOTA jobs: status (and watching it), listing, cancelling, deleting.

An ID is either a job id (FOTA jobs, any IoT job) or an OTA update id (whose job is AFR_OTA-<id>).
Deleting an update goes through DeleteOTAUpdate, which removes its job and stream with the update's
role: the role is never touched here, because deleting it first would leave the update undeletable.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from iotforge.errors import AwsError, ConflictError, IotforgeError, NotFoundError
from iotforge.workflows.ota_models import ExecutionSummary, JobInfo, JobSummary, OtaUpdateInfo, OtaUpdateSummary
from iotforge.workflows.ports import OtaControl

OTA_JOB_PREFIX = "AFR_OTA-"
RUNNING = ("QUEUED", "IN_PROGRESS")
DEFAULT_DELETE_WAIT = 60.0


@dataclass(frozen=True)
class OtaStatus:
    job: JobInfo
    update: OtaUpdateInfo | None = None
    executions: tuple[ExecutionSummary, ...] = ()

    @property
    def done(self) -> bool:
        return self.job.done


@dataclass(frozen=True)
class OtaListing:
    updates: tuple[OtaUpdateSummary, ...]
    jobs: tuple[JobSummary, ...]


@dataclass(frozen=True)
class CancelResult:
    job_id: str
    status_before: str
    status_after: str


@dataclass(frozen=True)
class DeleteResult:
    job_id: str | None
    update_id: str | None
    stream_id: str | None
    job_deleted: bool
    update_deleted: bool
    stream_deleted: bool


def _resolve(ota: OtaControl, ident: str) -> tuple[JobInfo | None, OtaUpdateInfo | None]:
    """The job and the OTA update `ident` names; NotFoundError when it names neither."""
    job = ota.describe_job(ident)
    if job is not None:
        update = ota.get_ota_update(ident[len(OTA_JOB_PREFIX) :]) if ident.startswith(OTA_JOB_PREFIX) else None
        return job, update
    update = ota.get_ota_update(ident)
    if update is None:
        raise NotFoundError(
            f"No job and no OTA update is named {ident}.",
            "List them with `iotforge ota list`; check --region.",
        )
    return ota.describe_job(update.job_id or OTA_JOB_PREFIX + ident), update


def ota_status(ota: OtaControl, ident: str, with_executions: bool = False) -> OtaStatus:
    job, update = _resolve(ota, ident)
    if job is None:
        assert update is not None
        raise IotforgeError(
            f"OTA update {update.update_id} has no job ({update.status}"
            + (f": {update.error_code}: {update.error_message}" if update.error_code else "")
            + ").",
            "A CREATE_FAILED update never gets a job: delete it with `iotforge ota delete` and create it again.",
        )
    executions = tuple(ota.list_job_executions_for_job(job.job_id)) if with_executions else ()
    return OtaStatus(job, update, executions)


def watch_status(
    ota: OtaControl,
    ident: str,
    timeout: float,
    interval: float,
    on_change: Callable[[OtaStatus], None],
    with_executions: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[OtaStatus, bool]:
    """Refresh until the job is done or `timeout` seconds pass: (last status, whether it finished)."""
    deadline = time.monotonic() + timeout
    status = ota_status(ota, ident, with_executions)
    on_change(status)
    while not status.done and time.monotonic() < deadline:
        sleep(max(0.0, min(interval, deadline - time.monotonic())))
        fresh = ota_status(ota, ident, with_executions)
        if fresh.job != status.job or fresh.executions != status.executions:
            on_change(fresh)
        status = fresh
    return status, status.done


def list_ota(ota: OtaControl, job_status: str | None = None) -> OtaListing:
    return OtaListing(tuple(ota.list_ota_updates()), tuple(ota.list_jobs(job_status)))


def cancel_ota(ota: OtaControl, ident: str, force: bool, comment: str | None = None) -> CancelResult:
    """Stop the job from reaching more devices; with `force`, also stop devices that are mid-update."""
    job, _ = _resolve(ota, ident)
    if job is None:
        raise NotFoundError(f"OTA update {ident} has no job to cancel.", None)
    if job.status == "COMPLETED":
        raise ConflictError(f"Job {job.job_id} already completed; there is nothing to cancel.", None)
    if job.status != "CANCELED" or (force and not job.force_canceled):
        ota.cancel_job(job.job_id, force, comment)
    after = ota.describe_job(job.job_id)
    return CancelResult(job.job_id, job.status, after.status if after else "DELETED")


def delete_ota(
    ota: OtaControl,
    ident: str,
    force: bool,
    wait_seconds: float = DEFAULT_DELETE_WAIT,
    sleep: Callable[[float], None] = time.sleep,
) -> DeleteResult:
    """Delete the OTA update with its job and stream (or the plain job); wait until they are gone."""
    job, update = _resolve(ota, ident)
    if job is not None and _running(job):
        if not force:
            counts = ", ".join(f"{job.counts[status]} {status}" for status in RUNNING)
            raise ConflictError(
                f"Job {job.job_id} is still {job.status} ({counts}).",
                "Wait for it, cancel it (iotforge ota cancel), or add --force to stop it now and delete it.",
            )
        ota.cancel_job(job.job_id, force=True, comment="deleted with iotforge ota delete --force")
    stream_id = _stream_of(ota, job)
    if update is not None:
        try:
            ota.delete_ota_update(update.update_id, delete_stream=True, force_delete_aws_job=True)
        except AwsError as error:
            if "role" in error.message.lower():
                raise AwsError(
                    error.message,
                    "AWS IoT deletes the update's job and stream with the update's role: recreate that role "
                    "(same name, trusting iot.amazonaws.com), rerun this command, and delete the role after.",
                    code=error.code,
                ) from error
            raise
    elif job is not None:
        # An IN_PROGRESS job with nothing running (a CONTINUOUS one) needs force to go.
        ota.delete_job(job.job_id, force=force or job.status == "IN_PROGRESS")
    _wait_gone(ota, job, update, stream_id, wait_seconds, sleep)
    return DeleteResult(
        job_id=job.job_id if job else None,
        update_id=update.update_id if update else None,
        stream_id=stream_id,
        job_deleted=job is not None,
        update_deleted=update is not None,
        stream_deleted=stream_id is not None,
    )


def _running(job: JobInfo) -> bool:
    return job.status == "IN_PROGRESS" and any(job.counts.get(status) for status in RUNNING)


def _stream_of(ota: OtaControl, job: JobInfo | None) -> str | None:
    """The MQTT stream an OTA update made, from its job document (`afr_ota.streamname`)."""
    if job is None or not job.job_id.startswith(OTA_JOB_PREFIX):
        return None
    document = ota.get_job_document(job.job_id)
    try:
        found = json.loads(document or "{}").get("afr_ota", {}).get("streamname")
    except (ValueError, AttributeError):
        return None
    return str(found) if found else None


def _wait_gone(
    ota: OtaControl,
    job: JobInfo | None,
    update: OtaUpdateInfo | None,
    stream_id: str | None,
    wait_seconds: float,
    sleep: Callable[[float], None],
) -> None:
    deadline, delay = time.monotonic() + wait_seconds, 0.1
    while True:
        left = []
        if update is not None and ota.get_ota_update(update.update_id) is not None:
            left.append(f"OTA update {update.update_id}")
        if job is not None and ota.describe_job(job.job_id) is not None:
            left.append(f"job {job.job_id}")
        if stream_id is not None and ota.stream_exists(stream_id):
            left.append(f"stream {stream_id}")
        if not left:
            return
        if time.monotonic() >= deadline:
            raise IotforgeError(
                f"Still there after {wait_seconds:.0f} s: {', '.join(left)}.",
                "AWS deletes jobs in the background; run the same command again in a minute.",
            )
        sleep(delay)
        delay = min(2.0, delay * 2)
