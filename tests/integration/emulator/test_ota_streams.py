"""Streams: create, describe, update, list and delete, as the IoT API shapes them."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.support.emulator import EmulatorHandle

ROLE = "arn:aws:iam::123456789012:role/stream-role"
FILES = [{"fileId": 0, "s3Location": {"bucket": "fw-images", "key": "a.bin"}}]


def test_stream_lifecycle(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    created = iot.create_stream(
        streamId="first", description="one", files=FILES, roleArn=ROLE, tags=[{"Key": "k", "Value": "v"}]
    )
    assert (created["streamId"], created["streamVersion"]) == ("first", 1)
    assert created["streamArn"] == "arn:aws:iot:us-east-1:123456789012:stream/first"
    iot.create_stream(streamId="second", files=FILES, roleArn=ROLE)

    info = iot.describe_stream(streamId="first")["streamInfo"]
    assert (info["description"], info["files"], info["roleArn"], info["streamVersion"]) == ("one", FILES, ROLE, 1)
    assert {"createdAt", "lastUpdatedAt"} <= info.keys()
    updated = iot.update_stream(
        streamId="first",
        description="two",
        files=[*FILES, {"fileId": 1, "s3Location": {"bucket": "fw-images", "key": "b.bin"}}],
    )
    assert (updated["description"], updated["streamVersion"]) == ("two", 2)
    assert len(iot.describe_stream(streamId="first")["streamInfo"]["files"]) == 2
    assert [s["streamId"] for s in iot.list_streams(ascendingOrder=True)["streams"]] == ["first", "second"]
    assert [s["streamId"] for s in iot.list_streams()["streams"]] == ["second", "first"]
    page = iot.list_streams(ascendingOrder=True, maxResults=1)
    assert [s["streamId"] for s in iot.list_streams(ascendingOrder=True, nextToken=page["nextToken"])["streams"]] == [
        "second"
    ]
    assert iot.list_tags_for_resource(resourceArn=created["streamArn"])["tags"] == [{"Key": "k", "Value": "v"}]

    with pytest.raises(ClientError) as raised:
        iot.create_stream(streamId="first", files=FILES, roleArn=ROLE)
    assert raised.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as raised:
        iot.create_stream(streamId="twins", files=FILES * 2, roleArn=ROLE)
    assert raised.value.response["Error"]["Code"] == "InvalidRequestException"
    iot.delete_stream(streamId="first")
    for call in (iot.describe_stream, iot.delete_stream):
        with pytest.raises(ClientError) as raised:
            call(streamId="first")
        assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
