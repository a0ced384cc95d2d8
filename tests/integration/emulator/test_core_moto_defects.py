"""moto defects the emulator fixes: certificate and thing group deletes, S3 bucket names, presigned URL expiry."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.emulator import EmulatorHandle

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}]})


def test_force_delete_certificate_detaches_its_policies(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    iot.create_policy(policyName="device", policyDocument=POLICY)
    doomed = iot.create_keys_and_certificate(setAsActive=False)
    kept = iot.create_keys_and_certificate(setAsActive=False)
    iot.attach_policy(policyName="device", target=doomed["certificateArn"])
    iot.attach_policy(policyName="device", target=kept["certificateArn"])

    iot.delete_certificate(certificateId=doomed["certificateId"], forceDelete=True)

    assert iot.list_targets_for_policy(policyName="device")["targets"] == [kept["certificateArn"]]
    iot.detach_policy(policyName="device", target=kept["certificateArn"])
    iot.delete_certificate(certificateId=kept["certificateId"])
    iot.delete_policy(policyName="device")
    assert iot.list_policies()["policies"] == []
    assert iot.list_certificates()["certificates"] == []


def test_delete_certificate_without_force_still_refuses_attached_policies(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    iot.create_policy(policyName="device", policyDocument=POLICY)
    certificate = iot.create_keys_and_certificate(setAsActive=False)
    iot.attach_policy(policyName="device", target=certificate["certificateArn"])
    with pytest.raises(ClientError) as caught:
        iot.delete_certificate(certificateId=certificate["certificateId"])
    assert caught.value.response["Error"]["Code"] == "DeleteConflictException"


def test_delete_certificate_while_a_policy_is_attached_to_a_thing_group(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    group = iot.create_thing_group(thingGroupName="fleet")
    iot.create_policy(policyName="fleet-policy", policyDocument=POLICY)
    iot.attach_policy(policyName="fleet-policy", target=group["thingGroupArn"])
    certificate = iot.create_keys_and_certificate(setAsActive=False)

    iot.delete_certificate(certificateId=certificate["certificateId"])

    assert iot.list_certificates()["certificates"] == []
    assert iot.list_targets_for_policy(policyName="fleet-policy")["targets"] == [group["thingGroupArn"]]


def test_delete_thing_group_detaches_its_policies(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    doomed = iot.create_thing_group(thingGroupName="doomed")["thingGroupArn"]
    kept = iot.create_thing_group(thingGroupName="kept")["thingGroupArn"]
    certificate = iot.create_keys_and_certificate(setAsActive=False)["certificateArn"]
    iot.create_policy(policyName="fleet-policy", policyDocument=POLICY)
    iot.create_policy(policyName="group-only", policyDocument=POLICY)
    for target in (doomed, kept, certificate):
        iot.attach_policy(policyName="fleet-policy", target=target)
    iot.attach_policy(policyName="group-only", target=doomed)

    iot.delete_thing_group(thingGroupName="doomed")

    assert sorted(iot.list_targets_for_policy(policyName="fleet-policy")["targets"]) == sorted([kept, certificate])
    assert iot.list_targets_for_policy(policyName="group-only")["targets"] == []
    assert iot.list_attached_policies(target=doomed)["policies"] == []
    assert [p["policyName"] for p in iot.list_attached_policies(target=kept)["policies"]] == ["fleet-policy"]
    iot.delete_policy(policyName="group-only")  # no DeleteConflictException from the deleted group
    # A group recreated under the same name (and so the same ARN) starts without policies.
    assert iot.create_thing_group(thingGroupName="doomed")["thingGroupArn"] == doomed
    assert iot.list_attached_policies(target=doomed)["policies"] == []


def test_a_thing_group_with_children_keeps_its_policies(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    parent = iot.create_thing_group(thingGroupName="parent")["thingGroupArn"]
    iot.create_thing_group(thingGroupName="child", parentGroupName="parent")
    iot.create_policy(policyName="fleet-policy", policyDocument=POLICY)
    iot.attach_policy(policyName="fleet-policy", target=parent)
    with pytest.raises(ClientError) as caught:
        iot.delete_thing_group(thingGroupName="parent")
    assert caught.value.response["Error"]["Code"] == "InvalidRequestException"
    assert iot.list_targets_for_policy(policyName="fleet-policy")["targets"] == [parent]


def test_delete_certificate_attached_to_a_thing_conflicts(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    iot.create_thing(thingName="device")
    certificate = iot.create_keys_and_certificate(setAsActive=False)
    iot.attach_thing_principal(thingName="device", principal=certificate["certificateArn"])
    with pytest.raises(ClientError) as caught:
        iot.delete_certificate(certificateId=certificate["certificateId"], forceDelete=True)
    assert caught.value.response["Error"]["Code"] == "DeleteConflictException"


INVALID_BUCKET_NAMES = {
    "too-short": "ab",
    "too-long": "a" * 64,
    "uppercase": "My-bucket",
    "underscore": "my_bucket",
    "starts-with-hyphen": "-bucket",
    "ends-with-hyphen": "bucket-",
    "starts-with-dot": ".bucket",
    "ends-with-dot": "bucket.",
    "adjacent-dots": "my..bucket",
    "dot-hyphen": "my.-bucket",
    "hyphen-dot": "my-.bucket",
    "ip-address": "192.168.5.4",
    "xn-prefix": "xn--bucket",
    "sthree-prefix": "sthree-bucket",
    "s3alias-suffix": "bucket-s3alias",
    "ol-s3-suffix": "bucket--ol-s3",
}


@pytest.mark.parametrize("name", list(INVALID_BUCKET_NAMES.values()), ids=list(INVALID_BUCKET_NAMES))
def test_create_bucket_refuses_names_s3_refuses(emulator: EmulatorHandle, name: str) -> None:
    with pytest.raises(ClientError) as caught:
        emulator.client("s3").create_bucket(Bucket=name)
    assert caught.value.response["Error"]["Code"] == "InvalidBucketName"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("name", ["abc", "a" * 63, "my.firmware-bucket.2024", "1-bucket-9", "192.168.5.4x"])
def test_create_bucket_accepts_valid_names(emulator: EmulatorHandle, name: str) -> None:
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket=name)
    assert name in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]


def _fetch_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_presigned_urls_expire(emulator: EmulatorHandle) -> None:
    env = emulator.env

    def s3_signing(signature_version: str | None) -> Any:
        return boto3.session.Session().client(
            "s3",
            endpoint_url=emulator.url,
            region_name="us-east-1",
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            config=Config(signature_version=signature_version),
        )

    # SigV4 query auth, and boto3's default for S3 presigning (SigV2 query auth with Expires).
    signers = [s3_signing("s3v4"), s3_signing(None)]
    signers[0].create_bucket(Bucket="firmware")
    signers[0].put_object(Bucket="firmware", Key="image.bin", Body=b"\x00" * 16)
    where = {"Bucket": "firmware", "Key": "image.bin"}
    short_lived = [s3.generate_presigned_url("get_object", Params=where, ExpiresIn=1) for s3 in signers]
    assert "X-Amz-Expires=1" in short_lived[0]
    assert "Expires=" in short_lived[1]
    time.sleep(2.2)
    fresh = [s3.generate_presigned_url("get_object", Params=where, ExpiresIn=60) for s3 in signers]

    assert [_fetch_status(url) for url in short_lived] == [403, 403]
    assert [_fetch_status(url) for url in fresh] == [200, 200]
