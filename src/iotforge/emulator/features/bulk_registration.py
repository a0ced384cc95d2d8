"""Bulk registration: StartThingRegistrationTask and the calls that watch, stop and report on it.

moto has none of these. A task reads its JSON-lines input file from S3, registers each line through
the provisioning template on a background thread (holding the moto lock one line at a time, so the
emulator keeps answering meanwhile), then writes RESULTS and ERRORS report files next to the input
and serves them as presigned URLs. As in AWS, one task at a time runs per account.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Response

from iotforge.emulator.features.provisioning_template import ProvisioningTemplate, Resource, TemplateError
from iotforge.emulator.features.template_registrar import RegistrationFailure, register
from iotforge.emulator.routes import Call, Route
from iotforge.emulator.state import EmulatorState
from iotforge.emulator.wire import AwsFault, json_response

IN_PROGRESS, COMPLETED, FAILED, CANCELLED, CANCELLING = "InProgress", "Completed", "Failed", "Cancelled", "Cancelling"
STATUSES = (IN_PROGRESS, COMPLETED, FAILED, CANCELLED, CANCELLING)
REPORT_TYPES = ("RESULTS", "ERRORS")
REPORT_LINES_PER_FILE = 1000
REPORT_URL_LIFETIME = 3600
MAX_RESULTS = 250
# How long the task holds the moto lock at a stretch: other calls wait at most about this long.
LOCK_SLICE_SECONDS = 0.005
_BUCKET = re.compile(r"[a-zA-Z0-9._-]{3,256}")
_KEY = re.compile(r"[a-zA-Z0-9!_.*'()\-/]{1,1024}")


@dataclass
class RegistrationTask:
    """One bulk registration task; changed only under the moto lock."""

    task_id: str
    template_body: str
    input_bucket: str
    input_key: str
    role_arn: str
    created: float = field(default_factory=time.time)
    modified: float = field(default_factory=time.time)
    status: str = IN_PROGRESS
    message: str | None = None
    success_count: int = 0
    failure_count: int = 0
    percentage_progress: int = 0
    report_keys: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind in REPORT_TYPES})

    @property
    def running(self) -> bool:
        return self.status in (IN_PROGRESS, CANCELLING)

    def finish(self, status: str, message: str | None = None) -> None:
        self.status, self.message, self.modified = status, message, time.time()

    def describe(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "taskId": self.task_id,
            "creationDate": self.created,
            "lastModifiedDate": self.modified,
            "templateBody": self.template_body,
            "inputFileBucket": self.input_bucket,
            "inputFileKey": self.input_key,
            "roleArn": self.role_arn,
            "status": self.status,
            "successCount": self.success_count,
            "failureCount": self.failure_count,
            "percentageProgress": self.percentage_progress,
        }
        if self.message is not None:
            document["message"] = self.message
        return document


@dataclass
class BulkRegistrationStore:
    tasks: dict[str, RegistrationTask] = field(default_factory=dict)
    # Presigning S3 clients by emulator base URL: building one costs ~0.1 s.
    presigners: dict[str, Any] = field(default_factory=dict)


def _store(call: Call) -> BulkRegistrationStore:
    return call.state.store(BulkRegistrationStore, call.account_id, call.region)


def start_thing_registration_task(call: Call) -> Response:
    body = call.json()
    template_body = _required_text(body, "templateBody", 0, 10240)
    bucket = _required_text(body, "inputFileBucket", 3, 256)
    key = _required_text(body, "inputFileKey", 1, 1024)
    role_arn = _required_text(body, "roleArn", 20, 2048)
    if not _BUCKET.fullmatch(bucket) or not _KEY.fullmatch(key):
        raise AwsFault(400, "InvalidRequestException", "inputFileBucket or inputFileKey is not a valid S3 name")
    try:
        template = ProvisioningTemplate.parse(template_body)
    except TemplateError as error:
        raise AwsFault(400, "InvalidRequestException", f"Invalid template body: {error}") from None
    for _, _, store in _account_stores(call.state, call.account_id):
        for other in store.tasks.values():
            if other.running:
                raise AwsFault(
                    400,
                    "InvalidRequestException",
                    f"Bulk registration task {other.task_id} is still running: "
                    "only one bulk registration task can run at a time per account",
                )
    task = RegistrationTask(
        task_id=str(uuid.uuid4()), template_body=template_body, input_bucket=bucket, input_key=key, role_arn=role_arn
    )
    store = _store(call)
    store.tasks[task.task_id] = task
    worker = _Worker(call.state, call.account_id, call.region, store, task, template)
    threading.Thread(target=worker.run, name=f"iotforge-bulk-registration-{task.task_id}", daemon=True).start()
    return json_response({"taskId": task.task_id})


def describe_thing_registration_task(call: Call) -> Response:
    return json_response(_task(call, "ResourceNotFoundException", 404).describe())


def list_thing_registration_tasks(call: Call) -> Response:
    status = call.request.args.get("status")
    if status is not None and status not in STATUSES:
        raise AwsFault(400, "InvalidRequestException", f"status must be one of {', '.join(STATUSES)}")
    tasks = sorted(_store(call).tasks.values(), key=lambda task: task.created)
    task_ids = [task.task_id for task in tasks if status is None or task.status == status]
    page, next_token = _page(call, task_ids)
    return json_response(_without_none({"taskIds": page, "nextToken": next_token}))


def stop_thing_registration_task(call: Call) -> Response:
    task = _task(call, "ResourceNotFoundException", 404)
    if task.status == IN_PROGRESS:
        task.finish(CANCELLING)
    elif task.status in (COMPLETED, FAILED):
        raise AwsFault(400, "InvalidRequestException", f"Task {task.task_id} has already ended ({task.status})")
    return json_response({})


def list_thing_registration_task_reports(call: Call) -> Response:
    task = _task(call, "InvalidRequestException", 400)
    report_type = call.request.args.get("reportType")
    if report_type not in REPORT_TYPES:
        raise AwsFault(400, "InvalidRequestException", "reportType must be RESULTS or ERRORS")
    keys, next_token = _page(call, task.report_keys[report_type])
    presigner = _presigner(call)
    links = [
        presigner.generate_presigned_url(
            "get_object", Params={"Bucket": task.input_bucket, "Key": key}, ExpiresIn=REPORT_URL_LIFETIME
        )
        for key in keys
    ]
    return json_response(_without_none({"resourceLinks": links, "reportType": report_type, "nextToken": next_token}))


ROUTES = (
    Route("iot", "POST", "/thing-registration-tasks", start_thing_registration_task),
    Route("iot", "GET", "/thing-registration-tasks", list_thing_registration_tasks),
    Route("iot", "GET", "/thing-registration-tasks/{taskId}", describe_thing_registration_task),
    Route("iot", "PUT", "/thing-registration-tasks/{taskId}/cancel", stop_thing_registration_task),
    Route("iot", "GET", "/thing-registration-tasks/{taskId}/reports", list_thing_registration_task_reports),
)


@dataclass
class _Worker:
    """Runs one task on its own thread, taking the moto lock one line at a time."""

    state: EmulatorState
    account_id: str
    region: str
    store: BulkRegistrationStore
    task: RegistrationTask
    template: ProvisioningTemplate
    reports: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind in REPORT_TYPES})

    def run(self) -> None:
        try:
            self._run()
        except Exception as error:  # a defect of ours must not leave the account's task slot taken
            with self.state.moto_lock:
                if self._live() and self.task.running:
                    self.task.finish(FAILED, f"Internal failure: {error!r}")

    def _run(self) -> None:
        with self.state.moto_lock:
            if not self._live():
                return
            try:
                data = self._read_input()
            except _InputUnreadable as error:
                self.task.finish(FAILED, str(error))
                return
        lines = list(_lines(data))
        pseudo = {"AWS::AccountId": self.account_id, "AWS::Region": self.region}
        done = 0
        while done < len(lines):
            with self.state.moto_lock:
                if not self._live():
                    return
                if self.task.status == CANCELLING:
                    break
                slice_ends = time.monotonic() + LOCK_SLICE_SECONDS
                while done < len(lines) and time.monotonic() < slice_ends:
                    number, offset, text = lines[done]
                    self._record(number, offset, self._render(text, pseudo))
                    done += 1
                self.task.percentage_progress = 100 * done // len(lines)
                self.task.modified = time.time()
            # Hand the lock to any request thread waiting for it before taking it again.
            time.sleep(0)
        with self.state.moto_lock:
            if self._live():
                self._finish()

    def _live(self) -> bool:
        """False once an emulator reset has replaced this task's store: the task is gone."""
        return self.state.store(BulkRegistrationStore, self.account_id, self.region) is self.store

    def _read_input(self) -> bytes:
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition

        location = f"s3://{self.task.input_bucket}/{self.task.input_key}"
        try:
            found = s3_backends[self.account_id][get_partition(self.region)].get_object(
                self.task.input_bucket, self.task.input_key
            )
        except Exception as error:
            reason = getattr(error, "message", None) or str(error)
            raise _InputUnreadable(f"Unable to read the input file {location}: {reason}") from None
        if found is None:
            raise _InputUnreadable(f"Unable to read the input file {location}: The specified key does not exist.")
        return bytes(found.value)

    def _render(self, text: str, pseudo: dict[str, str]) -> list[Resource] | str:
        """The line's resources, or why the line cannot be registered."""
        try:
            values = json.loads(text)
        except ValueError:
            return "The line is not a valid JSON object."
        if not isinstance(values, dict):
            return "The line is not a JSON object."
        try:
            return list(self.template.render(values, pseudo))
        except TemplateError as error:
            return f"Invalid template: {error}"

    def _record(self, number: int, offset: int, outcome: list[Resource] | str) -> None:
        from moto.iot.models import iot_backends

        if isinstance(outcome, str):
            self._failed(number, offset, "InvalidRequestException", outcome)
            return
        try:
            registered = register(iot_backends[self.account_id][self.region], outcome)
        except RegistrationFailure as failure:
            reason = f"Register thing workflow execution terminates due to: {failure.message}"
            self._failed(number, offset, failure.code, reason)
            return
        response: dict[str, Any] = {"ResourceArns": registered.resource_arns}
        if registered.certificate_pem is not None:
            response["CertificatePem"] = registered.certificate_pem
        self.reports["RESULTS"].append(_report_line(number, offset, None, response))
        self.task.success_count += 1

    def _failed(self, number: int, offset: int, code: str, reason: str) -> None:
        self.reports["ERRORS"].append(_report_line(number, offset, _aws_error_message(code, reason), None))
        self.task.failure_count += 1

    def _finish(self) -> None:
        try:
            self._write_reports()
        except Exception as error:
            reason = getattr(error, "message", None) or str(error)
            self.task.finish(FAILED, f"Unable to write the task reports to s3://{self.task.input_bucket}: {reason}")
            return
        if self.task.status == CANCELLING:
            self.task.finish(CANCELLED)
        else:
            self.task.percentage_progress = 100
            self.task.finish(COMPLETED)

    def _write_reports(self) -> None:
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition

        s3 = s3_backends[self.account_id][get_partition(self.region)]
        for report_type, entries in self.reports.items():
            for index, start in enumerate(range(0, len(entries), REPORT_LINES_PER_FILE), start=1):
                key = f"thing-registration-tasks/{self.task.task_id}/{report_type}/{self.task.task_id}-{index}"
                chunk = entries[start : start + REPORT_LINES_PER_FILE]
                s3.put_object(self.task.input_bucket, key, ("\n".join(chunk) + "\n").encode())
                self.task.report_keys[report_type].append(key)


class _InputUnreadable(Exception):
    pass


def _lines(data: bytes) -> Iterator[tuple[int, int, str]]:
    """(line number from 0, byte offset, text) for each non-blank line of a JSON-lines file."""
    offset = 0
    for number, raw in enumerate(data.split(b"\n")):
        text = raw.decode("utf-8", errors="replace").strip()
        if text:
            yield number, offset, text
        offset += len(raw) + 1


def _report_line(number: int, offset: int, error_message: str | None, response: dict[str, Any] | None) -> str:
    return json.dumps({"errorMessage": error_message, "lineNumber": number, "offset": offset, "response": response})


def _aws_error_message(code: str, message: str) -> str:
    """An error report line's message, in the Java SDK form AWS's bulk registration writes."""
    return (
        f"com.amazonaws.services.iot.model.{code}: {message} (Service: AWSIot; Status Code: 400; "
        f"Error Code: {code}; Request ID: {uuid.uuid4()}; Proxy: null)"
    )


def _account_stores(state: EmulatorState, account_id: str) -> list[tuple[str, str, BulkRegistrationStore]]:
    return [entry for entry in state.stores_of(BulkRegistrationStore) if entry[0] == account_id]


def _task(call: Call, missing_code: str, missing_status: int) -> RegistrationTask:
    task = _store(call).tasks.get(call.params["taskId"])
    if task is None:
        raise AwsFault(missing_status, missing_code, f"Thing registration task {call.params['taskId']} does not exist")
    return task


def _required_text(body: dict[str, Any], name: str, shortest: int, longest: int) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise AwsFault(400, "InvalidRequestException", f"{name} is required")
    if not shortest <= len(value) <= longest:
        raise AwsFault(400, "InvalidRequestException", f"{name} must be {shortest} to {longest} characters long")
    return value


def _page(call: Call, items: list[str]) -> tuple[list[str], str | None]:
    raw_limit = call.request.args.get("maxResults", str(MAX_RESULTS))
    raw_start = call.request.args.get("nextToken", "0")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_RESULTS:
        raise AwsFault(400, "InvalidRequestException", f"maxResults must be between 1 and {MAX_RESULTS}")
    if not raw_start.isdigit():
        raise AwsFault(400, "InvalidRequestException", "The nextToken is not valid")
    start, limit = int(raw_start), int(raw_limit)
    end = start + limit
    return items[start:end], (str(end) if end < len(items) else None)


def _presigner(call: Call) -> Any:
    import boto3
    from botocore.config import Config

    from iotforge.emulator.server import EMULATOR_ACCESS_KEY_ID, EMULATOR_SECRET_ACCESS_KEY

    base_url = call.request.host_url.rstrip("/")
    store = _store(call)
    if base_url not in store.presigners:
        store.presigners[base_url] = boto3.session.Session().client(
            "s3",
            endpoint_url=base_url,
            region_name=call.region,
            aws_access_key_id=EMULATOR_ACCESS_KEY_ID,
            aws_secret_access_key=EMULATOR_SECRET_ACCESS_KEY,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )
    return store.presigners[base_url]


def _without_none(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if value is not None}
