"""Read-only views of moto's IoT, IAM and S3 state that the jobs, OTA and tagging features need.

Every function here is called with the emulator's moto lock held (route handlers hold it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from iotforge.emulator.wire import AwsFault

_ARN = re.compile(r"arn:(?P<partition>[\w-]+):iot:(?P<region>[\w-]+):(?P<account>\d{12}):(?P<kind>[a-z]+)/(?P<name>.+)")
IOT_SERVICE_PRINCIPAL = "iot.amazonaws.com"


@dataclass(frozen=True)
class IotArn:
    region: str
    account: str
    kind: str  # thing, thinggroup, policy, job, otaupdate, stream, ...
    name: str


def parse_iot_arn(arn: str) -> IotArn | None:
    found = _ARN.fullmatch(arn)
    if found is None:
        return None
    return IotArn(found["region"], found["account"], found["kind"], found["name"])


def iot_arn(account_id: str, region: str, kind: str, name: str) -> str:
    return f"arn:{_partition(region)}:iot:{region}:{account_id}:{kind}/{name}"


def _partition(region: str) -> str:
    from moto.utilities.utils import get_partition

    return str(get_partition(region))


def iot_backend(account_id: str, region: str) -> Any:
    from moto.iot.models import iot_backends

    return iot_backends[account_id][region]


def moto_fault(error: Exception) -> AwsFault:
    """The AwsFault for one of moto's JsonRESTError exceptions."""
    return AwsFault(
        int(getattr(error, "code", 400)),
        str(getattr(error, "error_type", "InvalidRequestException")),
        str(getattr(error, "message", error)),
    )


class Fleet:
    """Things and thing groups of one account and region, as moto holds them."""

    def __init__(self, account_id: str, region: str) -> None:
        self.backend = iot_backend(account_id, region)

    def thing_by_arn(self, arn: str) -> Any | None:
        return self.backend.things.get(arn)

    def group_by_arn(self, arn: str) -> Any | None:
        return self.backend.thing_groups.get(arn)

    def group_members(self, group: Any) -> dict[str, str]:
        """Thing name -> thing ARN for the group and, as in AWS, its child groups."""
        members: dict[str, str] = {}
        pending = [group]
        seen: set[str] = set()
        while pending:
            current = pending.pop()
            if current.arn in seen:
                continue
            seen.add(current.arn)
            for thing in current.things.values():
                if thing.arn in self.backend.things:  # moto keeps deleted things in groups
                    members.setdefault(thing.thing_name, thing.arn)
            pending.extend(
                child
                for child in self.backend.thing_groups.values()
                if child.parent_group_name == current.thing_group_name
            )
        return members


def find_role(account_id: str, role_arn: str) -> Any | None:
    from moto.iam.models import iam_backends

    backend = iam_backends[account_id]["aws"]
    for role in backend.get_roles():
        if role.arn == role_arn:
            return role
    return None


def role_trusts_iot(role: Any) -> bool:
    """Whether the role's trust policy lets iot.amazonaws.com call sts:AssumeRole."""
    document = role.assume_role_policy_document
    try:
        policy = json.loads(document) if isinstance(document, str) else document
        if isinstance(policy, str):
            policy = json.loads(unquote(policy))
    except ValueError:
        try:
            policy = json.loads(unquote(document))
        except ValueError:
            return False
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    return any(_statement_trusts_iot(statement) for statement in statements if isinstance(statement, dict))


def _statement_trusts_iot(statement: dict[str, Any]) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    actions = _as_list(statement.get("Action"))
    if not any(action in ("sts:AssumeRole", "sts:*", "*") for action in actions):
        return False
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return IOT_SERVICE_PRINCIPAL in _as_list(principal.get("Service")) or "*" in _as_list(principal.get("AWS"))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def role_problem(account_id: str, role_arn: str) -> str | None:
    """Why AWS IoT could not assume the role, or None when it can."""
    role = find_role(account_id, role_arn)
    if role is None:
        return f"Unable to assume role {role_arn}: the role does not exist"
    if not role_trusts_iot(role):
        return (
            f"Unable to assume role {role_arn}: its trust policy does not allow "
            f"{IOT_SERVICE_PRINCIPAL} to perform sts:AssumeRole"
        )
    return None


def s3_object(account_id: str, region: str, bucket: str, key: str, version: str | None = None) -> Any | None:
    """moto's object for bucket/key (and version), or None when the bucket, key or version is missing."""
    from moto.s3.models import s3_backends

    backend = s3_backends[account_id][_partition(region)]
    if bucket not in backend.buckets:
        return None
    try:
        return backend.get_object(bucket, key, version_id=version)
    except Exception:  # moto raises for a malformed version id
        return None


@dataclass(frozen=True)
class S3Url:
    bucket: str
    key: str
    version: str | None = None


_VIRTUAL_HOST = re.compile(r"(?P<bucket>.+)\.s3[.-](?:[\w-]+\.)?amazonaws\.com(?:\.cn)?")
_PATH_HOST = re.compile(r"s3(?:[.-][\w-]+)?\.amazonaws\.com(?:\.cn)?")


def parse_s3_url(url: str) -> S3Url | None:
    """bucket, key and version of https://s3[.region].amazonaws.com/b/k or https://b.s3[.region].amazonaws.com/k."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    version = None
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if name == "versionId" and value:
            version = unquote(value)
    virtual = _VIRTUAL_HOST.fullmatch(host)
    if virtual is not None and not _PATH_HOST.fullmatch(host):
        key = unquote(parts.path.lstrip("/"))
        return S3Url(virtual["bucket"], key, version) if key else None
    if _PATH_HOST.fullmatch(host):
        bucket, _, key = parts.path.lstrip("/").partition("/")
        return S3Url(unquote(bucket), unquote(key), version) if bucket and key else None
    return None


def s3_https_url(region: str, bucket: str, key: str, version: str | None = None) -> str:
    url = f"https://s3.{region}.amazonaws.com/{bucket}/{quote(key)}"
    return f"{url}?versionId={quote(version)}" if version else url
