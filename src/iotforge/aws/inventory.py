"""Read-only listings of IoT, IAM and S3 resources, every page (implements workflows.listing.Inventory).

It is an IotGateway too, so the resource commands use one client and one rate limiter for their
registry changes and their reads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from iotforge.aws.errors import translate_errors
from iotforge.aws.iot import IotGateway
from iotforge.errors import NotFoundError
from iotforge.workflows.listing import ListedResource, ResourceKind


def _when(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None


# kind -> (IoT operation, result key, item -> ListedResource)
_IOT_LISTINGS: dict[str, tuple[str, str, Callable[[dict[str, Any]], ListedResource]]] = {
    "things": ("ListThings", "things", lambda item: ListedResource(str(item["thingName"]), item.get("thingArn"))),
    "policies": (
        "ListPolicies",
        "policies",
        lambda item: ListedResource(str(item["policyName"]), item.get("policyArn")),
    ),
    "certificates": (
        "ListCertificates",
        "certificates",
        lambda item: ListedResource(
            str(item["certificateId"]), item.get("certificateArn"), item.get("status"), _when(item.get("creationDate"))
        ),
    ),
    "ota-updates": (
        "ListOTAUpdates",
        "otaUpdates",
        lambda item: ListedResource(
            str(item["otaUpdateId"]), item.get("otaUpdateArn"), None, _when(item.get("creationDate"))
        ),
    ),
    "jobs": (
        "ListJobs",
        "jobs",
        lambda item: ListedResource(
            str(item["jobId"]), item.get("jobArn"), item.get("status"), _when(item.get("createdAt"))
        ),
    ),
}


class InventoryGateway(IotGateway):
    def list_resources(self, kind: ResourceKind) -> list[ListedResource]:
        if kind in _IOT_LISTINGS:
            operation, key, convert = _IOT_LISTINGS[kind]
            action = f"list {kind.replace('-', ' ')} (iot:{operation})"
            return [convert(item) for item in self._paginate(operation, action, key)]
        if kind == "roles":
            return [
                ListedResource(str(role["RoleName"]), role.get("Arn"), role.get("Path"), _when(role.get("CreateDate")))
                for role in self._pages("iam", "list_roles", "list roles (iam:ListRoles)", "Roles")
            ]
        if kind == "buckets":
            return [
                ListedResource(
                    str(bucket["Name"]), f"arn:aws:s3:::{bucket['Name']}", None, _when(bucket.get("CreationDate"))
                )
                for bucket in self._pages("s3", "list_buckets", "list buckets (s3:ListAllMyBuckets)", "Buckets")
            ]
        raise ValueError(f"no listing for {kind!r}")

    def _pages(self, service: str, operation: str, action: str, key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        with translate_errors(action):
            for page in self._session.client(service).get_paginator(operation).paginate():
                items.extend(page.get(key, []))
        return items

    def thing_exists(self, thing_name: str) -> bool:
        try:
            self._call("DescribeThing", f"look up thing {thing_name} (iot:DescribeThing)", thingName=thing_name)
        except NotFoundError:
            return False
        return True

    def stream_role(self, stream_id: str) -> str | None:
        """The role a stream reads its S3 files with (an OTA update's role, for MQTT updates)."""
        try:
            found = self._call("DescribeStream", f"read stream {stream_id} (iot:DescribeStream)", streamId=stream_id)
        except NotFoundError:
            return None
        role = found.get("streamInfo", {}).get("roleArn")
        return str(role) if role else None

    def job_presigned_role(self, job_id: str) -> str | None:
        """The role a job presigns its S3 URLs with (an OTA update's role, for HTTP updates)."""
        try:
            found = self._call("DescribeJob", f"describe job {job_id} (iot:DescribeJob)", jobId=job_id)
        except NotFoundError:
            return None
        role = (found.get("job", {}).get("presignedUrlConfig") or {}).get("roleArn")
        return str(role) if role else None
