"""The shared AWS session, its clients and the one rate limiter, as AWS (the emulator) sees their requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore
import pytest

from iotforge import __version__
from iotforge.aws.audit_reads import IotAuditReads
from iotforge.aws.session import fixed_user_agent
from iotforge.limits import AWS_IOT_RATES
from iotforge.local.project import create_project_folder
from iotforge.settings import Settings
from iotforge.wiring import Wiring
from iotforge.workflows.provisioning import AddThingsRequest, add_things
from iotforge.workflows.rate_limit import AdaptiveRateLimiter
from tests.support.clock import FakeClock
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


def _wiring(emulator: EmulatorHandle, rate_scale: float) -> Wiring:
    env = emulator.env
    settings = Settings(endpoint_url=emulator.url, region="us-east-1", rate_scale=rate_scale)
    return Wiring(settings, (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]))


def _provision(wiring: Wiring, root: Path, count: int) -> None:
    create_project_folder(root, "zerynth-python", {"endpoint": "e.example"})
    request = AddThingsRequest(count=count, base_name="dev", concurrency=8)
    result = add_things(wiring.project(root), wiring.iot, wiring.account(), request)
    assert len(result.things) == count


def test_every_iot_gateway_shares_one_limiter_at_the_scaled_aws_rates(emulator: EmulatorHandle) -> None:
    wiring = _wiring(emulator, rate_scale=2)
    limiter = wiring.limiter
    assert limiter.rates["AttachPolicy"] == 2 * AWS_IOT_RATES["AttachPolicy"]
    assert {id(gateway._limiter) for gateway in (wiring.iot, wiring.inventory, wiring.ota)} == {id(limiter)}
    assert _wiring(emulator, rate_scale=0).limiter.rates == {}


@pytest.mark.parametrize(("rate_scale", "throttled"), [(1, False), (4, True)])
def test_pacing_above_the_accounts_quotas_gets_throttled_and_slows_down(
    emulator: EmulatorHandle, tmp_path: Path, rate_scale: float, throttled: bool
) -> None:
    """The emulator enforces AWS's default quotas: at them nothing is throttled; at 4x AWS throttles and we adapt."""
    emulator.set_knobs(quotas="aws")
    wiring = _wiring(emulator, rate_scale)
    _provision(wiring, tmp_path / "p", 30)
    paced = rate_scale * AWS_IOT_RATES["CreateCertificateFromCsr"]
    assert (wiring.limiter.current_rate("CreateCertificateFromCsr") < paced) is throttled
    assert len(emulator.client("iot").list_things()["things"]) == 30


@pytest.mark.parametrize(("things", "pages"), [(0, 1), (3, 1), (50, 1), (51, 2), (120, 3)])  # 50 things a page
def test_a_listing_takes_one_token_per_page_it_requests(emulator: EmulatorHandle, things: int, pages: int) -> None:
    iot = emulator.client("iot")
    for number in range(things):
        iot.create_thing(thingName=f"listed-{number}")
    clock = FakeClock()
    # One token a second: the seconds the limiter waited are the tokens taken after the first.
    limiter = AdaptiveRateLimiter({"ListThings": 1.0}, clock=clock, sleep=clock.sleep)
    wiring = _wiring(emulator, rate_scale=1)
    reads = IotAuditReads(wiring.aws, limiter)
    emulator.set_knobs(latency_ms=0)  # restart the emulator's call counts
    assert len(reads.thing_names()) == things
    assert emulator.calls_of("ListThings") == pages
    assert round(clock.now) == pages - 1
