"""Arm's documented OTA workflow (docs/components/aws_iot/aws_tool.md), command by command as written,
with `iotforge` in place of `python tools/scripts/createIoTThings.py`, against the emulator."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from iotforge.crypto import load_certificate, load_private_key, public_keys_equal
from tests.support.arm_project import (
    BOUNDARY,
    OTA_BINARY,
    application_header,
    expected_header,
    remaining,
    signed_update,
)
from tests.support.emulator import EmulatorHandle

# The seed's commands verbatim; only the placeholders are filled in.
SEED_CREATE = """set -e
{tool} create-thing-and-policy --thing_name {thing} --policy_name {policy} --target_application keyword-detection
{tool} create-bucket-role-update --thing_name {thing} --bucket_name {bucket} --iam_role_name Proj-{role} \
--update_name {update} --ota_binary {binary} --permissions_boundary {boundary}
"""
SEED_CLEANUP = """set -e
{tool} delete-ota-update --ota_update_name {update} -f &&
{tool} delete-iam-role --iam_role_name Proj-{role} -f
{tool} delete-bucket --bucket_name {bucket} -f
{tool} delete-policy -p --policy_name {policy}
{tool} delete-thing -p --thing_name {thing}
"""
NAMES = {
    "thing": "kws_board",
    "policy": "kws_board_policy",
    "bucket": "kws-board-ota-bucket",
    "role": "kws_ota_role",
    "update": "kws_update_1",
    "binary": OTA_BINARY,
    "boundary": BOUNDARY,
}


def _run(script: str, root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    text = script.format(tool=f"{sys.executable} -m iotforge", **NAMES)
    return subprocess.run(
        ["sh", "-c", text], cwd=root, env=env, capture_output=True, text=True, timeout=240, check=False
    )


def test_the_documented_workflow_runs_as_written_and_leaves_nothing(
    tmp_path: Path, aws_env: dict[str, str], emulator: EmulatorHandle
) -> None:
    header = application_header(tmp_path)
    signed_update(tmp_path)
    iot = emulator.client("iot")

    created = _run(SEED_CREATE, tmp_path, aws_env)
    assert created.returncode == 0, created.stderr

    # create-thing-and-policy: the seed's files, the key private, the header's two values set.
    thing, policy = NAMES["thing"], NAMES["policy"]
    folder = tmp_path / "certificates"
    key = folder / f"thing_private_key_{thing}.pem.key"
    certificate = folder / f"thing_certificate_{thing}.pem.crt"
    assert (folder / f"thing_public_key_{thing}.pem.key").is_file()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert public_keys_equal(load_certificate(certificate.read_bytes()), load_private_key(key.read_bytes()))
    arn = iot.list_thing_principals(thingName=thing)["principals"][0]
    assert arn in created.stdout  # the certificate ARN is printed
    assert [p["policyName"] for p in iot.list_attached_policies(target=arn)["policies"]] == [policy]
    endpoint = iot.describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]
    assert header.read_bytes() == expected_header(endpoint, thing)

    # create-bucket-role-update: a complete update for the thing, its image pinned in a versioned bucket.
    update = iot.get_ota_update(otaUpdateId=NAMES["update"])["otaUpdateInfo"]
    assert update["otaUpdateStatus"] == "CREATE_COMPLETE"
    assert update["targets"] == [iot.describe_thing(thingName=thing)["thingArn"]]
    location = update["otaUpdateFiles"][0]["fileLocation"]["s3Location"]
    assert location["bucket"] == NAMES["bucket"]
    assert location["version"]
    role = emulator.client("iam").get_role(RoleName=f"Proj-{NAMES['role']}")["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == BOUNDARY

    cleaned = _run(SEED_CLEANUP, tmp_path, aws_env)
    assert cleaned.returncode == 0, cleaned.stderr
    left = remaining({"iot": iot, "iam": emulator.client("iam"), "s3": emulator.client("s3")})
    assert left == {kind: [] for kind in left}
