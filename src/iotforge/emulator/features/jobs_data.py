"""The device side of IoT Jobs (signing service "iot-jobs-data"), over the jobs model.

Devices only see executions the rollout has let out; the job document they receive has each
`${aws:iot:s3-presigned-url[-v2]:...}` replaced by a presigned GET URL on this emulator.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from iotforge.emulator.features import jobs_model as model
from iotforge.emulator.features import jobs_progress as progress
from iotforge.emulator.features.jobs import synced
from iotforge.emulator.features.jobs_model import Execution, Job, JobStore
from iotforge.emulator.features.paging import drop_none, flag
from iotforge.emulator.features.presign import DEFAULT_EXPIRES_IN_SEC, substitute_presigned_urls
from iotforge.emulator.routes import Call, Route
from iotforge.emulator.wire import AwsFault, json_response

NEXT = "$next"


def device_document(call: Call, store: JobStore, job: Job) -> str:
    expires = (job.config.get("presignedUrlConfig") or {}).get("expiresInSec") or DEFAULT_EXPIRES_IN_SEC
    base_url = call.request.host_url.rstrip("/")
    return substitute_presigned_urls(job.document, base_url, call.region, int(expires), store.presigners)


def _seconds(moment: float | None) -> int | None:
    return None if moment is None else int(moment)


def _summary(execution: Execution) -> dict[str, Any]:
    return drop_none(
        {
            "jobId": execution.job_id,
            "queuedAt": _seconds(execution.queued_at),
            "startedAt": _seconds(execution.started_at),
            "lastUpdatedAt": _seconds(execution.last_updated_at),
            "versionNumber": execution.version,
            "executionNumber": execution.execution_number,
        }
    )


def _execution_document(
    call: Call, store: JobStore, job: Job, execution: Execution, now: float, with_document: bool
) -> dict[str, Any]:
    return drop_none(
        {
            **_summary(execution),
            "thingName": execution.thing_name,
            "status": execution.status,
            "statusDetails": execution.status_details,
            "approximateSecondsBeforeTimedOut": model.seconds_before_timeout(store, execution, now),
            "jobDocument": device_document(call, store, job) if with_document else None,
        }
    )


def get_pending_job_executions(call: Call) -> Response:
    store, _, _ = synced(call)
    pending = [execution for _, execution in model.pending_for(store, call.params["thingName"])]
    return json_response(
        {
            "inProgressJobs": [_summary(e) for e in pending if e.status == model.IN_PROGRESS],
            "queuedJobs": [_summary(e) for e in pending if e.status == model.QUEUED],
        }
    )


def _next_pending(store: JobStore, thing_name: str) -> tuple[Job, Execution] | None:
    pending = model.pending_for(store, thing_name)
    in_progress = [pair for pair in pending if pair[1].status == model.IN_PROGRESS]
    candidates = in_progress or pending
    return candidates[0] if candidates else None


def start_next_pending_job_execution(call: Call) -> Response:
    store, _, now = synced(call)
    found = _next_pending(store, call.params["thingName"])
    if found is None:
        return json_response({})
    job, execution = found
    if execution.status == model.QUEUED:
        body = call.json()
        model.update_by_device(
            store,
            job,
            execution,
            model.IN_PROGRESS,
            body.get("statusDetails"),
            None,
            body.get("stepTimeoutInMinutes"),
            now,
        )
    return json_response({"execution": _execution_document(call, store, job, execution, now, with_document=True)})


def _device_execution(call: Call, store: JobStore) -> tuple[Job, Execution]:
    thing_name, job_id = call.params["thingName"], call.params["jobId"]
    if job_id == NEXT:
        found = _next_pending(store, thing_name)
        if found is None:
            raise AwsFault(404, "ResourceNotFoundException", f"No pending job execution for thing {thing_name}")
        return found
    job = store.jobs.get(job_id)
    execution = None if job is None or job.status == model.JOB_DELETING else job.executions.get(thing_name)
    if job is None or execution is None or not execution.offered:
        raise AwsFault(
            404, "ResourceNotFoundException", f"Job execution of job {job_id} on thing {thing_name} does not exist"
        )
    return job, execution


def describe_job_execution(call: Call) -> Response:
    store, _, now = synced(call)
    job, execution = _device_execution(call, store)
    number = call.request.args.get("executionNumber")
    if number and number != str(execution.execution_number):
        raise AwsFault(404, "ResourceNotFoundException", f"Job execution number {number} does not exist")
    include = flag(call.request, "includeJobDocument")
    return json_response({"execution": _execution_document(call, store, job, execution, now, include)})


def update_job_execution(call: Call) -> Response:
    store, fleet, now = synced(call)
    job, execution = _device_execution(call, store)
    body = call.json()
    number = body.get("executionNumber")
    if number is not None and int(number) != execution.execution_number:
        raise AwsFault(404, "ResourceNotFoundException", f"Job execution number {number} does not exist")
    status = body.get("status")
    if not isinstance(status, str):
        raise AwsFault(400, "InvalidRequestException", "status is required")
    model.update_by_device(
        store,
        job,
        execution,
        status,
        body.get("statusDetails"),
        body.get("expectedVersion"),
        body.get("stepTimeoutInMinutes"),
        now,
    )
    progress.sync_job(store, fleet, job, now)
    answer: dict[str, Any] = {}
    if body.get("includeJobExecutionState"):
        answer["executionState"] = {
            "status": execution.status,
            "statusDetails": execution.status_details,
            "versionNumber": execution.version,
        }
    if body.get("includeJobDocument"):
        answer["jobDocument"] = device_document(call, store, job)
    return json_response(answer)


ROUTES = (
    Route("iot-jobs-data", "GET", "/things/{thingName}/jobs", get_pending_job_executions),
    Route("iot-jobs-data", "PUT", "/things/{thingName}/jobs/$next", start_next_pending_job_execution),
    Route("iot-jobs-data", "GET", "/things/{thingName}/jobs/{jobId}", describe_job_execution),
    Route("iot-jobs-data", "POST", "/things/{thingName}/jobs/{jobId}", update_job_execution),
)
