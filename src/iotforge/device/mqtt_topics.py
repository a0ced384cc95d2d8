"""The AWS IoT Jobs MQTT API as pure functions: request topics, payloads, and the replies that answer them.

A device publishes to `$aws/things/<thing>/jobs/get`, `.../jobs/start-next`, `.../jobs/<jobId>/get`
or `.../jobs/<jobId>/update`; the service answers on the same topic plus `/accepted` or `/rejected`,
echoing the request's `clientToken` (AWS IoT developer guide, "Jobs device MQTT API operations").
Accepted start-next and describe replies carry the job document as a JSON object.

>>> request_topic("sensor_1", "update", "fw-2")
'$aws/things/sensor_1/jobs/fw-2/update'
>>> reply = parse_reply("sensor_1", "$aws/things/sensor_1/jobs/get/rejected",
...                     b'{"code": "InvalidRequest", "message": "bad", "clientToken": "t1"}')
>>> (reply.operation, reply.accepted, reply.client_token, reply.body["code"])
('get_pending', False, 't1', 'InvalidRequest')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Operation = Literal["get_pending", "start_next", "describe", "update"]
_SUFFIX: dict[Operation, str] = {
    "get_pending": "get",
    "start_next": "start-next",
    "describe": "get",
    "update": "update",
}
_PER_JOB: frozenset[Operation] = frozenset({"describe", "update"})
MAX_CLIENT_TOKEN = 64


def jobs_prefix(thing_name: str) -> str:
    return f"$aws/things/{thing_name}/jobs"


def request_topic(thing_name: str, operation: Operation, job_id: str | None = None) -> str:
    if operation in _PER_JOB:
        if not job_id:
            raise ValueError(f"{operation} needs a job id")
        return f"{jobs_prefix(thing_name)}/{job_id}/{_SUFFIX[operation]}"
    return f"{jobs_prefix(thing_name)}/{_SUFFIX[operation]}"


def subscriptions(thing_name: str) -> tuple[str, ...]:
    """The topic filters that receive every reply to this thing's requests (`+` is accepted|rejected).

    >>> subscriptions("t")[2]
    '$aws/things/t/jobs/+/get/+'
    """
    prefix = jobs_prefix(thing_name)
    return (f"{prefix}/get/+", f"{prefix}/start-next/+", f"{prefix}/+/get/+", f"{prefix}/+/update/+")


def request_payload(operation: Operation, client_token: str, fields: Mapping[str, Any] | None = None) -> bytes:
    """The request's JSON payload: its fields, without None values, plus the client token.

    >>> request_payload("describe", "t1")
    b'{"includeJobDocument": true, "clientToken": "t1"}'
    """
    if not 0 < len(client_token) <= MAX_CLIENT_TOKEN:
        raise ValueError(f"a client token has 1 to {MAX_CLIENT_TOKEN} characters")
    body: dict[str, Any] = {"includeJobDocument": True} if operation == "describe" else {}
    body.update({key: value for key, value in (fields or {}).items() if value is not None})
    body["clientToken"] = client_token
    return json.dumps(body, separators=(", ", ": ")).encode()


def update_fields(status: str, status_details: Mapping[str, str] | None) -> dict[str, Any]:
    return {"status": status, "statusDetails": None if status_details is None else dict(status_details)}


@dataclass(frozen=True)
class Reply:
    operation: Operation
    job_id: str | None
    accepted: bool
    client_token: str | None
    body: Mapping[str, Any]


def parse_reply(thing_name: str, topic: str, payload: bytes) -> Reply | None:
    """The reply a message on `topic` carries, or None when it is not a Jobs reply for this thing."""
    prefix = jobs_prefix(thing_name) + "/"
    if not topic.startswith(prefix):
        return None
    *request, verdict = topic[len(prefix) :].split("/")
    if verdict not in ("accepted", "rejected"):
        return None
    found = _operation(request)
    if found is None:
        return None
    operation, job_id = found
    try:
        body = json.loads(payload or b"{}")
    except ValueError:
        body = {"code": "InvalidJson", "message": "the reply is not JSON"}
    if not isinstance(body, dict):
        body = {}
    token = body.get("clientToken")
    return Reply(operation, job_id, verdict == "accepted", None if token is None else str(token), body)


def _operation(request: list[str]) -> tuple[Operation, str | None] | None:
    if request == ["get"]:
        return "get_pending", None
    if request == ["start-next"]:
        return "start_next", None
    if len(request) == 2 and request[1] in ("get", "update"):
        return ("describe" if request[1] == "get" else "update"), request[0]
    return None
