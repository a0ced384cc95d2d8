"""Presigned-URL placeholders in job documents become working download URLs on the emulator."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from tests.integration.emulator.jobs_support import fetch, put_firmware, thing_arn
from tests.support.emulator import EmulatorHandle


def test_device_documents_carry_presigned_urls_that_download_the_object(emulator: EmulatorHandle) -> None:
    iot, device, s3 = emulator.client("iot"), emulator.client("iot-jobs-data"), emulator.client("s3")
    first = put_firmware(s3, "firmware", "images/app v1.bin", b"version one")
    put_firmware(s3, "firmware", "images/app v1.bin", b"version two")
    put_firmware(s3, "firmware", "plain.bin", b"plain")
    urls = {
        "regional": "${aws:iot:s3-presigned-url-v2:https://s3.us-east-1.amazonaws.com/firmware/images/app%20v1.bin}",
        "virtual_host": "${aws:iot:s3-presigned-url:https://firmware.s3.amazonaws.com/plain.bin}",
        "global": "${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/plain.bin}",
        "versioned": "${aws:iot:s3-presigned-url-v2:https://s3.amazonaws.com/firmware/images/app%20v1.bin?versionId="
        + str(first)
        + "}",
    }
    iot.create_thing(thingName="dev")
    iot.create_job(
        jobId="download",
        targets=[thing_arn("dev")],
        document=json.dumps({"files": urls}),
        presignedUrlConfig={"roleArn": "arn:aws:iam::123456789012:role/jobs", "expiresInSec": 120},
    )

    execution = device.describe_job_execution(jobId="download", thingName="dev", includeJobDocument=True)["execution"]
    received = json.loads(execution["jobDocument"])["files"]
    downloads = {name: fetch(url) for name, url in received.items()}
    assert downloads == {
        "regional": (200, b"version two"),
        "virtual_host": (200, b"plain"),
        "global": (200, b"plain"),
        "versioned": (200, b"version one"),
    }
    for url in received.values():
        assert url.startswith(emulator.url)
        assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["120"]
    assert json.loads(iot.get_job_document(jobId="download")["document"]) == {"files": urls}
    assert "jobDocument" not in device.describe_job_execution(jobId="download", thingName="dev")["execution"]
    started = device.start_next_pending_job_execution(thingName="dev")["execution"]
    assert fetch(json.loads(started["jobDocument"])["files"]["global"]) == (200, b"plain")
