"""The seed's `iot-fota-start` (and `ota fota-start`) against the emulator: images, document, devices."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRunner
from tests.integration.emulator.jobs_support import IOT_TRUST_POLICY, fetch, make_group, make_role
from tests.support.emulator import EmulatorHandle

BYTECODE, VM = b"zerynth bytecode " * 40, b"zerynth vm image " * 60


def _firmware_json(path: Path, with_vm: bool) -> Path:
    document: dict[str, Any] = {"bcbin": base64.b64encode(BYTECODE).decode(), "bc_idx": 3, "has_vm": with_vm}
    if with_vm:
        document |= {"vmbin": base64.b64encode(VM).decode(), "vm_idx": 0}
    path.write_text(json.dumps(document))
    return path


def _closed_port_env(env: dict[str, str]) -> dict[str, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return {**env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "x", "AWS_REGION": "us-east-1"}


@pytest.fixture
def fota_fleet(emulator: EmulatorHandle) -> None:
    make_group(emulator.client("iot"), "sensors", ["sensor_0", "sensor_1"])
    emulator.client("s3").create_bucket(Bucket="fw-bucket")
    iam = emulator.client("iam")
    make_role(iam, "s3-read-role", IOT_TRUST_POLICY)
    read = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::fw-bucket/*"}],
    }
    iam.put_role_policy(RoleName="s3-read-role", PolicyName="read", PolicyDocument=json.dumps(read))


@pytest.mark.usefixtures("fota_fleet")
@pytest.mark.parametrize("with_vm", [True, False], ids=["bytecode+vm", "bytecode"])
def test_seed_fota_uploads_every_image_and_devices_download_them(
    run_cli: CliRunner, emulator: EmulatorHandle, aws_env: dict[str, str], tmp_path: Path, with_vm: bool
) -> None:
    firmware = _firmware_json(tmp_path / "fw.json", with_vm)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**aws_env, "TMPDIR": str(temp), "TEMP": str(temp), "TMP": str(temp)}
    done = run_cli(
        "iot-fota-start", "sensor_0", str(firmware), "s3://fw-bucket/fota", "s3-read-role",
        "--duration", "600", "--output", "json", env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr
    result = json.loads(done.stdout)
    job_id, names = result["job_id"], ["bc", "vm"] if with_vm else ["bc"]
    assert job_id.startswith("fota-sensor_0-")
    listed = emulator.client("s3").list_objects_v2(Bucket="fw-bucket")["Contents"]
    assert sorted(item["Key"] for item in listed) == [f"fota/{job_id}/{name}.bin" for name in names]
    assert result["document"]["images"] == names
    assert result["document"]["bc_idx"] == 3
    assert list(temp.iterdir()) == []  # nothing left behind in temporary folders

    job = emulator.client("iot").describe_job(jobId=job_id)["job"]
    assert job["presignedUrlConfig"]["expiresInSec"] == 600
    assert job["presignedUrlConfig"]["roleArn"].endswith(":role/s3-read-role")
    execution = emulator.client("iot-jobs-data").describe_job_execution(
        jobId=job_id, thingName="sensor_0", includeJobDocument=True
    )["execution"]
    document = json.loads(execution["jobDocument"])
    assert document["operation"] == "fota"
    assert fetch(document["bc_url"]) == (200, BYTECODE)
    assert document["bc_size"] == len(BYTECODE)
    if with_vm:
        assert fetch(document["vm_url"]) == (200, VM)
        assert document["vm_idx"] == 0


@pytest.mark.usefixtures("fota_fleet")
def test_native_fota_start_targets_a_group_with_a_plain_binary(
    run_cli: CliRunner, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    image = tmp_path / "app.bin"
    image.write_bytes(b"\x7fELF plain image")
    done = run_cli(
        "ota", "fota-start", str(image), "fw-bucket", "s3-read-role", "--thing-group", "sensors",
        "--job-id", "fota-sensors-1", "--max-per-minute", "5", "--output", "json",
    )  # fmt: skip
    result = json.loads(done.stdout)
    assert done.returncode == 0, done.stderr
    assert result["document"]["images"] == ["fw"]
    assert result["targets"] == ["arn:aws:iot:us-east-1:123456789012:thinggroup/sensors"]
    status = json.loads(run_cli("ota", "status", "fota-sensors-1", "--output", "json").stdout)
    assert status["counts"]["QUEUED"] == 2
    help_text = run_cli("iot-fota_start", "--help")  # the seed's other spelling is the same command
    assert "THING_FIRMWARE" in help_text.stdout


@pytest.mark.parametrize("duration", ["59", "3601"])
def test_duration_outside_60_to_3600_exits_2_without_calling_aws(
    run_cli: CliRunner, bare_env: dict[str, str], tmp_path: Path, duration: str
) -> None:
    firmware = _firmware_json(tmp_path / "fw.json", True)
    done = run_cli(
        "iot-fota-start", "sensor_0", str(firmware), "s3://fw-bucket", "s3-read-role", "--duration", duration,
        env=_closed_port_env(bare_env),
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "--duration" in done.stderr


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "does not exist"),
        (b"", "is empty"),
        (b'{"bcbin": "not base64!", "bc_idx": 0}', "not valid base64"),
        (b'{"bin": "AAAA"}', "not a Zerynth firmware"),
    ],
)
def test_bad_firmware_files_exit_2_without_calling_aws(
    run_cli: CliRunner, bare_env: dict[str, str], tmp_path: Path, content: bytes | None, words: str
) -> None:
    firmware = tmp_path / "fw.json"
    if content is not None:
        firmware.write_bytes(content)
    done = run_cli("iot-fota-start", "sensor_0", str(firmware), "fw-bucket", "role", env=_closed_port_env(bare_env))
    assert done.returncode == 2, done.stderr
    assert words in done.stderr
