"""OTA updates: the asynchronous creation of their job and stream, their failures, and their deletion."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulator.jobs_support import fetch, make_group, make_role, put_firmware, wait_for
from tests.support.emulator import EmulatorHandle

FIRMWARE = b"\x7fELF firmware image" * 64
SIGNATURE = b"0E\x02!\x00signature-bytes"


def _signed_file(
    bucket: str = "fw-images", key: str = "app.bin", version: str | None = None, **signing: Any
) -> dict[str, Any]:
    location = {"bucket": bucket, "key": key} | ({"version": version} if version else {})
    custom = {
        "signature": {"inlineDocument": SIGNATURE},
        "certificateChain": {"certificateName": "/certs/ota_signer.pem"},
        "hashAlgorithm": "SHA256",
        "signatureAlgorithm": "ECDSA",
    } | signing
    return {
        "fileName": "/device/app.bin",
        "fileType": 0,
        "fileLocation": {"s3Location": location},
        "codeSigning": {"customCodeSigning": {key: value for key, value in custom.items() if value is not None}},
    }


def _settled(iot: Any, update_id: str) -> dict[str, Any]:
    """Poll GetOTAUpdate as a client would, until creation ends (a liveness bound, not a timing claim)."""
    seen: list[str] = []

    def done() -> dict[str, Any] | None:
        info = iot.get_ota_update(otaUpdateId=update_id)["otaUpdateInfo"]
        seen.append(info["otaUpdateStatus"])
        return info if info["otaUpdateStatus"] in ("CREATE_COMPLETE", "CREATE_FAILED") else None

    info = wait_for(done, timeout=30.0, interval=0.02)
    assert info is not None
    order = ["CREATE_PENDING", "CREATE_IN_PROGRESS", info["otaUpdateStatus"]]
    assert seen == sorted(seen, key=order.index)  # statuses only move forward
    return dict(info)


def _code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return str(raised.value.response["Error"]["Code"])


@pytest.fixture
def fleet(emulator: EmulatorHandle) -> dict[str, Any]:
    iot, iam, s3 = emulator.client("iot"), emulator.client("iam"), emulator.client("s3")
    return {
        "group": make_group(iot, "devices", ["board-1", "board-2"]),
        "role": make_role(iam, "ota-role"),
        "version": put_firmware(s3, "fw-images", "app.bin", FIRMWARE),
    }


def test_ota_update_creates_its_job_and_stream_and_deletes_them(
    emulator: EmulatorHandle, fleet: dict[str, Any]
) -> None:
    iot, device = emulator.client("iot"), emulator.client("iot-jobs-data")
    abort = {
        "abortCriteriaList": [
            {"failureType": "ALL", "action": "CANCEL", "thresholdPercentage": 20, "minNumberOfExecutedThings": 5}
        ]
    }
    created = iot.create_ota_update(
        otaUpdateId="fw-1",
        targets=[fleet["group"]],
        protocols=["MQTT", "HTTP"],
        targetSelection="SNAPSHOT",
        awsJobExecutionsRolloutConfig={"maximumPerMinute": 50},
        awsJobPresignedUrlConfig={"expiresInSec": 300},
        awsJobAbortConfig=abort,
        awsJobTimeoutConfig={"inProgressTimeoutInMinutes": 30},
        files=[_signed_file(version=fleet["version"])],
        roleArn=fleet["role"],
        tags=[{"Key": "release", "Value": "1.2.0"}],
    )
    assert (created["otaUpdateStatus"], created["awsIotJobId"]) == ("CREATE_PENDING", "AFR_OTA-fw-1")

    info = _settled(iot, "fw-1")
    assert (info["otaUpdateStatus"], info["awsIotJobId"], info["protocols"]) == (
        "CREATE_COMPLETE",
        "AFR_OTA-fw-1",
        ["MQTT", "HTTP"],
    )
    job = iot.describe_job(jobId="AFR_OTA-fw-1")["job"]
    assert job["targets"] == [fleet["group"]]
    assert job["targetSelection"] == "SNAPSHOT"
    assert job["jobExecutionsRolloutConfig"] == {"maximumPerMinute": 50}
    assert job["abortConfig"] == {"criteriaList": abort["abortCriteriaList"]}
    assert job["timeoutConfig"] == {"inProgressTimeoutInMinutes": 30}
    assert job["presignedUrlConfig"] == {"roleArn": fleet["role"], "expiresInSec": 300}
    assert job["jobProcessDetails"]["numberOfQueuedThings"] == 2

    document = json.loads(iot.get_job_document(jobId="AFR_OTA-fw-1")["document"])["afr_ota"]
    assert document["protocols"] == ["MQTT", "HTTP"]
    assert document["streamname"].startswith("AFR_OTA-")
    [entry] = document["files"]
    assert (entry["filepath"], entry["filesize"], entry["fileid"], entry["certfile"]) == (
        "/device/app.bin",
        len(FIRMWARE),
        0,
        "/certs/ota_signer.pem",
    )
    assert entry["sig-sha256-ecdsa"] == base64.b64encode(SIGNATURE).decode()
    assert entry["auth_scheme"] == "aws.s3.presigned"
    assert entry["update_data_url"].startswith("${aws:iot:s3-presigned-url:https://")
    stream = iot.describe_stream(streamId=document["streamname"])["streamInfo"]
    assert stream["files"] == [
        {"fileId": 0, "s3Location": {"bucket": "fw-images", "key": "app.bin", "version": fleet["version"]}}
    ]
    assert stream["roleArn"] == fleet["role"]

    received = device.describe_job_execution(jobId="AFR_OTA-fw-1", thingName="board-1", includeJobDocument=True)
    url = json.loads(received["execution"]["jobDocument"])["afr_ota"]["files"][0]["update_data_url"]
    assert fetch(url) == (200, FIRMWARE)
    assert [
        update["otaUpdateId"] for update in iot.list_ota_updates(otaUpdateStatus="CREATE_COMPLETE")["otaUpdates"]
    ] == ["fw-1"]
    assert iot.list_tags_for_resource(resourceArn=created["otaUpdateArn"])["tags"] == [
        {"Key": "release", "Value": "1.2.0"}
    ]
    assert _code(
        iot.create_ota_update,
        otaUpdateId="fw-1",
        targets=[fleet["group"]],
        files=[_signed_file()],
        roleArn=fleet["role"],
    ) == ("ResourceAlreadyExistsException")

    assert _code(iot.delete_ota_update, otaUpdateId="fw-1") == "InvalidRequestException"  # its job is still running
    iot.delete_ota_update(otaUpdateId="fw-1", deleteStream=True, forceDeleteAWSJob=True)
    assert _code(iot.get_ota_update, otaUpdateId="fw-1") == "ResourceNotFoundException"
    assert _code(iot.describe_job, jobId="AFR_OTA-fw-1") == "ResourceNotFoundException"
    assert _code(iot.describe_stream, streamId=document["streamname"]) == "ResourceNotFoundException"


UNTRUSTING_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@pytest.mark.parametrize(
    ("case", "code", "words"),
    [
        ("missing role", "AccessDeniedException", "does not exist"),
        ("untrusting role", "AccessDeniedException", "iot.amazonaws.com"),
        ("missing object", "ResourceNotFoundException", "s3://fw-images/missing.bin"),
        ("missing version", "ResourceNotFoundException", "version"),
        ("signature missing", "InvalidRequestException", "signature.inlineDocument"),
        ("algorithms missing", "InvalidRequestException", "hashAlgorithm, signatureAlgorithm"),
        ("no code signing", "InvalidRequestException", "no code signing"),
    ],
)
def test_ota_update_fails_with_error_info(
    emulator: EmulatorHandle, fleet: dict[str, Any], case: str, code: str, words: str
) -> None:
    iot, iam = emulator.client("iot"), emulator.client("iam")
    role, files = fleet["role"], [_signed_file()]
    if case == "missing role":
        role = "arn:aws:iam::123456789012:role/nobody"
    elif case == "untrusting role":
        role = make_role(iam, "ec2-only", UNTRUSTING_POLICY)
    elif case == "missing object":
        files = [_signed_file(key="missing.bin")]
    elif case == "missing version":
        files = [_signed_file(version="not-a-version-of-app")]
    elif case == "signature missing":
        files = [_signed_file(signature=None)]
    elif case == "algorithms missing":
        files = [_signed_file(hashAlgorithm=None, signatureAlgorithm=None)]
    else:
        files = [{key: value for key, value in _signed_file().items() if key != "codeSigning"}]
    iot.create_ota_update(otaUpdateId="broken", targets=[fleet["group"]], files=files, roleArn=role)

    info = _settled(iot, "broken")
    assert info["otaUpdateStatus"] == "CREATE_FAILED"
    assert info["errorInfo"]["code"] == code
    assert words in info["errorInfo"]["message"]
    assert _code(iot.describe_job, jobId="AFR_OTA-broken") == "ResourceNotFoundException"
    assert iot.list_streams()["streams"] == []
    iot.delete_ota_update(otaUpdateId="broken")
    assert iot.list_ota_updates()["otaUpdates"] == []


def test_deleting_the_role_first_makes_delete_ota_update_fail_until_it_is_back(
    emulator: EmulatorHandle, fleet: dict[str, Any]
) -> None:
    iot, iam = emulator.client("iot"), emulator.client("iam")
    iot.create_ota_update(otaUpdateId="order", targets=[fleet["group"]], files=[_signed_file()], roleArn=fleet["role"])
    assert _settled(iot, "order")["otaUpdateStatus"] == "CREATE_COMPLETE"

    iam.delete_role(RoleName="ota-role")  # IAM allows it, as in AWS
    with pytest.raises(ClientError) as raised:
        iot.delete_ota_update(otaUpdateId="order", deleteStream=True, forceDeleteAWSJob=True)
    assert raised.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "ota-role" in raised.value.response["Error"]["Message"]
    info = iot.get_ota_update(otaUpdateId="order")["otaUpdateInfo"]
    assert info["otaUpdateStatus"] == "DELETE_FAILED"
    assert "ota-role" in info["errorInfo"]["message"]

    make_role(iam, "ota-role")
    iot.delete_ota_update(otaUpdateId="order", deleteStream=True, forceDeleteAWSJob=True)
    assert iot.list_ota_updates()["otaUpdates"] == []
    assert iot.list_jobs()["jobs"] == []
    assert iot.list_streams()["streams"] == []


def test_ota_update_can_use_an_existing_stream_and_a_signer_job(
    emulator: EmulatorHandle, fleet: dict[str, Any]
) -> None:
    iot = emulator.client("iot")
    iot.create_stream(
        streamId="prebuilt",
        files=[{"fileId": 3, "s3Location": {"bucket": "fw-images", "key": "app.bin"}}],
        roleArn=fleet["role"],
    )
    file = {
        "fileName": "app.bin",
        "fileLocation": {"stream": {"streamId": "prebuilt", "fileId": 3}},
        "codeSigning": {"awsSignerJobId": "signer-job-1"},
    }
    iot.create_ota_update(
        otaUpdateId="streamed",
        targets=[fleet["group"]],
        files=[file],
        roleArn=fleet["role"],
        targetSelection="CONTINUOUS",
    )

    assert _settled(iot, "streamed")["otaUpdateStatus"] == "CREATE_COMPLETE"
    document = json.loads(iot.get_job_document(jobId="AFR_OTA-streamed")["document"])["afr_ota"]
    assert (document["protocols"], document["streamname"]) == (["MQTT"], "prebuilt")
    assert (document["files"][0]["fileid"], document["files"][0]["filesize"]) == (3, len(FIRMWARE))
    assert [stream["streamId"] for stream in iot.list_streams()["streams"]] == ["prebuilt"]
    assert iot.describe_job(jobId="AFR_OTA-streamed")["job"]["targetSelection"] == "CONTINUOUS"
