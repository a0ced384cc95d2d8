"""Jobs, executions, OTA updates, streams and tags survive an emulator restart with --state-dir."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.emulator.jobs_support import fetch, make_group, make_role, put_firmware, wait_for
from tests.support.emulator import EmulatorHandle, start_emulator_process

DOCUMENT = json.dumps({"url": "${aws:iot:s3-presigned-url-v2:https://s3.amazonaws.com/kept-firmware/app.bin}"})


def _started(state_dir: Path) -> EmulatorHandle:
    process, url = start_emulator_process("--state-dir", str(state_dir))
    return EmulatorHandle(url=url, process=process)


def test_jobs_and_ota_state_survive_a_restart(tmp_path: Path) -> None:
    first = _started(tmp_path)
    try:
        iot, device = first.client("iot"), first.client("iot-jobs-data")
        group = make_group(iot, "kept", ["k1", "k2"])
        put_firmware(first.client("s3"), "kept-firmware", "app.bin", b"bytes")
        role = make_role(first.client("iam"), "kept-role")
        iot.create_job(jobId="kept-job", targets=[group], document=DOCUMENT, tags=[{"Key": "a", "Value": "b"}])
        device.update_job_execution(jobId="kept-job", thingName="k1", status="SUCCEEDED")
        file = {
            "fileName": "f",
            "fileLocation": {"s3Location": {"bucket": "kept-firmware", "key": "app.bin"}},
            "codeSigning": {"awsSignerJobId": "s"},
        }
        iot.create_ota_update(otaUpdateId="kept-ota", targets=[group], files=[file], roleArn=role)
        assert wait_for(
            lambda: iot.get_ota_update(otaUpdateId="kept-ota")["otaUpdateInfo"]["otaUpdateStatus"] == "CREATE_COMPLETE"
        )
    finally:
        first.stop()

    second = _started(tmp_path)
    try:
        iot, device = second.client("iot"), second.client("iot-jobs-data")
        job = iot.describe_job(jobId="kept-job")["job"]
        assert job["jobProcessDetails"]["numberOfSucceededThings"] == 1
        assert iot.list_tags_for_resource(resourceArn=job["jobArn"])["tags"] == [{"Key": "a", "Value": "b"}]
        execution = device.describe_job_execution(jobId="kept-job", thingName="k2", includeJobDocument=True)[
            "execution"
        ]
        assert fetch(json.loads(execution["jobDocument"])["url"]) == (200, b"bytes")
        assert iot.get_ota_update(otaUpdateId="kept-ota")["otaUpdateInfo"]["otaUpdateStatus"] == "CREATE_COMPLETE"
        assert len(iot.list_streams()["streams"]) == 1
    finally:
        second.stop()
