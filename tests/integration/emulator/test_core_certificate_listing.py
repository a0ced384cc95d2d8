"""ListCertificates like AWS: newest first unless ascendingOrder, pages of pageSize (default 25), nextMarker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from iotforge.crypto import build_csr, generate_private_key
from iotforge.settings import Settings
from iotforge.wiring import Wiring
from tests.support.emulator import EmulatorHandle
from tests.support.fleet import all_pages

COUNT = 30  # more than AWS's default page of 25


def make_certificates(iot: Any, count: int = COUNT) -> list[str]:
    """`count` certificate ids, oldest first (one key: each certificate still gets its own serial and id)."""
    csr = build_csr(generate_private_key("ec-p256"), "listing").decode()
    return [
        iot.create_certificate_from_csr(certificateSigningRequest=csr, setAsActive=False)["certificateId"]
        for _ in range(count)
    ]


def created(iot: Any, certificate_id: str) -> datetime:
    date: datetime = iot.describe_certificate(certificateId=certificate_id)["certificateDescription"]["creationDate"]
    return date


def ids(certificates: list[dict[str, Any]]) -> list[str]:
    return [certificate["certificateId"] for certificate in certificates]


def test_the_first_page_holds_the_25_newest_and_a_marker(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    made = make_certificates(iot)

    first = iot.list_certificates()
    assert ids(first["certificates"]) == made[::-1][:25]
    assert first["nextMarker"]
    rest = iot.list_certificates(marker=first["nextMarker"])
    assert ids(rest["certificates"]) == made[::-1][25:]
    assert "nextMarker" not in rest


def test_ascending_order_lists_the_oldest_first(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    made = make_certificates(iot, 5)
    assert ids(iot.list_certificates(ascendingOrder=True)["certificates"]) == made
    assert ids(iot.list_certificates(ascendingOrder=False)["certificates"]) == made[::-1]


@pytest.mark.parametrize("ascending", [True, False], ids=["ascending", "descending"])
def test_the_paginator_visits_every_certificate_once(emulator: EmulatorHandle, ascending: bool) -> None:
    iot = emulator.client("iot")
    made = make_certificates(iot)
    pages = list(
        iot.get_paginator("list_certificates").paginate(ascendingOrder=ascending, PaginationConfig={"PageSize": 7})
    )
    assert [len(page["certificates"]) for page in pages] == [7, 7, 7, 7, 2]
    assert [certificate for page in pages for certificate in ids(page["certificates"])] == (
        made if ascending else made[::-1]
    )


def test_a_page_that_ends_exactly_at_the_last_certificate_has_no_marker(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    make_certificates(iot, 4)
    assert "nextMarker" not in iot.list_certificates(pageSize=4)
    assert iot.list_certificates()["certificates"] == iot.list_certificates(pageSize=250)["certificates"]
    assert iot.list_certificates(pageSize=5)["certificates"] == iot.list_certificates()["certificates"]


def test_changes_between_pages_repeat_or_skip_no_other_certificate(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    made = make_certificates(iot, 10)
    first = iot.list_certificates(pageSize=4, ascendingOrder=True)
    assert ids(first["certificates"]) == made[:4]
    # The marker's own certificate and one not yet listed go; a newer one arrives.
    iot.delete_certificate(certificateId=made[3])
    iot.delete_certificate(certificateId=made[6])
    newer = make_certificates(iot, 1)
    rest = all_pages(iot, "list_certificates", "certificates", ascendingOrder=True, marker=first["nextMarker"])
    assert ids(rest) == [*made[4:6], *made[7:], *newer]


@pytest.mark.parametrize(
    "arguments",
    [{"pageSize": 251}, {"marker": "bm90IGEgbWFya2Vy"}, {"marker": "not base64!"}],
    ids=["page size above 250", "marker that names nothing", "marker that is not base64"],
)
def test_bad_page_size_or_marker_is_invalid_request(emulator: EmulatorHandle, arguments: dict[str, Any]) -> None:
    iot = emulator.client("iot")
    make_certificates(iot, 2)
    with pytest.raises(ClientError) as caught:
        iot.list_certificates(**arguments)
    assert caught.value.response["Error"]["Code"] == "InvalidRequestException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def _wiring(emulator: EmulatorHandle) -> Wiring:
    env = emulator.env
    settings = Settings(endpoint_url=emulator.url, region="us-east-1", max_attempts=2)
    return Wiring(settings, (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]))


def test_iotforge_gateways_page_through_every_certificate(emulator: EmulatorHandle) -> None:
    """What iotforge itself reads: listings, counts and the recent certificates a rerun adopts."""
    wiring = _wiring(emulator)
    made = make_certificates(emulator.client("iot"))
    inventory = wiring.inventory

    assert sorted(item.name for item in inventory.list_resources("certificates")) == sorted(made)
    assert inventory.count_resources()["certificates"] == COUNT
    recent = inventory.certificates_created_since(datetime.now(UTC) - timedelta(hours=1))
    assert [summary.certificate_id for summary in recent] == made[::-1]
    assert inventory.certificates_created_since(datetime.now(UTC) + timedelta(hours=1)) == []


def test_recent_certificates_are_read_from_the_newest_pages_only(emulator: EmulatorHandle) -> None:
    """60 certificates (or a few more), newest first in pages of 25: the newest 25 need two pages, not three.

    The first page holds exactly the 25 made since `since`; the second reaches back before it, so
    nothing older can follow and the third page is never asked for. Requests are counted on the
    wire, by botocore's before-send event on the client iotforge's gateway uses.
    """
    iot = emulator.client("iot")
    older = make_certificates(iot, 35)
    newer = make_certificates(iot, 1)
    # Dates are served in milliseconds: the first newer certificate must be strictly newer than the rest.
    while created(iot, newer[0]) <= created(iot, older[-1]):
        older, newer = [*older, *newer], make_certificates(iot, 1)
    newer += make_certificates(iot, 24)
    since = created(iot, newer[0])
    wiring = _wiring(emulator)
    inventory = wiring.inventory
    sent: list[str] = []
    wiring.aws.client("iot").meta.events.register(
        "before-send.iot.ListCertificates", lambda request, **_: sent.append(request.url)
    )

    recent = inventory.certificates_created_since(since)
    assert [summary.certificate_id for summary in recent] == newer[::-1]
    assert len(sent) == 2, sent
    assert "marker=" not in sent[0]
    assert "marker=" in sent[1]

    sent.clear()
    assert inventory.certificates_created_since(since + timedelta(days=1)) == []
    assert len(sent) == 1, sent

    sent.clear()
    every = inventory.certificates_created_since(since - timedelta(days=1))
    assert [summary.certificate_id for summary in every] == [*newer[::-1], *older[::-1]]
    assert len(sent) == 3, sent
