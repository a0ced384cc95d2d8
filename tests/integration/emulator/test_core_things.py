"""CreateThing on an existing name: the same thing when nothing differs, a conflict otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.emulator import EmulatorHandle


def test_identical_create_thing_returns_the_existing_thing(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    iot.create_thing_type(thingTypeName="sensor")
    request: dict[str, Any] = {
        "thingName": "kitchen",
        "thingTypeName": "sensor",
        "attributePayload": {"attributes": {"floor": "1"}},
    }
    first = iot.create_thing(**request)
    again = iot.create_thing(**request)
    assert (again["thingArn"], again["thingId"]) == (first["thingArn"], first["thingId"])
    assert iot.describe_thing(thingName="kitchen")["thingId"] == first["thingId"]
    assert [t["thingName"] for t in iot.list_things()["things"]] == ["kitchen"]


def test_identical_bare_create_thing_is_idempotent(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    first = iot.create_thing(thingName="bare")
    assert iot.create_thing(thingName="bare", attributePayload={"attributes": {}})["thingId"] == first["thingId"]


@pytest.mark.parametrize(
    "change",
    [
        {"attributePayload": {"attributes": {"floor": "2"}}},
        {"attributePayload": {"attributes": {"floor": "1", "room": "b"}}},
        {"thingTypeName": "camera"},
        {"thingTypeName": None},
    ],
    ids=["attribute-value", "extra-attribute", "other-type", "no-type"],
)
def test_create_thing_with_different_configuration_conflicts(emulator: EmulatorHandle, change: dict[str, Any]) -> None:
    iot = emulator.client("iot")
    for thing_type in ("sensor", "camera"):
        iot.create_thing_type(thingTypeName=thing_type)
    request: dict[str, Any] = {
        "thingName": "hall",
        "thingTypeName": "sensor",
        "attributePayload": {"attributes": {"floor": "1"}},
    }
    original = iot.create_thing(**request)
    changed = {key: value for key, value in {**request, **change}.items() if value is not None}

    with pytest.raises(ClientError) as caught:
        iot.create_thing(**changed)

    assert caught.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    described = iot.describe_thing(thingName="hall")
    assert described["thingId"] == original["thingId"]
    assert described["attributes"] == {"floor": "1"}
