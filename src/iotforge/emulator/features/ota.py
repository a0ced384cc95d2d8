"""OTA updates: CreateOTAUpdate, GetOTAUpdate, ListOTAUpdates, DeleteOTAUpdate.

An update is CREATE_PENDING when created, CREATE_IN_PROGRESS after PENDING_SECONDS and settles
(CREATE_COMPLETE with its AFR_OTA-<id> job and, for MQTT, its AFR_OTA-<uuid> stream; or
CREATE_FAILED with errorInfo) after SETTLE_SECONDS: a timer moves it along, and every read settles
it too, so a client polling GetOTAUpdate sees it complete well within a second.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Response

from iotforge.emulator.features import jobs_model, jobs_progress
from iotforge.emulator.features.fleet import Fleet, iot_arn
from iotforge.emulator.features.jobs_model import JobStore
from iotforge.emulator.features.ota_plan import OtaFailure, check_role, job_document, job_request, plan_files
from iotforge.emulator.features.paging import drop_none, flag, page, with_token
from iotforge.emulator.features.streams import StreamStore
from iotforge.emulator.features.tags import remember_tags
from iotforge.emulator.routes import Call, Route
from iotforge.emulator.state import EmulatorState
from iotforge.emulator.wire import AwsFault, json_response

PENDING_SECONDS = 0.1
SETTLE_SECONDS = 0.3
JOB_PREFIX = "AFR_OTA-"
_UPDATE_ID = re.compile(r"[a-zA-Z0-9_-]{1,128}")
_PROTOCOLS = ("MQTT", "HTTP")
CREATE_PENDING, CREATE_IN_PROGRESS, CREATE_COMPLETE, CREATE_FAILED = (
    "CREATE_PENDING",
    "CREATE_IN_PROGRESS",
    "CREATE_COMPLETE",
    "CREATE_FAILED",
)
DELETE_FAILED = "DELETE_FAILED"


@dataclass
class OtaUpdate:
    ota_update_id: str
    arn: str
    account_id: str
    region: str
    request: dict[str, Any]  # the CreateOTAUpdate body
    created_at: float = field(default_factory=time.time)
    last_modified: float = 0.0
    status: str = CREATE_PENDING
    error_info: dict[str, str] | None = None
    job_id: str | None = None
    stream_id: str | None = None  # the stream this update created

    def __post_init__(self) -> None:
        self.last_modified = self.last_modified or self.created_at

    @property
    def protocols(self) -> list[str]:
        return list(self.request.get("protocols") or ["MQTT"])

    def info(self) -> dict[str, Any]:
        body = self.request
        job_arn = iot_arn(self.account_id, self.region, "job", self.job_id) if self.job_id else None
        return drop_none(
            {
                "otaUpdateId": self.ota_update_id,
                "otaUpdateArn": self.arn,
                "creationDate": self.created_at,
                "lastModifiedDate": self.last_modified,
                "description": body.get("description"),
                "targets": body.get("targets"),
                "protocols": self.protocols,
                "awsJobExecutionsRolloutConfig": body.get("awsJobExecutionsRolloutConfig"),
                "awsJobPresignedUrlConfig": body.get("awsJobPresignedUrlConfig"),
                "targetSelection": body.get("targetSelection") or "SNAPSHOT",
                "otaUpdateFiles": body.get("files"),
                "otaUpdateStatus": self.status,
                "awsIotJobId": self.job_id,
                "awsIotJobArn": job_arn,
                "errorInfo": self.error_info,
                "additionalParameters": body.get("additionalParameters"),
            }
        )


@dataclass
class OtaStore:
    updates: dict[str, OtaUpdate] = field(default_factory=dict)

    def get(self, ota_update_id: str) -> OtaUpdate:
        update = self.updates.get(ota_update_id)
        if update is None:
            raise AwsFault(404, "ResourceNotFoundException", f"OTA update {ota_update_id} does not exist")
        return update


def settle(state: EmulatorState, update: OtaUpdate, now: float, finish: bool = False) -> None:
    """Advance a creating update as far as the time since its creation allows (or to the end)."""
    age = now - update.created_at
    if update.status == CREATE_PENDING and (finish or age >= PENDING_SECONDS):
        update.status = CREATE_IN_PROGRESS
        update.last_modified = now
    if update.status == CREATE_IN_PROGRESS and (finish or age >= SETTLE_SECONDS):
        try:
            _build(state, update, now)
            update.status = CREATE_COMPLETE
        except (OtaFailure, AwsFault) as failure:
            update.status = CREATE_FAILED
            update.error_info = {"code": failure.code, "message": failure.message}
        update.last_modified = now


def _build(state: EmulatorState, update: OtaUpdate, now: float) -> None:
    """Check the role, files and signing, then create the stream (MQTT) and the job."""
    account_id, region, body = update.account_id, update.region, update.request
    check_role(account_id, body["roleArn"])
    streams = state.store(StreamStore, account_id, region)
    files = plan_files(account_id, region, streams, body.get("files") or [])
    jobs = state.store(JobStore, account_id, region)
    job_id = JOB_PREFIX + update.ota_update_id
    if job_id in jobs.jobs:
        raise OtaFailure("ResourceAlreadyExistsException", f"Job {job_id} already exists")
    from_s3 = [planned for planned in files if planned.s3 is not None]
    stream_name = next((planned.stream_id for planned in files if planned.stream_id), None)
    created_stream = None
    if "MQTT" in update.protocols and from_s3:
        stream_files = [
            {
                "fileId": planned.file_id,
                "s3Location": drop_none(
                    {"bucket": planned.s3.bucket, "key": planned.s3.key, "version": planned.s3.version}
                ),
            }
            for planned in from_s3
            if planned.s3 is not None
        ]
        created_stream = streams.add(
            account_id, region, f"{JOB_PREFIX}{uuid.uuid4()}", stream_files, body["roleArn"], None
        )
        stream_name = created_stream.stream_id
    document = job_document(region, update.protocols, stream_name, files)
    try:
        jobs_progress.create_job(
            jobs, Fleet(account_id, region), account_id, region, job_id, job_request(body, document), now
        )
    except AwsFault:
        if created_stream is not None:
            del streams.streams[created_stream.stream_id]
        raise
    update.job_id = job_id
    update.stream_id = created_stream.stream_id if created_stream is not None else None


def _schedule(state: EmulatorState, store: OtaStore, update: OtaUpdate, delay: float) -> None:
    def tick() -> None:
        with state.moto_lock:
            if store.updates.get(update.ota_update_id) is not update:
                return
            if not any(live is store for _, _, live in state.stores_of(OtaStore)):
                return  # the emulator was reset
            settle(state, update, time.time())
            if update.status == CREATE_IN_PROGRESS:
                _schedule(state, store, update, SETTLE_SECONDS - PENDING_SECONDS)

    timer = threading.Timer(delay, tick)
    timer.daemon = True
    timer.start()


def _store(call: Call) -> OtaStore:
    return call.state.store(OtaStore, call.account_id, call.region)


def create_ota_update(call: Call) -> Response:
    body = call.json()
    update_id = call.params["otaUpdateId"]
    if not _UPDATE_ID.fullmatch(update_id):
        raise AwsFault(400, "InvalidRequestException", f"Invalid otaUpdateId: {update_id}")
    for name in ("targets", "files", "roleArn"):
        if not body.get(name):
            raise AwsFault(400, "InvalidRequestException", f"{name} is required")
    unknown = set(body.get("protocols") or []) - set(_PROTOCOLS)
    if unknown:
        raise AwsFault(400, "InvalidRequestException", f"Unknown protocols: {', '.join(sorted(unknown))}")
    store = _store(call)
    if update_id in store.updates:
        raise AwsFault(409, "ResourceAlreadyExistsException", f"OTA update {update_id} already exists")
    update = OtaUpdate(
        update_id, iot_arn(call.account_id, call.region, "otaupdate", update_id), call.account_id, call.region, body
    )
    store.updates[update_id] = update
    remember_tags(call.state, call.account_id, update.arn, update, body.get("tags"))
    _schedule(call.state, store, update, PENDING_SECONDS)
    job_id = JOB_PREFIX + update_id
    return json_response(
        {
            "otaUpdateId": update_id,
            "awsIotJobId": job_id,
            "otaUpdateArn": update.arn,
            "awsIotJobArn": iot_arn(call.account_id, call.region, "job", job_id),
            "otaUpdateStatus": update.status,
        }
    )


def get_ota_update(call: Call) -> Response:
    update = _store(call).get(call.params["otaUpdateId"])
    settle(call.state, update, time.time())
    return json_response({"otaUpdateInfo": update.info()})


def list_ota_updates(call: Call) -> Response:
    now = time.time()
    updates = sorted(_store(call).updates.values(), key=lambda update: update.created_at, reverse=True)
    for update in updates:
        settle(call.state, update, now)
    wanted = call.request.args.get("otaUpdateStatus")
    items, token = page([update for update in updates if wanted in (None, update.status)], call.request)
    summaries = [{"otaUpdateId": u.ota_update_id, "otaUpdateArn": u.arn, "creationDate": u.created_at} for u in items]
    return json_response(with_token({"otaUpdates": summaries}, token))


def delete_ota_update(call: Call) -> Response:
    store = _store(call)
    update = store.get(call.params["otaUpdateId"])
    now = time.time()
    settle(call.state, update, now, finish=True)
    if update.job_id is not None or update.stream_id is not None:
        # AWS cleans up the update's job and stream with the update's role.
        try:
            check_role(call.account_id, update.request["roleArn"])
        except OtaFailure as failure:
            update.status = DELETE_FAILED
            update.error_info = {"code": failure.code, "message": failure.message}
            update.last_modified = now
            raise AwsFault(
                400, "InvalidRequestException", f"Cannot delete OTA update {update.ota_update_id}: {failure.message}"
            ) from failure
    jobs = call.state.store(JobStore, call.account_id, call.region)
    jobs_progress.sync(jobs, Fleet(call.account_id, call.region), now)
    job = jobs.jobs.get(update.job_id) if update.job_id else None
    if job is not None:
        force = flag(call.request, "forceDeleteAWSJob")
        if job.status == jobs_model.IN_PROGRESS and not force:
            raise AwsFault(
                400,
                "InvalidRequestException",
                f"The job {job.job_id} of OTA update {update.ota_update_id} is IN_PROGRESS; "
                "pass forceDeleteAWSJob=true to remove it as well",
            )
        jobs_model.delete_job(jobs, job, force=True, now=now, at_once=True)
    streams = call.state.store(StreamStore, call.account_id, call.region)
    if flag(call.request, "deleteStream") and update.stream_id is not None:
        streams.streams.pop(update.stream_id, None)
    del store.updates[update.ota_update_id]
    return json_response({})


ROUTES = (
    Route("iot", "POST", "/otaUpdates/{otaUpdateId}", create_ota_update),
    Route("iot", "GET", "/otaUpdates/{otaUpdateId}", get_ota_update),
    Route("iot", "GET", "/otaUpdates", list_ota_updates),
    Route("iot", "DELETE", "/otaUpdates/{otaUpdateId}", delete_ota_update),
)
