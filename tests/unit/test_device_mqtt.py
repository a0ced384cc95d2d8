"""The Jobs MQTT mapping, broker-free: topics, payloads, replies, and a fleet over a fake link.

The paho connection itself (PahoLink) needs AWS IoT or a TLS broker and is not exercised here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iotforge.device import DeviceIdentity, SimulationOptions, simulate_fleet
from iotforge.device.mqtt_topics import parse_reply, request_payload, request_topic, subscriptions
from iotforge.device.mqtt_transport import JobsMqttTransport
from iotforge.device.transport import TransportError
from tests.support.fake_jobs import FakeJobsService, FakeMqttLink


def test_request_topics_follow_the_aws_jobs_mqtt_api() -> None:
    assert request_topic("s_1", "get_pending") == "$aws/things/s_1/jobs/get"
    assert request_topic("s_1", "start_next") == "$aws/things/s_1/jobs/start-next"
    assert request_topic("s_1", "describe", "fw-1") == "$aws/things/s_1/jobs/fw-1/get"
    assert request_topic("s_1", "update", "fw-1") == "$aws/things/s_1/jobs/fw-1/update"
    with pytest.raises(ValueError, match="job id"):
        request_topic("s_1", "update")
    assert subscriptions("s_1") == (
        "$aws/things/s_1/jobs/get/+",
        "$aws/things/s_1/jobs/start-next/+",
        "$aws/things/s_1/jobs/+/get/+",
        "$aws/things/s_1/jobs/+/update/+",
    )


def test_payloads_drop_unset_fields_and_carry_the_client_token() -> None:
    payload = json.loads(request_payload("update", "tok", {"status": "FAILED", "statusDetails": None}))
    assert payload == {"status": "FAILED", "clientToken": "tok"}
    assert json.loads(request_payload("describe", "tok")) == {"includeJobDocument": True, "clientToken": "tok"}
    with pytest.raises(ValueError, match="client token"):
        request_payload("get_pending", "x" * 65)


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("$aws/things/t/jobs/get/accepted", ("get_pending", None, True)),
        ("$aws/things/t/jobs/start-next/rejected", ("start_next", None, False)),
        ("$aws/things/t/jobs/fw-1/get/accepted", ("describe", "fw-1", True)),
        ("$aws/things/t/jobs/fw-1/update/rejected", ("update", "fw-1", False)),
    ],
)
def test_replies_are_recognised_by_topic(topic: str, expected: tuple[str, str | None, bool]) -> None:
    reply = parse_reply("t", topic, b'{"clientToken": "c"}')
    assert reply is not None
    assert (reply.operation, reply.job_id, reply.accepted) == expected
    assert reply.client_token == "c"


def test_other_topics_are_not_replies() -> None:
    assert parse_reply("t", "$aws/things/other/jobs/get/accepted", b"{}") is None
    assert parse_reply("t", "$aws/things/t/jobs/notify-next", b"{}") is None
    assert parse_reply("t", "$aws/things/t/jobs/get", b"{}") is None
    assert parse_reply("t", "$aws/things/t/jobs/a/b/c/accepted", b"{}") is None


def test_the_transport_maps_requests_and_replies_both_ways() -> None:
    service = FakeJobsService()
    service.add_job("fw-1", ["t"], {"url": "https://s3/fw", "size": 3})
    link = FakeMqttLink(service, "t")
    transport = JobsMqttTransport(link, "t")

    assert transport.get_pending().queued == ("fw-1",)
    execution = transport.start_next({"step": "accepted"})
    assert execution is not None
    assert (execution.job_id, execution.status) == ("fw-1", "IN_PROGRESS")
    assert execution.document == {"url": "https://s3/fw", "size": 3}  # MQTT sends the document as an object
    transport.update("fw-1", "SUCCEEDED", {"step": "done"})
    assert transport.describe("fw-1").status == "SUCCEEDED"
    with pytest.raises(TransportError) as rejected:
        transport.update("fw-1", "FAILED")
    assert rejected.value.code == "InvalidStateTransition"
    assert rejected.value.execution_gone
    assert transport.start_next() is None
    topics = [topic for topic, _ in link.published]
    assert topics[:3] == ["$aws/things/t/jobs/get", "$aws/things/t/jobs/start-next", "$aws/things/t/jobs/fw-1/update"]
    assert link.published[2][1]["statusDetails"] == {"step": "done"}
    transport.close()
    assert link.closed


def test_a_fleet_runs_over_mqtt_transports() -> None:
    service = FakeJobsService()
    names = [f"m_{n}" for n in range(20)]
    service.add_job("reboot", names, {"operation": "reboot"})
    devices = [DeviceIdentity(name, Path("c"), Path("k")) for name in names]

    def mqtt(identity: DeviceIdentity) -> JobsMqttTransport:
        return JobsMqttTransport(FakeMqttLink(service, identity.thing_name), identity.thing_name)

    report = simulate_fleet(devices, mqtt, SimulationOptions(poll_interval=0.01, fail_rate=0.5, seed=1))
    assert report.jobs == {"SUCCEEDED": 10, "FAILED": 10, "CANCELED": 0}
