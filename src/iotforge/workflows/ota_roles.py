"""The IAM role AWS IoT assumes for OTA updates: its trust and least-privilege permissions, and a fit check.

The role is passed to CreateOTAUpdate. AWS IoT assumes it to create the update's job and (for MQTT)
its stream, to read the firmware from S3 for the stream and for presigned HTTP URLs, and later to
delete the job and stream again. That is all it is allowed to do.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from iotforge.workflows.ota_models import RoleInfo

IOT_SERVICE = "iot.amazonaws.com"
OTA_JOB_PREFIX = "AFR_OTA-"
OTA_ROLE_POLICY_NAME = "iotforge-ota-update"


def ota_role_trust(account: str) -> dict[str, Any]:
    """Only AWS IoT may assume the role, and only on behalf of this account (confused deputy guard)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": IOT_SERVICE},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }
        ],
    }


def ota_role_permissions(
    bucket: str, role_arn: str, region: str, account: str, *, signer: bool = False
) -> dict[str, Any]:
    """The inline policy an OTA update role needs; every statement says why it is there."""
    iot = f"arn:aws:iot:{region}:{account}"
    statements: list[dict[str, Any]] = [
        {
            # AWS IoT reads the role and passes it on to the job (presigned URLs) and the stream it
            # creates; it may pass this role only, never another.
            "Sid": "PassThisRoleToTheOtaJobAndStream",
            "Effect": "Allow",
            "Action": ["iam:GetRole", "iam:PassRole"],
            "Resource": role_arn,
        },
        {
            # The stream (MQTT) and the presigned URLs (HTTP) read the pinned version of the image;
            # nothing outside this bucket, and no listing or writing.
            "Sid": "ReadFirmwareImages",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": f"arn:aws:s3:::{bucket}/*",
        },
        {
            # CreateJob is authorized on the job and on every target: the update's AFR_OTA- job,
            # aimed at things and thing groups of this account and region.
            "Sid": "CreateTheOtaJobForItsTargets",
            "Effect": "Allow",
            "Action": "iot:CreateJob",
            "Resource": [f"{iot}:job/{OTA_JOB_PREFIX}*", f"{iot}:thing/*", f"{iot}:thinggroup/*"],
        },
        {
            # Follow, cancel and (on DeleteOTAUpdate with forceDeleteAWSJob) delete that job only.
            "Sid": "ManageTheOtaJob",
            "Effect": "Allow",
            "Action": ["iot:DescribeJob", "iot:UpdateJob", "iot:CancelJob", "iot:DeleteJob"],
            "Resource": f"{iot}:job/{OTA_JOB_PREFIX}*",
        },
        {
            # The MQTT file stream the update creates (named AFR_OTA-<uuid>), and its deletion.
            "Sid": "ManageTheOtaStream",
            "Effect": "Allow",
            "Action": ["iot:CreateStream", "iot:DescribeStream", "iot:UpdateStream", "iot:DeleteStream"],
            "Resource": f"{iot}:stream/{OTA_JOB_PREFIX}*",
        },
        {
            # The OTA service reads the update it works on while it builds the job and stream.
            "Sid": "ReadTheOtaUpdate",
            "Effect": "Allow",
            "Action": "iot:GetOTAUpdate",
            "Resource": f"{iot}:otaupdate/*",
        },
    ]
    if signer:
        statements.append(
            {
                # With AWS Signer the update names a signing job; the service looks up its output.
                "Sid": "ReadTheSigningJob",
                "Effect": "Allow",
                "Action": "signer:DescribeSigningJob",
                "Resource": f"arn:aws:signer:{region}:{account}:/signing-jobs/*",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def check_role_fits(role: RoleInfo, bucket: str) -> list[str]:
    """What keeps an existing role from serving OTA updates from `bucket` (empty when it fits).

    Reads the trust policy and the inline and managed policies; a permissions boundary or an
    organization SCP can still take permissions away, which AWS reports when the update is created.
    """
    problems = trust_problems(role)
    account = role.arn.split(":")[4] if role.arn.count(":") >= 5 else "*"
    # "*" in a checked ARN stands for "whichever region the update is created in".
    wanted = (
        ("iam:PassRole", role.arn),
        ("s3:GetObject", f"arn:aws:s3:::{bucket}/firmware.bin"),
        ("s3:GetObjectVersion", f"arn:aws:s3:::{bucket}/firmware.bin"),
        ("iot:CreateJob", f"arn:aws:iot:*:{account}:job/{OTA_JOB_PREFIX}check"),
        ("iot:CreateStream", f"arn:aws:iot:*:{account}:stream/{OTA_JOB_PREFIX}check"),
    )
    for action, resource in wanted:
        if not allows(role, action, resource):
            where = f"objects of bucket {bucket}" if action.startswith("s3:") else resource.rsplit(":", 1)[-1]
            problems.append(f"role {role.name} does not allow {action} on {where}")
    return problems


def trust_problems(role: RoleInfo) -> list[str]:
    """Whether AWS IoT may assume the role, and nobody may assume it without conditions."""
    problems = []
    statements = [s for s in _statements(role.trust_document) if s.get("Effect") == "Allow"]
    assumes = [s for s in statements if _matches_any(_as_list(s.get("Action")), "sts:AssumeRole")]
    if not any(
        IOT_SERVICE in _as_list((s.get("Principal") or {}).get("Service"))
        for s in assumes
        if isinstance(s.get("Principal"), dict)
    ):
        problems.append(f"role {role.name} does not trust {IOT_SERVICE} to assume it (its trust policy)")
    for statement in assumes:
        principal = statement.get("Principal")
        anyone = principal == "*" or (isinstance(principal, dict) and "*" in _as_list(principal.get("AWS")))
        if anyone and not statement.get("Condition"):
            problems.append(f"role {role.name} lets anyone assume it (Principal '*' without a condition)")
    return problems


def allows(role: RoleInfo, action: str, resource: str) -> bool:
    """Whether an Allow statement of the role's policies grants `action` on `resource`, and no Deny refuses it."""
    documents = [*role.inline_policies.values(), *role.managed_policies.values()]
    statements = [s for document in documents for s in _statements(document)]

    def grants(statement: dict[str, Any]) -> bool:
        actions, resources = _as_list(statement.get("Action")), _as_list(statement.get("Resource"))
        return _matches_any(actions, action) and any(_resource_matches(pattern, resource) for pattern in resources)

    if any(statement.get("Effect") == "Deny" and grants(statement) for statement in statements):
        return False
    return any(statement.get("Effect") == "Allow" and grants(statement) for statement in statements)


def _statements(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    found = document.get("Statement", [])
    for statement in found if isinstance(found, list) else [found]:
        if isinstance(statement, dict):
            yield statement


def _matches_any(patterns: list[Any], value: str) -> bool:
    # IAM matches action names case-insensitively.
    return any(isinstance(p, str) and fnmatch.fnmatchcase(value.lower(), p.lower()) for p in patterns)


def _resource_matches(pattern: Any, value: str) -> bool:
    """IAM wildcard matching of ARNs; a "*" segment in `value` matches any pattern segment."""
    if not isinstance(pattern, str):
        return False
    wanted, given = pattern.split(":", 5), value.split(":", 5)
    if pattern == "*" or len(wanted) != 6 or len(given) != 6:
        return fnmatch.fnmatchcase(value, pattern)
    return all(part == "*" or fnmatch.fnmatchcase(part, want) for part, want in zip(given, wanted, strict=True))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
