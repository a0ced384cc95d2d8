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
    for method, pattern, name in _rest_operations(service):
        if method == request.method and pattern.fullmatch(request.path):
            return name
    return None


@cache
def _rest_operations(service: str) -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """(method, path regex, operation) from botocore's model, most specific paths first."""
    import botocore.session

    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # an unknown service simply has no named operations here
        return ()
    if model.protocol not in ("rest-json", "rest-xml"):
        return ()
    entries = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http["requestUri"].split("?")[0]
        literal_weight = len(re.sub(r"\{[^}]+\}", "", uri))
        regex = re.sub(r"\\\{[^}]+?\\\+\\\}", ".+", re.escape(uri))
        regex = re.sub(r"\\\{[^}]+?\\\}", "[^/]+", regex)
        entries.append((literal_weight, http["method"], re.compile(regex), name))
    entries.sort(key=lambda entry: -entry[0])
    return tuple((method, pattern, name) for _, method, pattern, name in entries)
