"""The shared AWS session's clients, as AWS sees their requests."""

from __future__ import annotations

from typing import Any

import botocore

from iotforge import __version__
from iotforge.aws.session import fixed_user_agent
from iotforge.settings import Settings
from iotforge.wiring import Wiring
from tests.support.emulator import EmulatorHandle


def test_every_request_carries_one_fixed_user_agent_naming_iotforge(emulator: EmulatorHandle) -> None:
    env = emulator.env
    wiring = Wiring(
        Settings(endpoint_url=emulator.url, region="us-east-1"),
        (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]),
    )
    client = wiring.aws.client("iot")
    sent: list[str] = []

    def capture(request: Any, **_: Any) -> None:
        sent.append(
            request.headers["User-Agent"].decode()
            if isinstance(request.headers["User-Agent"], bytes)
            else request.headers["User-Agent"]
        )

    client.meta.events.register("before-send.iot", capture)
    client.create_thing(thingName="ua-probe")
    assert client.list_things()["things"][0]["thingName"] == "ua-probe"
    assert sent == [f"{fixed_user_agent()} Botocore/{botocore.__version__} iotforge/{__version__}"] * 2
    assert wiring.aws.client("iot") is client  # one client per service, shared by every gateway
