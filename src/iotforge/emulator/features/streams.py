"""MQTT-based file streams: CreateStream, DescribeStream, ListStreams, UpdateStream, DeleteStream."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Response

from iotforge.emulator.features.fleet import iot_arn
from iotforge.emulator.features.paging import drop_none, flag, page, with_token
from iotforge.emulator.features.tags import remember_tags
from iotforge.emulator.routes import Call, Route
from iotforge.emulator.wire import AwsFault, json_response

_STREAM_ID = re.compile(r"[a-zA-Z0-9_-]{1,128}")
MAX_FILES = 50


@dataclass
class Stream:
    stream_id: str
    arn: str
    files: list[dict[str, Any]]
    role_arn: str
    description: str | None = None
    version: int = 1
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)

    def summary(self) -> dict[str, Any]:
        return drop_none(
            {
                "streamId": self.stream_id,
                "streamArn": self.arn,
                "streamVersion": self.version,
                "description": self.description,
            }
        )

    def info(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "files": self.files,
            "createdAt": self.created_at,
            "lastUpdatedAt": self.updated_at,
            "roleArn": self.role_arn,
        }


@dataclass
class StreamStore:
    streams: dict[str, Stream] = field(default_factory=dict)

    def get(self, stream_id: str) -> Stream:
        stream = self.streams.get(stream_id)
        if stream is None:
            raise AwsFault(404, "ResourceNotFoundException", f"Stream {stream_id} does not exist")
        return stream

    def add(
        self,
        account_id: str,
        region: str,
        stream_id: str,
        files: Any,
        role_arn: str,
        description: str | None,
    ) -> Stream:
        if not _STREAM_ID.fullmatch(stream_id):
            raise AwsFault(400, "InvalidRequestException", f"Invalid stream id: {stream_id}")
        if stream_id in self.streams:
            raise AwsFault(409, "ResourceAlreadyExistsException", f"Stream {stream_id} already exists")
        stream = Stream(
            stream_id, iot_arn(account_id, region, "stream", stream_id), _checked_files(files), role_arn, description
        )
        self.streams[stream_id] = stream
        return stream


def _checked_files(files: Any) -> list[dict[str, Any]]:
    if not isinstance(files, list) or not 1 <= len(files) <= MAX_FILES:
        raise AwsFault(400, "InvalidRequestException", f"A stream needs between 1 and {MAX_FILES} files")
    ids = [entry.get("fileId", 0) for entry in files]
    if len(set(ids)) != len(ids):
        raise AwsFault(400, "InvalidRequestException", "The file ids of a stream must be unique")
    for entry in files:
        location = entry.get("s3Location") or {}
        if not location.get("bucket") or not location.get("key"):
            raise AwsFault(400, "InvalidRequestException", "Each stream file needs an s3Location with bucket and key")
    return [dict(entry) for entry in files]


def _store(call: Call) -> StreamStore:
    return call.state.store(StreamStore, call.account_id, call.region)


def create_stream(call: Call) -> Response:
    body = call.json()
    role_arn = body.get("roleArn")
    if not role_arn:
        raise AwsFault(400, "InvalidRequestException", "roleArn is required")
    stream = _store(call).add(
        call.account_id, call.region, call.params["streamId"], body.get("files"), role_arn, body.get("description")
    )
    remember_tags(call.state, call.account_id, stream.arn, stream, body.get("tags"))
    return json_response(stream.summary())


def describe_stream(call: Call) -> Response:
    return json_response({"streamInfo": _store(call).get(call.params["streamId"]).info()})


def update_stream(call: Call) -> Response:
    stream = _store(call).get(call.params["streamId"])
    body = call.json()
    if "files" in body:
        stream.files = _checked_files(body["files"])
    if body.get("roleArn"):
        stream.role_arn = body["roleArn"]
    if "description" in body:
        stream.description = body["description"]
    stream.version += 1
    stream.updated_at = time.time()
    return json_response(stream.summary())


def list_streams(call: Call) -> Response:
    streams = sorted(_store(call).streams.values(), key=lambda stream: stream.created_at)
    if not flag(call.request, "isAscendingOrder"):
        streams.reverse()
    items, token = page(streams, call.request)
    return json_response(with_token({"streams": [stream.summary() for stream in items]}, token))


def delete_stream(call: Call) -> Response:
    store = _store(call)
    store.get(call.params["streamId"])
    del store.streams[call.params["streamId"]]
    return json_response({})


ROUTES = (
    Route("iot", "POST", "/streams/{streamId}", create_stream),
    Route("iot", "GET", "/streams/{streamId}", describe_stream),
    Route("iot", "PUT", "/streams/{streamId}", update_stream),
    Route("iot", "DELETE", "/streams/{streamId}", delete_stream),
    Route("iot", "GET", "/streams", list_streams),
)
