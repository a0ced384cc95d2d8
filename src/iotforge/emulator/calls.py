"""Who is calling what: the signing service, region and AWS operation of a request."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qs

from werkzeug.wrappers import Request

DEFAULT_ACCOUNT_ID = "123456789012"
_CREDENTIAL_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass(frozen=True)
class CallInfo:
    service: str
    region: str
    operation: str | None
    access_key: str | None

    @property
    def action(self) -> str | None:
        """The IAM action name, e.g. iot:CreateThing."""
        if self.operation is None:
            return None
        prefix = "iotjobsdata" if self.service == "iot-jobs-data" else self.service
        return f"{prefix}:{self.operation}"


def identify(request: Request) -> CallInfo:
    scope = _CREDENTIAL_SCOPE.search(request.headers.get("Authorization", ""))
    if scope is None:
        credential = request.args.get("X-Amz-Credential", "")
        scope = _CREDENTIAL_SCOPE.search(f"Credential={credential}")
    if scope is None:
        return CallInfo(service="s3", region="us-east-1", operation=None, access_key=None)
    access_key, region, service = scope.group(1), scope.group(2), scope.group(3)
    return CallInfo(
        service=service,
        region=region,
        operation=operation_name(service, request),
        access_key=access_key,
    )


def operation_name(service: str, request: Request) -> str | None:
    if service in ("iam", "sts"):
        action = request.args.get("Action")
        if action is None and request.mimetype == "application/x-www-form-urlencoded":
            action = parse_qs(request.get_data(as_text=True)).get("Action", [None])[0]
        return None if action is None else str(action)
    for operation in _rest_operations(service):
        if operation.matches(request):
            return operation.name
    return None


@dataclass(frozen=True)
class _RestOperation:
    name: str
    method: str
    path: re.Pattern[str]
    query_keys: frozenset[str]  # "?acl" / "?uploads": keys the URI itself requires
    required_headers: frozenset[str]  # e.g. CopyObject's x-amz-copy-source

    def matches(self, request: Request) -> bool:
        return (
            self.method == request.method
            and self.path.fullmatch(request.path) is not None
            and self.query_keys <= set(request.args)
            and all(header in request.headers for header in self.required_headers)
        )


@cache
def _rest_operations(service: str) -> tuple[_RestOperation, ...]:
    """Operations from botocore's model, most specific first (query keys, headers, literal path)."""
    import botocore.session

    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # an unknown service simply has no named operations here
        return ()
    if model.protocol not in ("rest-json", "rest-xml"):
        return ()
    found: list[tuple[tuple[int, int, int], _RestOperation]] = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        uri, _, query = operation.http["requestUri"].partition("?")
        keys = frozenset(part.split("=")[0] for part in query.split("&") if part)
        shape = operation.input_shape
        headers: frozenset[str] = frozenset()
        if shape is not None:
            headers = frozenset(
                str(member.serialization["name"])
                for member_name, member in shape.members.items()
                if member.serialization.get("location") == "header" and member_name in shape.required_members
            )
        regex = re.sub(r"\\\{[^}]+?\\\+\\\}", ".+", re.escape(uri))
        regex = re.sub(r"\\\{[^}]+?\\\}", "[^/]+", regex)
        literal = len(re.sub(r"\{[^}]+\}", "", uri))
        entry = _RestOperation(name, operation.http["method"], re.compile(regex), keys, headers)
        found.append(((len(keys), len(headers), literal), entry))
    found.sort(key=lambda item: item[0], reverse=True)
    return tuple(entry for _, entry in found)
