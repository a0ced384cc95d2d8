"""An in-memory stand-in for the AWS IoT Jobs data plane, for broker-free and emulator-free device tests.

`FakeJobsService.http(identity)` answers like the `iot-jobs-data` API; `FakeJobsService.mqtt_link(thing)`
answers Jobs MQTT requests on the reply topics AWS uses, with the job document as a JSON object.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from iotforge.device.models import DeviceIdentity, JobExecution, PendingJobs
from iotforge.device.transport import TransportError

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "REJECTED", "CANCELED", "TIMED_OUT", "REMOVED"})


@dataclass
class FakeExecution:
    job_id: str
    document: dict[str, Any]
    status: str = "QUEUED"
    details: dict[str, str] = field(default_factory=dict)
    version: int = 1
    history: list[tuple[str, dict[str, str]]] = field(default_factory=list)


class FakeJobsService:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.executions: dict[str, list[FakeExecution]] = {}
        self.threads: set[str] = set()
        self.calls = 0
        self.on_call: Callable[[int], None] | None = None  # called with the call count: stop or break a run

    def add_job(self, job_id: str, things: list[str], document: dict[str, Any]) -> None:
        with self.lock:
            for thing in things:
                self.executions.setdefault(thing, []).append(FakeExecution(job_id, document))

    def execution(self, thing: str, job_id: str) -> FakeExecution:
        return next(e for e in self.executions.get(thing, []) if e.job_id == job_id)

    def cancel(self, job_id: str) -> None:
        with self.lock:
            for executions in self.executions.values():
                for execution in executions:
                    if execution.job_id == job_id and execution.status not in TERMINAL:
                        execution.status = "CANCELED"

    # the data-plane operations, as plain dictionaries ----------------------------------------------

    def _seen(self) -> None:
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        if self.on_call is not None:
            self.on_call(self.calls)

    def pending(self, thing: str) -> dict[str, Any]:
        with self.lock:
            self._seen()
            live = [e for e in self.executions.get(thing, []) if e.status in ("QUEUED", "IN_PROGRESS")]
            return {
                "inProgressJobs": [{"jobId": e.job_id} for e in live if e.status == "IN_PROGRESS"],
                "queuedJobs": [{"jobId": e.job_id} for e in live if e.status == "QUEUED"],
            }

    def start_next(self, thing: str, details: Mapping[str, str] | None) -> dict[str, Any]:
        with self.lock:
            self._seen()
            live = [e for e in self.executions.get(thing, []) if e.status in ("QUEUED", "IN_PROGRESS")]
            if not live:
                return {}
            execution = sorted(live, key=lambda e: e.status != "IN_PROGRESS")[0]
            if execution.status == "QUEUED":
                self._move(execution, "IN_PROGRESS", details)
            return {"execution": self._wire(thing, execution)}

    def update(self, thing: str, job_id: str, status: str, details: Mapping[str, str] | None) -> dict[str, Any]:
        with self.lock:
            self._seen()
            matches = [e for e in self.executions.get(thing, []) if e.job_id == job_id]
            if not matches:
                raise TransportError("ResourceNotFoundException", f"no execution of {job_id} on {thing}")
            if matches[0].status in TERMINAL:
                raise TransportError("InvalidStateTransitionException", f"the execution is {matches[0].status}")
            self._move(matches[0], status, details)
            return {}

    def _move(self, execution: FakeExecution, status: str, details: Mapping[str, str] | None) -> None:
        execution.status = status
        execution.details = dict(details or execution.details)
        execution.version += 1
        execution.history.append((status, dict(execution.details)))

    def _wire(self, thing: str, execution: FakeExecution) -> dict[str, Any]:
        return {
            "jobId": execution.job_id,
            "thingName": thing,
            "status": execution.status,
            "versionNumber": execution.version,
            "executionNumber": 1,
            "jobDocument": execution.document,
        }

    # transports --------------------------------------------------------------------------------------

    def http(self, identity: DeviceIdentity) -> FakeHttpTransport:
        return FakeHttpTransport(self, identity.thing_name)

    def mqtt_link(self, thing: str) -> FakeMqttLink:
        return FakeMqttLink(self, thing)


class FakeHttpTransport:
    """Answers as JobsHttpTransport would after parsing the HTTP API (the document a JSON string)."""

    def __init__(self, service: FakeJobsService, thing: str) -> None:
        self.service, self.thing, self.closed = service, thing, False

    def get_pending(self) -> PendingJobs:
        from iotforge.device.transport import pending_from_wire

        return pending_from_wire(self.service.pending(self.thing))

    def start_next(self, status_details: Mapping[str, str] | None = None) -> JobExecution | None:
        from iotforge.device.transport import execution_from_wire

        found = self.service.start_next(self.thing, status_details).get("execution")
        if not found:
            return None
        return execution_from_wire({**found, "jobDocument": json.dumps(found["jobDocument"])})

    def describe(self, job_id: str) -> JobExecution:
        from iotforge.device.transport import execution_from_wire

        with self.service.lock:
            return execution_from_wire(self.service._wire(self.thing, self.service.execution(self.thing, job_id)))

    def update(self, job_id: str, status: str, status_details: Mapping[str, str] | None = None) -> None:
        self.service.update(self.thing, job_id, status, status_details)

    def close(self) -> None:
        self.closed = True


class FakeMqttLink:
    """Routes Jobs MQTT requests to the service; replies on `<request topic>/accepted|rejected` like AWS."""

    def __init__(self, service: FakeJobsService, thing: str) -> None:
        self.service, self.thing = service, thing
        self.published: list[tuple[str, dict[str, Any]]] = []
        self.closed = False

    def exchange(self, topic: str, payload: bytes, client_token: str, timeout: float) -> tuple[str, bytes]:
        request = json.loads(payload)
        self.published.append((topic, request))
        assert request["clientToken"] == client_token
        prefix = f"$aws/things/{self.thing}/jobs/"
        assert topic.startswith(prefix), topic
        path = topic[len(prefix) :].split("/")
        try:
            if path == ["get"]:
                body = self.service.pending(self.thing)
            elif path == ["start-next"]:
                body = self.service.start_next(self.thing, request.get("statusDetails"))
            elif path[1:] == ["get"]:
                with self.service.lock:
                    body = {"execution": self.service._wire(self.thing, self.service.execution(self.thing, path[0]))}
            elif path[1:] == ["update"]:
                body = self.service.update(self.thing, path[0], request["status"], request.get("statusDetails"))
            else:
                raise AssertionError(f"unexpected topic {topic}")
        except TransportError as error:
            rejected = {"code": error.code, "message": error.message, "clientToken": client_token}
            return f"{topic}/rejected", json.dumps(rejected).encode()
        return f"{topic}/accepted", json.dumps({**body, "clientToken": client_token, "timestamp": 1}).encode()

    def close(self) -> None:
        self.closed = True
