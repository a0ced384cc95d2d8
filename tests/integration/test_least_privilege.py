"""Every policy and trust document iotforge creates grants the least it can, as written and as stored in AWS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iotforge.workflows.audit_checks import as_list, iot_policy_problems, requires_attached_thing, trust_problems
from iotforge.workflows.ota_roles import ota_role_permissions, ota_role_trust
from iotforge.workflows.policy import default_thing_policy
from tests.conftest import CliRunner
from tests.support.emulator import EmulatorHandle
from tests.support.firmware import make_signed_firmware

ACCOUNT, REGION = "123456789012", "us-east-1"
THING = "${iot:Connection.Thing.ThingName}"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ota-role"


def assert_no_wildcards(document: dict[str, Any]) -> None:
    """No action with a wildcard, no Resource '*' or account-wide resource, no NotAction/NotResource."""
    statements = as_list(document["Statement"])
    assert statements
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement
        assert "NotResource" not in statement
        for action in as_list(statement["Action"]):
            assert "*" not in action, action
        for resource in as_list(statement.get("Resource")):
            assert resource != "*"
            assert not resource.endswith(f":{ACCOUNT}:*"), resource


def assert_thing_policy(document: dict[str, Any]) -> None:
    assert_no_wildcards(document)
    assert iot_policy_problems(document) == []
    for statement in as_list(document["Statement"]):
        for resource in as_list(statement["Resource"]):
            assert THING in resource, resource  # every resource is the connecting thing's own
        if "iot:Connect" in as_list(statement["Action"]):
            assert requires_attached_thing(statement.get("Condition"))
    assert "${iot:ClientId}" not in json.dumps(document)


def assert_ota_trust(document: dict[str, Any]) -> None:
    assert trust_problems(document) == []
    [statement] = as_list(document["Statement"])
    assert statement["Principal"] == {"Service": "iot.amazonaws.com"}
    assert as_list(statement["Action"]) == ["sts:AssumeRole"]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def assert_ota_permissions(document: dict[str, Any], bucket: str) -> None:
    assert_no_wildcards(document)
    resources = [resource for statement in document["Statement"] for resource in as_list(statement["Resource"])]
    assert f"arn:aws:s3:::{bucket}/*" in resources
    for resource in resources:
        if resource.startswith("arn:aws:s3:::"):
            assert resource.startswith(f"arn:aws:s3:::{bucket}/"), resource  # this bucket's objects only
        elif resource.startswith("arn:aws:iam::"):
            assert resource == ROLE_ARN  # it may pass itself, nothing else
        else:
            assert resource.startswith((f"arn:aws:iot:{REGION}:{ACCOUNT}:", f"arn:aws:signer:{REGION}:{ACCOUNT}:"))


def test_the_default_thing_policy() -> None:
    assert_thing_policy(default_thing_policy(REGION, ACCOUNT))


def test_the_ota_role_trust() -> None:
    assert_ota_trust(ota_role_trust(ACCOUNT))


@pytest.mark.parametrize("signer", [False, True])
def test_the_ota_role_permissions(signer: bool) -> None:
    assert_ota_permissions(ota_role_permissions("fw-bucket", ROLE_ARN, REGION, ACCOUNT, signer=signer), "fw-bucket")


def test_what_the_cli_created_in_aws_is_least_privilege_and_passes_its_own_audit(
    run_cli: CliRunner, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    assert run_cli("thing-project-from-template", "p", str(tmp_path), "--aws-endpoint", "e.example").returncode == 0
    project = tmp_path / "p"
    added = run_cli("add-things", str(project), "--things-base-name", "dev", "--things-number", "2")
    assert added.returncode == 0, added.stderr
    firmware = make_signed_firmware(tmp_path)
    created = run_cli(
        "ota",
        *("create", str(firmware / "app.bin"), "--update-id", "v1", "--bucket", "fw-bucket", "--create-bucket"),
        *("--role", "ota-role", "--create-role", "--thing", "dev_0", "--cert", str(firmware / "keys/ota-signer.crt")),
    )
    assert created.returncode == 0, created.stderr

    iot, iam = emulator.client("iot"), emulator.client("iam")
    for policy in iot.list_policies()["policies"]:
        assert_thing_policy(json.loads(iot.get_policy(policyName=policy["policyName"])["policyDocument"]))
    role = iam.get_role(RoleName="ota-role")["Role"]
    assert_ota_trust(role["AssumeRolePolicyDocument"])
    [inline] = iam.list_role_policies(RoleName="ota-role")["PolicyNames"]
    assert_ota_permissions(iam.get_role_policy(RoleName="ota-role", PolicyName=inline)["PolicyDocument"], "fw-bucket")
    assert iam.list_attached_role_policies(RoleName="ota-role")["AttachedPolicies"] == []

    audited = run_cli("audit", str(project), "--output", "json")
    assert audited.returncode == 0, audited.stdout + audited.stderr
    report = json.loads(audited.stdout)
    assert report["findings"] == []
    assert report["checked"]["roles"] == 1
    assert report["checked"]["buckets"] == 1
