"""The OTA role: trust only AWS IoT for this account, least privilege, and the check for reusing a role."""

from __future__ import annotations

import json
from typing import Any

import pytest

from iotforge.workflows.ota_models import RoleInfo
from iotforge.workflows.ota_roles import allows, check_role_fits, ota_role_permissions, ota_role_trust

ACCOUNT, REGION, BUCKET = "123456789012", "eu-west-1", "fw-images"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ota-role"


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document["Statement"])


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role(trust: dict[str, Any] | None = None, **policies: dict[str, Any]) -> RoleInfo:
    return RoleInfo(
        name="ota-role",
        arn=ROLE_ARN,
        trust_document=trust if trust is not None else ota_role_trust(ACCOUNT),
        permissions_boundary=None,
        inline_policies=dict(policies),
    )


def test_trust_is_aws_iot_for_this_account_only() -> None:
    [statement] = _statements(ota_role_trust(ACCOUNT))
    assert statement["Principal"] == {"Service": "iot.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


@pytest.mark.parametrize("signer", [False, True])
def test_permissions_have_no_wildcard_action_and_no_resource_star(signer: bool) -> None:
    document = ota_role_permissions(BUCKET, ROLE_ARN, REGION, ACCOUNT, signer=signer)
    for statement in _statements(document):
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            assert "*" not in action
        for resource in _as_list(statement["Resource"]):
            assert resource != "*"
            assert resource.startswith(
                ("arn:aws:iam::", "arn:aws:s3:::", f"arn:aws:iot:{REGION}:{ACCOUNT}:", "arn:aws:signer:")
            )
    assert len(json.dumps(document)) < 6144  # IAM's inline policy size limit


def test_permissions_are_scoped_to_the_role_the_bucket_and_ota_jobs_and_streams() -> None:
    role = _role(permissions=ota_role_permissions(BUCKET, ROLE_ARN, REGION, ACCOUNT))
    iot = f"arn:aws:iot:{REGION}:{ACCOUNT}"
    assert allows(role, "iam:PassRole", ROLE_ARN)
    assert not allows(role, "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin")
    assert allows(role, "s3:GetObjectVersion", f"arn:aws:s3:::{BUCKET}/v1/app.bin")
    assert not allows(role, "s3:GetObject", "arn:aws:s3:::other-bucket/app.bin")
    assert not allows(role, "s3:PutObject", f"arn:aws:s3:::{BUCKET}/app.bin")
    assert allows(role, "iot:CreateJob", f"{iot}:job/AFR_OTA-v1")
    assert allows(role, "iot:CreateJob", f"{iot}:thinggroup/sensors")
    assert not allows(role, "iot:CreateJob", f"{iot}:job/someone-elses-job")
    assert allows(role, "iot:DeleteStream", f"{iot}:stream/AFR_OTA-1234")
    assert not allows(role, "iot:DeleteThing", f"{iot}:thing/dev-1")
    assert not allows(role, "signer:DescribeSigningJob", f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-jobs/1")


def test_a_role_made_from_our_documents_fits() -> None:
    assert check_role_fits(_role(permissions=ota_role_permissions(BUCKET, ROLE_ARN, REGION, ACCOUNT)), BUCKET) == []


def test_a_role_for_another_bucket_does_not_fit() -> None:
    role = _role(permissions=ota_role_permissions("old-bucket", ROLE_ARN, REGION, ACCOUNT))
    problems = check_role_fits(role, BUCKET)
    assert problems == [
        f"role ota-role does not allow s3:GetObject on objects of bucket {BUCKET}",
        f"role ota-role does not allow s3:GetObjectVersion on objects of bucket {BUCKET}",
    ]


def test_a_role_aws_iot_may_not_assume_does_not_fit() -> None:
    ec2 = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    problems = check_role_fits(_role(ec2, permissions=ota_role_permissions(BUCKET, ROLE_ARN, REGION, ACCOUNT)), BUCKET)
    assert problems == ["role ota-role does not trust iot.amazonaws.com to assume it (its trust policy)"]


def test_a_role_anyone_may_assume_does_not_fit() -> None:
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": ["iot.amazonaws.com"]}, "Action": ["sts:AssumeRole"]},
            {"Effect": "Allow", "Principal": "*", "Action": "sts:*"},
        ]
    }
    permissions = ota_role_permissions(BUCKET, ROLE_ARN, REGION, ACCOUNT)
    assert check_role_fits(_role(trust, permissions=permissions), BUCKET) == [
        "role ota-role lets anyone assume it (Principal '*' without a condition)"
    ]


def test_permissions_from_a_managed_policy_count_and_a_deny_wins() -> None:
    broad = {
        "Statement": [
            {"Effect": "Allow", "Action": ["iot:*", "s3:Get*", "iam:PassRole"], "Resource": "*"},
        ]
    }
    role = RoleInfo("ota-role", ROLE_ARN, ota_role_trust(ACCOUNT), None, {}, {"arn:aws:iam::aws:policy/X": broad})
    assert check_role_fits(role, BUCKET) == []
    deny = {"Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}
    denied = RoleInfo("ota-role", ROLE_ARN, ota_role_trust(ACCOUNT), None, {"deny": deny}, {"x": broad})
    assert check_role_fits(denied, BUCKET) == [
        f"role ota-role does not allow s3:GetObject on objects of bucket {BUCKET}"
    ]
