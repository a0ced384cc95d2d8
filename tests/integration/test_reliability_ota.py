"""`iotforge ota create` stopped at each remote step, or killed while waiting: the same command finishes.

`ota create` keeps no local journal: everything it did is in AWS. A run that stops right before a
call (the emulator denies it) leaves AWS exactly as a kill at that moment would, so each denied
action below is a kill point, and the rerun must end with the update and fully protected resources.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from tests.support.crash import kill_when, start_iotforge
from tests.support.emulator import EmulatorHandle
from tests.support.firmware import make_signed_firmware

# The action each run is stopped before, in the order `ota create` calls them.
STOPS = [
    "s3:PutBucketVersioning",
    "s3:PutPublicAccessBlock",
    "s3:PutBucketEncryption",
    "iam:PutRolePolicy",
    "s3:PutObject",
    "iot:CreateOTAUpdate",
    "iot:GetOTAUpdate",
]


@pytest.fixture(scope="module")
def signed_firmware(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_signed_firmware(tmp_path_factory.mktemp("firmware"))


def _create(firmware: Path) -> tuple[str, ...]:
    return (
        "ota",
        "create",
        str(firmware / "app.bin"),
        "--update-id",
        "v1",
        "--bucket",
        "fw-bucket",
        "--create-bucket",
        "--role",
        "ota-role",
        "--create-role",
        "--thing",
        "dev-1",
        "--cert",
        str(firmware / "keys" / "ota-signer.crt"),
        "--timeout",
        "60",
    )


def _assert_finished(emulator: EmulatorHandle, rerun: subprocess.CompletedProcess[str]) -> None:
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["status"] == "CREATE_COMPLETE"
    s3, iam = emulator.client("s3"), emulator.client("iam")
    assert s3.get_bucket_versioning(Bucket="fw-bucket")["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket="fw-bucket")["PublicAccessBlockConfiguration"].values())
    assert s3.get_bucket_encryption(Bucket="fw-bucket")["ServerSideEncryptionConfiguration"]["Rules"]
    assert iam.list_role_policies(RoleName="ota-role")["PolicyNames"]
    update = emulator.client("iot").get_ota_update(otaUpdateId="v1")["otaUpdateInfo"]
    assert update["otaUpdateStatus"] == "CREATE_COMPLETE"


@pytest.mark.parametrize("stop_before", STOPS)
def test_ota_create_stopped_before_each_step_is_finished_by_the_same_command(
    stop_before: str, run_cli: CliRunner, emulator: EmulatorHandle, signed_firmware: Path
) -> None:
    emulator.client("iot").create_thing(thingName="dev-1")
    emulator.set_knobs(deny_actions=[stop_before])
    stopped = run_cli(*_create(signed_firmware))
    assert stopped.returncode == 6, stopped.stderr
    assert stop_before in stopped.stderr
    emulator.set_knobs(deny_actions=[])
    _assert_finished(emulator, run_cli(*_create(signed_firmware), "--output", "json"))


def test_ota_create_killed_while_waiting_is_adopted_by_the_rerun(
    run_cli: CliRunner, aws_env: dict[str, str], emulator: EmulatorHandle, signed_firmware: Path
) -> None:
    iot = emulator.client("iot")
    iot.create_thing(thingName="dev-1")
    process = start_iotforge(aws_env, *_create(signed_firmware))

    def update_exists() -> bool:
        return any(item["otaUpdateId"] == "v1" for item in iot.list_ota_updates()["otaUpdates"])

    assert kill_when(process, update_exists).killed
    rerun = run_cli(*_create(signed_firmware), "--output", "json")
    _assert_finished(emulator, rerun)
    assert json.loads(rerun.stdout)["resumed"] is True
