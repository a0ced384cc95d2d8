"""SIGKILL add-things 200 ten times and iot-cleanup three times: reruns finish; the user's resources survive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iotforge.crypto import build_csr, generate_private_key
from tests.conftest import CliRunner
from tests.support.crash import journal_lines, kill_after_journal_lines, start_iotforge
from tests.support.emulator import EmulatorHandle
from tests.support.fleet import all_pages, assert_fleet_consistent, remote_certificates, remote_thing_names
from tests.support.journal import assert_journal_consistent

THINGS = 200
# The journal gets 7 records per thing (~1,400 in all): the first kill points land before the batch
# exists, right after it, around CreatePolicy; the rest early, in the middle, near the end (short of
# the last ~16 x 4 records, which reach the disk only together with batch-finished).
ADD_KILL_POINTS = (0, 1, 2, 3, 28, 210, 490, 770, 1050, 1250)
# iot-cleanup appends one record per removed thing after the batch's own records.
CLEANUP_KILL_POINTS = (5, 80, 160)


def _users_resources(emulator: EmulatorHandle) -> dict[str, Any]:
    """What the account held before the project: iotforge must not touch any of it."""
    iot, iam, s3 = emulator.client("iot"), emulator.client("iam"), emulator.client("s3")
    iot.create_thing(thingName="users_thing")
    csr = build_csr(generate_private_key("ec-p256"), "users_thing").decode()
    certificate = iot.create_certificate_from_csr(certificateSigningRequest=csr, setAsActive=True)
    statement = {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:us-east-1:123456789012:client/u"}
    iot.create_policy(
        policyName="users_policy", policyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    iot.attach_policy(policyName="users_policy", target=certificate["certificateArn"])
    iot.attach_thing_principal(thingName="users_thing", principal=certificate["certificateArn"])
    trust = {"Effect": "Allow", "Principal": {"Service": "iot.amazonaws.com"}, "Action": "sts:AssumeRole"}
    iam.create_role(
        RoleName="users_role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]})
    )
    s3.create_bucket(Bucket="users-bucket")
    return {"certificate": certificate}


def _assert_users_resources_intact(emulator: EmulatorHandle, users: dict[str, Any]) -> None:
    iot = emulator.client("iot")
    certificate = users["certificate"]
    assert iot.list_thing_principals(thingName="users_thing")["principals"] == [certificate["certificateArn"]]
    description = iot.describe_certificate(certificateId=certificate["certificateId"])["certificateDescription"]
    assert description["status"] == "ACTIVE"
    attached = iot.list_attached_policies(target=certificate["certificateArn"])["policies"]
    assert [policy["policyName"] for policy in attached] == ["users_policy"]
    assert emulator.client("iam").get_role(RoleName="users_role")["Role"]["RoleName"] == "users_role"
    assert [bucket["Name"] for bucket in emulator.client("s3").list_buckets()["Buckets"]] == ["users-bucket"]


@pytest.mark.slow
def test_ten_kills_of_add_things_then_cleanup_kills_leave_exactly_the_users_resources(
    run_cli: CliRunner, aws_env: dict[str, str], emulator: EmulatorHandle, tmp_path: Path
) -> None:
    users = _users_resources(emulator)
    assert run_cli("thing-project-from-template", "p", str(tmp_path), "--aws-endpoint", "e.example").returncode == 0
    project = tmp_path / "p"
    emulator.set_knobs(latency_ms=3)
    add = ("add-things", str(project), "--things-base-name", "dev", "--things-number", str(THINGS))
    for point in ADD_KILL_POINTS:
        kill = kill_after_journal_lines(start_iotforge(aws_env, *add), project, point)
        assert kill.killed, f"add-things ended before kill point {point}: {kill.stderr}"
        if point:
            assert_journal_consistent(project, torn_tail_allowed=True)
    rerun = run_cli(*add, "--output", "json")
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["resumed"] is True
    iot = emulator.client("iot")
    expected = {f"dev_{index}" for index in range(THINGS)}
    assert_fleet_consistent(iot, project, expected)
    assert remote_thing_names(iot) == expected | {"users_thing"}
    assert len(remote_certificates(iot)) == THINGS + 1  # no orphan from the ten interrupted calls
    assert_journal_consistent(project)

    provisioned = journal_lines(project)
    for point in CLEANUP_KILL_POINTS:
        kill = kill_after_journal_lines(
            start_iotforge(aws_env, "iot-cleanup", str(project)), project, provisioned + point
        )
        assert kill.killed, f"iot-cleanup ended before kill point {point}: {kill.stderr}"
    cleanup = run_cli("iot-cleanup", str(project), "--output", "json")
    assert cleanup.returncode == 0, cleanup.stderr
    assert json.loads(cleanup.stdout)["remaining"] == []
    assert remote_thing_names(iot) == {"users_thing"}
    assert [c["certificateId"] for c in remote_certificates(iot)] == [users["certificate"]["certificateId"]]
    assert [p["policyName"] for p in all_pages(iot, "list_policies", "policies")] == ["users_policy"]
    _assert_users_resources_intact(emulator, users)
    resources = project / ".aws_things_resources"
    assert not resources.exists() or not any(resources.iterdir())
    assert not (project / "private.pem.key").exists()
