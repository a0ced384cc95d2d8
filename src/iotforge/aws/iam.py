"""The IAM gateway: roles for OTA updates and presigned URLs, and their policies (implements RoleStore)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from iotforge.aws.errors import translate_errors
from iotforge.aws.session import AwsSession
from iotforge.errors import (
    AccessDeniedError,
    AwsError,
    CredentialsError,
    NotFoundError,
    ThrottledError,
    UnreachableError,
)
from iotforge.workflows.ota_models import RoleInfo, RoleSummary

ASSUME_CHECK_SESSION = "iotforge-role-check"
ASSUME_CHECK_SECONDS = 900  # the shortest session STS grants


def _document(value: Any) -> dict[str, Any]:
    """botocore decodes IAM policy documents; some endpoints send them URL-encoded instead."""
    if isinstance(value, dict):
        return value
    text = unquote(str(value or "{}"))
    parsed = json.loads(text)
    return parsed if isinstance(parsed, dict) else {}


class IamGateway:
    def __init__(self, session: AwsSession) -> None:
        self._session = session

    @property
    def _client(self) -> Any:
        return self._session.client("iam")

    def _pages(self, operation: str, action: str, key: str, **arguments: Any) -> list[Any]:
        items: list[Any] = []
        with translate_errors(action):
            for page in self._client.get_paginator(operation).paginate(**arguments):
                items.extend(page.get(key, []))
        return items

    def get_role(self, name: str) -> RoleInfo | None:
        """The role with its trust policy, boundary, inline and attached policy documents; None if missing."""
        try:
            with translate_errors(f"read role {name} (iam:GetRole)"):
                role = self._client.get_role(RoleName=name)["Role"]
        except NotFoundError:
            return None
        inline: dict[str, dict[str, Any]] = {}
        for policy_name in self._pages(
            "list_role_policies", f"list inline policies of {name} (iam:ListRolePolicies)", "PolicyNames", RoleName=name
        ):
            with translate_errors(f"read inline policy {policy_name} of {name} (iam:GetRolePolicy)"):
                found = self._client.get_role_policy(RoleName=name, PolicyName=policy_name)
            inline[str(policy_name)] = _document(found["PolicyDocument"])
        managed: dict[str, dict[str, Any]] = {}
        for attached in self._attached(name):
            managed[attached] = self._managed_document(attached)
        boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        return RoleInfo(
            name=str(role["RoleName"]),
            arn=str(role["Arn"]),
            trust_document=_document(role.get("AssumeRolePolicyDocument")),
            permissions_boundary=str(boundary) if boundary else None,
            inline_policies=inline,
            managed_policies=managed,
        )

    def _attached(self, name: str) -> list[str]:
        attached = self._pages(
            "list_attached_role_policies",
            f"list policies attached to {name} (iam:ListAttachedRolePolicies)",
            "AttachedPolicies",
            RoleName=name,
        )
        return [str(policy["PolicyArn"]) for policy in attached]

    def _managed_document(self, policy_arn: str) -> dict[str, Any]:
        with translate_errors(f"read managed policy {policy_arn} (iam:GetPolicy)"):
            version = self._client.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
        with translate_errors(f"read managed policy {policy_arn} (iam:GetPolicyVersion)"):
            found = self._client.get_policy_version(PolicyArn=policy_arn, VersionId=version)
        return _document(found["PolicyVersion"]["Document"])

    def create_role(
        self, name: str, trust_document: dict[str, Any], permissions_boundary: str | None, description: str
    ) -> str:
        arguments: dict[str, Any] = {
            "RoleName": name,
            "AssumeRolePolicyDocument": json.dumps(trust_document),
            "Description": description,
        }
        if permissions_boundary:
            arguments["PermissionsBoundary"] = permissions_boundary
        try:
            with translate_errors(f"create role {name} (iam:CreateRole)"):
                role = self._client.create_role(**arguments)["Role"]
        except AccessDeniedError as error:
            hint = (
                f"Check that the permissions boundary {permissions_boundary} exists and lets you create roles."
                if permissions_boundary
                else "Accounts that require a permissions boundary refuse roles without one: "
                "pass --permissions-boundary arn:aws:iam::ACCOUNT:policy/NAME."
            )
            raise AccessDeniedError(
                error.message, hint, code=error.code, operation=error.operation, details=error.details
            ) from error
        return str(role["Arn"])

    def put_role_policy(self, role: str, policy_name: str, document: dict[str, Any]) -> None:
        with translate_errors(f"put inline policy {policy_name} on {role} (iam:PutRolePolicy)"):
            self._client.put_role_policy(RoleName=role, PolicyName=policy_name, PolicyDocument=json.dumps(document))

    def list_roles(self, path_prefix: str = "/") -> list[RoleSummary]:
        roles = self._pages("list_roles", "list roles (iam:ListRoles)", "Roles", PathPrefix=path_prefix)
        return [
            RoleSummary(str(role["RoleName"]), str(role["Arn"]), str(role.get("Path", "/")), role.get("CreateDate"))
            for role in roles
        ]

    def delete_role(self, name: str) -> None:
        """Remove what holds the role (inline and managed policies, instance profiles), then the role."""
        for policy_name in self._pages(
            "list_role_policies", f"list inline policies of {name} (iam:ListRolePolicies)", "PolicyNames", RoleName=name
        ):
            with translate_errors(f"delete inline policy {policy_name} of {name} (iam:DeleteRolePolicy)"):
                self._client.delete_role_policy(RoleName=name, PolicyName=policy_name)
        for policy_arn in self._attached(name):
            with translate_errors(f"detach {policy_arn} from {name} (iam:DetachRolePolicy)"):
                self._client.detach_role_policy(RoleName=name, PolicyArn=policy_arn)
        profiles = self._pages(
            "list_instance_profiles_for_role",
            f"list instance profiles of {name} (iam:ListInstanceProfilesForRole)",
            "InstanceProfiles",
            RoleName=name,
        )
        for profile in profiles:
            profile_name = profile["InstanceProfileName"]
            with translate_errors(
                f"remove {name} from instance profile {profile_name} (iam:RemoveRoleFromInstanceProfile)"
            ):
                self._client.remove_role_from_instance_profile(InstanceProfileName=profile_name, RoleName=name)
        with translate_errors(f"delete role {name} (iam:DeleteRole)"):
            self._client.delete_role(RoleName=name)

    def can_assume(self, role_arn: str) -> str | None:
        """Try sts:AssumeRole with the current credentials: None when it works, else why not."""
        try:
            with translate_errors(f"assume role {role_arn} (sts:AssumeRole)"):
                self._session.client("sts").assume_role(
                    RoleArn=role_arn, RoleSessionName=ASSUME_CHECK_SESSION, DurationSeconds=ASSUME_CHECK_SECONDS
                )
        except (CredentialsError, ThrottledError, UnreachableError):
            raise  # not an answer about the role
        except AwsError as error:
            return error.message
        return None
