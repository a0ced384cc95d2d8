"""The IoT Jobs control plane, replacing moto's (whose jobs never follow their executions).

Also serves one emulator-only control route, POST /_emulator/jobs/time-scale
{"seconds_per_minute": 0.05}, which sets how many real seconds a minute of job configuration
(timeouts, rollout rates) lasts in the caller's account and region; GET reads it. Signed as "iot"
it applies to the signing region; unsigned (curl) it applies to us-east-1 or the body's "region".
"""

from __future__ import annotations

import json
import time
from typing import Any

from werkzeug.wrappers import Response

from iotforge.emulator.features import jobs_model as model
from iotforge.emulator.features import jobs_progress as progress
from iotforge.emulator.features.fleet import Fleet, parse_iot_arn, parse_s3_url, s3_object
from iotforge.emulator.features.jobs_model import Execution, Job, JobStore
from iotforge.emulator.features.paging import drop_none, flag, page, with_token
from iotforge.emulator.features.tags import remember_tags
from iotforge.emulator.routes import Call, Route
from iotforge.emulator.wire import AwsFault, json_response

MAX_DOCUMENT_BYTES = 32 * 1024
_COPIED_SETTINGS = (
    "description",
    "presignedUrlConfig",
    "jobExecutionsRolloutConfig",
    "abortConfig",
    "timeoutConfig",
    "namespaceId",
    "jobTemplateArn",
    "jobExecutionsRetryConfig",
    "documentParameters",
    "schedulingConfig",
    "destinationPackageVersions",
)


def synced(call: Call) -> tuple[JobStore, Fleet, float]:
    """The caller's job store, brought up to date with the clock and the fleet."""
    store = call.state.store(JobStore, call.account_id, call.region)
    fleet = Fleet(call.account_id, call.region)
    now = time.time()
    progress.sync(store, fleet, now)
    return store, fleet, now


def create_job(call: Call) -> Response:
    store, fleet, now = synced(call)
    body = call.json()
    given = {key: value for key, value in body.items() if value is not None}
    template = _from_template(call, body)
    if "document" in given or "documentSource" in given:
        template = {key: value for key, value in template.items() if key not in ("document", "documentSource")}
    request = {**template, **given}
    request["document"] = _document(call, request)
    expires = (request.get("presignedUrlConfig") or {}).get("expiresInSec")
    if expires is not None and not 60 <= int(expires) <= 3600:
        raise AwsFault(400, "InvalidRequestException", "presignedUrlConfig.expiresInSec must be between 60 and 3600")
    job = progress.create_job(store, fleet, call.account_id, call.region, call.params["jobId"], request, now)
    remember_tags(call.state, call.account_id, job.arn, job, body.get("tags"))
    return json_response(
        drop_none({"jobArn": job.arn, "jobId": job.job_id, "description": job.config.get("description")})
    )


def _from_template(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    template_arn = body.get("jobTemplateArn")
    if not template_arn:
        return {}
    parsed = parse_iot_arn(template_arn)
    template = None if parsed is None else Fleet(call.account_id, call.region).backend.jobs_templates.get(parsed.name)
    if template is None:
        raise AwsFault(404, "ResourceNotFoundException", f"Job template {template_arn} does not exist")
    settings = {
        "documentSource": template.document_source,
        "document": template.document,
        "description": template.description,
        "presignedUrlConfig": template.presigned_url_config,
        "jobExecutionsRolloutConfig": template.job_executions_rollout_config,
        "abortConfig": template.abort_config,
        "jobExecutionsRetryConfig": template.job_execution_retry_config,
        "timeoutConfig": template.timeout_config,
    }
    return {key: value for key, value in settings.items() if value}


def _document(call: Call, request: dict[str, Any]) -> str:
    document, source = request.get("document"), request.get("documentSource")
    if bool(document) == bool(source):
        raise AwsFault(400, "InvalidRequestException", "Specify exactly one of document and documentSource")
    if not document:
        document = _fetch_document(call, str(source))
    if len(document.encode()) > MAX_DOCUMENT_BYTES:
        raise AwsFault(400, "InvalidRequestException", f"The job document exceeds {MAX_DOCUMENT_BYTES} bytes")
    try:
        parsed = json.loads(document)
    except ValueError as error:
        raise AwsFault(400, "InvalidRequestException", f"The job document is not valid JSON: {error}") from error
    if not isinstance(parsed, dict):
        raise AwsFault(400, "InvalidRequestException", "The job document must be a JSON object")
    return str(document)


def _fetch_document(call: Call, source: str) -> str:
    location = parse_s3_url(source)
    found = (
        None
        if location is None
        else s3_object(call.account_id, call.region, location.bucket, location.key, location.version)
    )
    if found is None:
        raise AwsFault(400, "InvalidRequestException", f"Unable to read the job document from {source}")
    return bytes(found.value).decode("utf-8", errors="replace")


def job_document(job: Job) -> dict[str, Any]:
    counts = job.counts()
    details: dict[str, Any] = {
        "numberOfCanceledThings": counts[model.CANCELED],
        "numberOfSucceededThings": counts[model.SUCCEEDED],
        "numberOfFailedThings": counts[model.FAILED],
        "numberOfRejectedThings": counts[model.REJECTED],
        "numberOfQueuedThings": counts[model.QUEUED],
        "numberOfInProgressThings": counts[model.IN_PROGRESS],
        "numberOfRemovedThings": counts[model.REMOVED],
        "numberOfTimedOutThings": counts[model.TIMED_OUT],
    }
    if job.status == model.IN_PROGRESS:
        details["processingTargets"] = list(job.targets)
    settings = {key: job.config.get(key) for key in _COPIED_SETTINGS}
    return drop_none(
        {
            "jobArn": job.arn,
            "jobId": job.job_id,
            "targetSelection": job.target_selection,
            "status": job.status,
            "forceCanceled": job.force_canceled,
            "reasonCode": job.reason_code,
            "comment": job.comment,
            "targets": job.targets,
            **settings,
            "createdAt": job.created_at,
            "lastUpdatedAt": job.last_updated_at,
            "completedAt": job.completed_at,
            "jobProcessDetails": details,
            "isConcurrent": False,
        }
    )


def describe_job(call: Call) -> Response:
    store, _, _ = synced(call)
    job = store.get(call.params["jobId"])
    return json_response(drop_none({"documentSource": job.config.get("documentSource"), "job": job_document(job)}))


def get_job_document(call: Call) -> Response:
    store, _, _ = synced(call)
    return json_response({"document": store.get(call.params["jobId"]).document})


def list_jobs(call: Call) -> Response:
    store, fleet, _ = synced(call)
    args = call.request.args
    group_arns = _group_filter(fleet, args.get("thingGroupName"), args.get("thingGroupId"))
    jobs = [
        job
        for job in sorted(store.jobs.values(), key=lambda job: job.created_at, reverse=True)
        if args.get("status") in (None, job.status)
        and args.get("targetSelection") in (None, job.target_selection)
        and (group_arns is None or group_arns & set(job.targets))
    ]
    items, token = page(jobs, call.request)
    return json_response(with_token({"jobs": [_summary(fleet, job) for job in items]}, token))


def _group_filter(fleet: Fleet, name: str | None, group_id: str | None) -> set[str] | None:
    if name is None and group_id is None:
        return None
    return {
        group.arn
        for group in fleet.backend.thing_groups.values()
        if name in (None, group.thing_group_name) and group_id in (None, group.thing_group_id)
    }


def _summary(fleet: Fleet, job: Job) -> dict[str, Any]:
    group_ids = [group.thing_group_id for group in map(fleet.group_by_arn, job.targets) if group is not None]
    return drop_none(
        {
            "jobArn": job.arn,
            "jobId": job.job_id,
            "thingGroupId": group_ids[0] if group_ids else None,
            "targetSelection": job.target_selection,
            "status": job.status,
            "createdAt": job.created_at,
            "lastUpdatedAt": job.last_updated_at,
            "completedAt": job.completed_at,
            "isConcurrent": False,
        }
    )


def cancel_job(call: Call) -> Response:
    store, _, now = synced(call)
    job = store.get(call.params["jobId"])
    body = call.json()
    model.cancel_job(job, body.get("reasonCode"), body.get("comment"), flag(call.request, "force"), now)
    return json_response(
        drop_none({"jobArn": job.arn, "jobId": job.job_id, "description": job.config.get("description")})
    )


def update_job(call: Call) -> Response:
    store, _, now = synced(call)
    model.update_job(store.get(call.params["jobId"]), call.json(), now)
    return json_response({})


def associate_targets_with_job(call: Call) -> Response:
    store, fleet, now = synced(call)
    job = store.get(call.params["jobId"])
    progress.associate_targets(fleet, job, call.json().get("targets") or [], now)
    progress.sync_job(store, fleet, job, now)
    return json_response(
        drop_none({"jobArn": job.arn, "jobId": job.job_id, "description": job.config.get("description")})
    )


def delete_job(call: Call) -> Response:
    store, _, now = synced(call)
    model.delete_job(store, store.get(call.params["jobId"]), flag(call.request, "force"), now)
    return json_response({})


def execution_summary(execution: Execution) -> dict[str, Any]:
    return drop_none(
        {
            "status": execution.status,
            "queuedAt": execution.queued_at,
            "startedAt": execution.started_at,
            "lastUpdatedAt": execution.last_updated_at,
            "executionNumber": execution.execution_number,
        }
    )


def list_job_executions_for_job(call: Call) -> Response:
    store, _, _ = synced(call)
    status = call.request.args.get("status")
    executions = [e for e in store.get(call.params["jobId"]).executions.values() if status in (None, e.status)]
    items, token = page(executions, call.request)
    summaries = [{"thingArn": e.thing_arn, "jobExecutionSummary": execution_summary(e)} for e in items]
    return json_response(with_token({"executionSummaries": summaries}, token))


def list_job_executions_for_thing(call: Call) -> Response:
    store, _, _ = synced(call)
    args = call.request.args
    found = [
        execution
        for job in store.jobs.values()
        if args.get("jobId") in (None, job.job_id)
        for execution in [job.executions.get(call.params["thingName"])]
        if execution is not None and args.get("status") in (None, execution.status)
    ]
    items, token = page(found, call.request)
    summaries = [{"jobId": e.job_id, "jobExecutionSummary": execution_summary(e)} for e in items]
    return json_response(with_token({"executionSummaries": summaries}, token))


def describe_job_execution(call: Call) -> Response:
    store, _, now = synced(call)
    execution = _execution(call, store)
    return json_response(
        {
            "execution": drop_none(
                {
                    "jobId": execution.job_id,
                    "status": execution.status,
                    "forceCanceled": execution.force_canceled,
                    "statusDetails": {"detailsMap": execution.status_details},
                    "thingArn": execution.thing_arn,
                    "queuedAt": execution.queued_at,
                    "startedAt": execution.started_at,
                    "lastUpdatedAt": execution.last_updated_at,
                    "executionNumber": execution.execution_number,
                    "versionNumber": execution.version,
                    "approximateSecondsBeforeTimedOut": model.seconds_before_timeout(store, execution, now),
                }
            )
        }
    )


def _execution(call: Call, store: JobStore, number: str | None = None) -> Execution:
    text = number if number is not None else call.request.args.get("executionNumber")
    try:
        execution_number = int(text) if text else None
    except ValueError as error:
        raise AwsFault(400, "InvalidRequestException", f"Invalid executionNumber: {text}") from error
    return model.execution_of(store.get(call.params["jobId"]), call.params["thingName"], execution_number)


def cancel_job_execution(call: Call) -> Response:
    store, _, now = synced(call)
    job = store.get(call.params["jobId"])
    body = call.json()
    execution = model.execution_of(job, call.params["thingName"])
    model.cancel_execution(
        job, execution, flag(call.request, "force"), body.get("expectedVersion"), body.get("statusDetails"), now
    )
    progress.sync_job(store, Fleet(call.account_id, call.region), job, now)
    return json_response({})


def delete_job_execution(call: Call) -> Response:
    store, fleet, now = synced(call)
    job = store.get(call.params["jobId"])
    model.delete_execution(job, _execution(call, store, call.params["executionNumber"]), flag(call.request, "force"))
    progress.sync_job(store, fleet, job, now)
    return json_response({})


def time_scale(call: Call) -> Response:
    body = call.json() if call.request.method == "POST" else {}
    region = body.get("region") if call.info.access_key is None else None
    store = call.state.store(JobStore, call.account_id, region or call.region)
    if call.request.method == "POST":
        value = body.get("seconds_per_minute")
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            raise AwsFault(400, "InvalidRequestException", "seconds_per_minute must be a positive number")
        store.seconds_per_minute = float(value)
    return json_response({"seconds_per_minute": store.seconds_per_minute})


TIME_SCALE_PATH = "/_emulator/jobs/time-scale"

ROUTES = (
    Route("iot", "PUT", "/jobs/{jobId}", create_job),
    Route("iot", "GET", "/jobs/{jobId}", describe_job),
    Route("iot", "GET", "/jobs", list_jobs),
    Route("iot", "PUT", "/jobs/{jobId}/cancel", cancel_job),
    Route("iot", "DELETE", "/jobs/{jobId}", delete_job),
    Route("iot", "PATCH", "/jobs/{jobId}", update_job),
    Route("iot", "POST", "/jobs/{jobId}/targets", associate_targets_with_job),
    Route("iot", "GET", "/jobs/{jobId}/job-document", get_job_document),
    Route("iot", "GET", "/jobs/{jobId}/things", list_job_executions_for_job),
    Route("iot", "GET", "/things/{thingName}/jobs", list_job_executions_for_thing),
    Route("iot", "GET", "/things/{thingName}/jobs/{jobId}", describe_job_execution),
    Route("iot", "PUT", "/things/{thingName}/jobs/{jobId}/cancel", cancel_job_execution),
    Route("iot", "DELETE", "/things/{thingName}/jobs/{jobId}/executionNumber/{executionNumber}", delete_job_execution),
    *(Route(service, method, TIME_SCALE_PATH, time_scale) for service in ("iot", "s3") for method in ("GET", "POST")),
)
