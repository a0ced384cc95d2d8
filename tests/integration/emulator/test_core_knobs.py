"""Realism knobs, each seen by a plain boto3 client: latency, AWS quotas, faults, expiry, denials."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.emulator import EmulatorHandle

ACCOUNT = "123456789012"
DENIED_BY = f"User: arn:aws:iam::{ACCOUNT}:user/emulator is not authorized to perform: "


def client(emulator: EmulatorHandle, service: str, attempts: int = 1, region: str = "us-east-1") -> Any:
    env = emulator.env
    return boto3.session.Session().client(
        service,
        endpoint_url=emulator.url,
        region_name=region,
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"mode": "standard", "total_max_attempts": attempts}),
    )


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_latency_is_added_to_every_request(emulator: EmulatorHandle) -> None:
    iot = client(emulator, "iot")
    iot.list_things()  # connect first, so only the request itself is timed
    emulator.set_knobs(latency_ms=300)
    started = time.monotonic()
    iot.list_things()
    emulator.client("s3").list_buckets()
    assert time.monotonic() - started >= 0.6


def test_aws_quotas_throttle_a_burst_with_throttling_exception(emulator: EmulatorHandle) -> None:
    emulator.set_knobs(quotas="aws")
    iot = client(emulator, "iot")
    outcomes = []
    for number in range(40):
        try:
            iot.create_thing_type(thingTypeName=f"burst-{number}")
            outcomes.append((200, "ok"))
        except ClientError as error:
            outcomes.append((error.response["ResponseMetadata"]["HTTPStatusCode"], error.response["Error"]["Code"]))
    throttled = [outcome for outcome in outcomes if outcome != (200, "ok")]
    assert throttled, "a burst of 40 CreateThingType over a 15/s quota must be throttled"
    assert set(throttled) == {(429, "ThrottlingException")}
    assert 15 <= outcomes.count((200, "ok")) < 40
    # Other operations, and other regions, have their own buckets.
    assert iot.describe_thing_type(thingTypeName="burst-0")["thingTypeName"] == "burst-0"
    other_region = client(emulator, "iot", region="eu-west-1")
    assert other_region.create_thing_type(thingTypeName="elsewhere")["thingTypeName"] == "elsewhere"


def test_botocore_retries_get_a_throttled_burst_through(emulator: EmulatorHandle) -> None:
    emulator.set_knobs(quotas="aws")
    iot = client(emulator, "iot", attempts=10)
    retried = 0
    for number in range(40):
        response = iot.create_thing_type(thingTypeName=f"retried-{number}")
        retried += response["ResponseMetadata"]["RetryAttempts"]
    assert retried > 0
    assert len(iot.list_thing_types(maxResults=100)["thingTypes"]) == 40


def _fault_pattern(emulator: EmulatorHandle, seed: int) -> list[str]:
    emulator.set_knobs(fault_rate=0.5, seed=seed)
    iot = client(emulator, "iot")
    pattern = []
    for _ in range(30):
        try:
            iot.list_things()
            pattern.append("ok")
        except ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            pattern.append(f"{status} {error.response['Error']['Code']}")
    return pattern


def test_fault_rate_fails_a_seeded_fraction_of_calls(emulator: EmulatorHandle) -> None:
    first = _fault_pattern(emulator, seed=7)
    assert set(first) == {"ok", "500 InternalFailureException"}
    assert 5 <= first.count("ok") <= 25
    assert _fault_pattern(emulator, seed=7) == first
    assert _fault_pattern(emulator, seed=8) != first


def test_faults_use_each_protocols_error_shape(emulator: EmulatorHandle) -> None:
    emulator.set_knobs(fault_rate=1.0, seed=1)
    assert error_of(client(emulator, "s3").list_buckets)[:2] == (500, "InternalError")
    assert error_of(client(emulator, "iam").list_roles)[:2] == (500, "ServiceFailure")


def test_credentials_expire_after_n_signed_calls(emulator: EmulatorHandle) -> None:
    emulator.set_knobs(expire_credentials_after=3)
    iot = client(emulator, "iot")
    for _ in range(3):
        iot.list_things()
    assert error_of(iot.list_things)[:2] == (403, "ExpiredTokenException")
    assert error_of(client(emulator, "sts").get_caller_identity)[:2] == (403, "ExpiredToken")
    assert error_of(client(emulator, "iam").list_roles)[:2] == (403, "ExpiredToken")
    assert error_of(client(emulator, "s3").list_buckets)[:2] == (400, "ExpiredToken")


def test_denied_iot_action_names_the_action_and_resource(emulator: EmulatorHandle) -> None:
    emulator.set_knobs(deny_actions=["iot:CreateThing", "iot:AttachPolicy"])
    iot = client(emulator, "iot")

    status, code, message = error_of(iot.create_thing, thingName="blocked")

    assert (status, code) == (403, "AccessDeniedException")
    assert message == (
        f"{DENIED_BY}iot:CreateThing on resource: arn:aws:iot:us-east-1:{ACCOUNT}:thing/blocked "
        "because no identity-based policy allows the iot:CreateThing action"
    )
    _, _, message = error_of(iot.attach_policy, policyName="device", target="arn:aws:iot:us-east-1:1:cert/x")
    assert f"iot:AttachPolicy on resource: arn:aws:iot:us-east-1:{ACCOUNT}:policy/device " in message
    assert iot.list_things()["things"] == []  # other actions still allowed


def test_denied_actions_of_iam_sts_and_s3(emulator: EmulatorHandle) -> None:
    emulator.set_knobs(deny_actions=["iam:CreateRole", "sts:GetCallerIdentity", "s3:CreateBucket"])

    status, code, message = error_of(
        client(emulator, "iam").create_role, RoleName="uploader", AssumeRolePolicyDocument="{}"
    )
    assert (status, code) == (403, "AccessDenied")
    assert message.startswith(f"{DENIED_BY}iam:CreateRole on resource: arn:aws:iam::{ACCOUNT}:role/uploader ")

    status, code, message = error_of(client(emulator, "sts").get_caller_identity)
    assert (status, code) == (403, "AccessDenied")
    assert message.startswith(f"{DENIED_BY}sts:GetCallerIdentity on resource: ")

    status, code, message = error_of(client(emulator, "s3").create_bucket, Bucket="firmware")
    assert (status, code) == (403, "AccessDenied")
    assert message.startswith(f"{DENIED_BY}s3:CreateBucket on resource: arn:aws:s3:::firmware ")
    assert client(emulator, "s3").list_buckets()["Buckets"] == []


def test_the_emulator_counts_calls_by_operation_until_the_knobs_change(emulator: EmulatorHandle) -> None:
    iot = client(emulator, "iot")
    iot.create_thing(thingName="counted")
    iot.describe_thing(thingName="counted")
    iot.describe_thing(thingName="counted")
    counted = emulator.control("calls")
    assert counted["by_operation"] == {"CreateThing": 1, "DescribeThing": 2}
    assert counted["calls"] == 3
    emulator.set_knobs(latency_ms=0)
    assert emulator.calls_of("DescribeThing") == 0
