"""Helpers shared by the jobs, OTA and tags tests: a small fleet, the jobs time scale, S3 and IAM setup."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from tests.support.emulator import EmulatorHandle

REGION = "us-east-1"
ACCOUNT = "123456789012"
TIME_SCALE_PATH = "/_emulator/jobs/time-scale"
IOT_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "iot.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def thing_arn(name: str) -> str:
    return f"arn:aws:iot:{REGION}:{ACCOUNT}:thing/{name}"


def make_group(iot: Any, group: str, things: list[str]) -> str:
    """Create the things and a thing group holding them; the group's ARN."""
    arn = str(iot.create_thing_group(thingGroupName=group)["thingGroupArn"])
    for name in things:
        iot.create_thing(thingName=name)
        iot.add_thing_to_thing_group(thingGroupName=group, thingName=name)
    return arn


def set_seconds_per_minute(emulator: EmulatorHandle, seconds: float) -> Any:
    """Shrink job minutes (timeouts, rollout rates) through the emulator's unsigned control route."""
    request = urllib.request.Request(
        emulator.url + TIME_SCALE_PATH,
        data=json.dumps({"seconds_per_minute": seconds}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def make_role(iam: Any, name: str, trust: dict[str, Any] | None = None) -> str:
    document = json.dumps(trust if trust is not None else IOT_TRUST_POLICY)
    return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=document)["Role"]["Arn"])


def put_firmware(s3: Any, bucket: str, key: str, body: bytes, versioned: bool = True) -> str | None:
    """Upload the object (creating the bucket); its version id when the bucket is versioned."""
    existing = {entry["Name"] for entry in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
        if versioned:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return s3.put_object(Bucket=bucket, Key=key, Body=body).get("VersionId")


def wait_for(check: Callable[[], Any], timeout: float = 2.0, interval: float = 0.05) -> Any:
    """Poll until check() returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
