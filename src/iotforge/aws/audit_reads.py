"""The reads `iotforge audit` makes (and its two bucket repairs): implements the audit ports."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from iotforge.aws.errors import translate_errors
from iotforge.aws.iot import IotGateway
from iotforge.aws.session import AwsSession
from iotforge.errors import NotFoundError
from iotforge.workflows.audit_models import OtaUpdateUse, RoleTrust
from iotforge.workflows.models import CertificateSummary


def _summary(item: dict[str, Any]) -> CertificateSummary:
    return CertificateSummary(
        str(item["certificateArn"]), str(item["certificateId"]), str(item["status"]), item["creationDate"]
    )


class IotAuditReads(IotGateway):
    """IotGateway plus the account-wide listings an audit needs, through the same rate limiter."""

    def thing_names(self) -> list[str]:
        return [
            str(thing["thingName"]) for thing in self._paginate("ListThings", "list things (iot:ListThings)", "things")
        ]

    def certificates(self) -> list[CertificateSummary]:
        listed = self._paginate("ListCertificates", "list certificates (iot:ListCertificates)", "certificates")
        return [_summary(item) for item in listed]

    def certificate(self, certificate_id: str) -> CertificateSummary | None:
        try:
            return _summary(self._describe_certificate(certificate_id))
        except NotFoundError:
            return None

    def policy_names(self) -> list[str]:
        policies = self._paginate("ListPolicies", "list policies (iot:ListPolicies)", "policies")
        return [str(policy["policyName"]) for policy in policies]

    def policy_document(self, policy_name: str) -> str | None:
        try:
            found = self._call("GetPolicy", f"read policy {policy_name} (iot:GetPolicy)", policyName=policy_name)
        except NotFoundError:
            return None
        return str(found.get("policyDocument") or "")

    def ota_updates(self) -> list[OtaUpdateUse]:
        listed = self._paginate("ListOTAUpdates", "list OTA updates (iot:ListOTAUpdates)", "otaUpdates")
        uses: list[OtaUpdateUse] = []
        for summary in listed:
            update_id = str(summary["otaUpdateId"])
            try:
                info = self._call(
                    "GetOTAUpdate", f"read OTA update {update_id} (iot:GetOTAUpdate)", otaUpdateId=update_id
                )["otaUpdateInfo"]
            except NotFoundError:
                continue
            buckets: set[str] = set()
            for entry in info.get("otaUpdateFiles") or []:
                location = entry.get("fileLocation") or {}
                if location.get("s3Location", {}).get("bucket"):
                    buckets.add(str(location["s3Location"]["bucket"]))
                stream = location.get("stream", {}).get("streamId")
                if stream:
                    buckets.update(self._stream_buckets(str(stream)))
            uses.append(
                OtaUpdateUse(update_id, tuple(str(t) for t in info.get("targets") or ()), tuple(sorted(buckets)))
            )
        return uses

    def _stream_buckets(self, stream_id: str) -> set[str]:
        try:
            info = self._call("DescribeStream", f"read stream {stream_id} (iot:DescribeStream)", streamId=stream_id)
        except NotFoundError:
            return set()
        files = info.get("streamInfo", {}).get("files") or []
        return {str(item["s3Location"]["bucket"]) for item in files if item.get("s3Location", {}).get("bucket")}


class IamAuditReads:
    def __init__(self, session: AwsSession) -> None:
        self._session = session

    def role_trusts(self) -> list[RoleTrust]:
        """Every role with its trust policy (ListRoles carries it: one call per 100 roles)."""
        roles: list[RoleTrust] = []
        with translate_errors("list roles (iam:ListRoles)"):
            for page in self._session.client("iam").get_paginator("list_roles").paginate():
                for role in page.get("Roles", []):
                    trust = _document(role.get("AssumeRolePolicyDocument"))
                    roles.append(RoleTrust(str(role["RoleName"]), str(role["Arn"]), str(role.get("Path", "/")), trust))
        return roles


def _document(value: Any) -> dict[str, Any]:
    """IAM documents arrive decoded from AWS, URL-encoded from some endpoints."""
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(unquote(str(value or "{}")))
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
