"""The default least-privilege IoT policy, and the checks every policy document passes."""

from __future__ import annotations

import json
from typing import Any

from iotforge.errors import BadInputError

POLICY_SIZE_LIMIT = 2048
THING = "${iot:Connection.Thing.ThingName}"


def default_thing_policy(region: str, account: str) -> dict[str, Any]:
    """A device may connect as itself only, and use only its own topics, jobs and OTA streams."""
    arn = f"arn:aws:iot:{region}:{account}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iot:Connect",
                "Resource": f"{arn}:client/{THING}",
                "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}},
            },
            {
                "Effect": "Allow",
                "Action": ["iot:Publish", "iot:Receive"],
                "Resource": [
                    f"{arn}:topic/{THING}/*",
                    f"{arn}:topic/$aws/things/{THING}/jobs/*",
                    f"{arn}:topic/$aws/things/{THING}/streams/*",
                ],
            },
            {
                "Effect": "Allow",
                "Action": "iot:Subscribe",
                "Resource": [
                    f"{arn}:topicfilter/{THING}/*",
                    f"{arn}:topicfilter/$aws/things/{THING}/jobs/*",
                    f"{arn}:topicfilter/$aws/things/{THING}/streams/*",
                ],
            },
        ],
    }


def policy_text(document: dict[str, Any]) -> str:
    """Serialise compactly (the 2048-character limit counts whitespace) after checking it."""
    text = json.dumps(document, separators=(",", ":"))
    check_policy_text(text, "the default policy")
    return text


def check_policy_text(text: str, origin: str) -> dict[str, Any]:
    """Reject a policy that is not JSON, too long, or grants `iot:*` or `Resource: *`."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInputError(
            f"{origin} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}).",
            "Fix the JSON, for example with `python -m json.tool FILE`.",
        ) from error
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), list | dict):
        raise BadInputError(f"{origin} has no Statement list.", "An IoT policy needs Version and Statement.")
    compact = json.dumps(document, separators=(",", ":"))
    if len(compact) > POLICY_SIZE_LIMIT:
        raise BadInputError(
            f"{origin} is {len(compact)} characters; AWS IoT allows {POLICY_SIZE_LIMIT}.",
            "Merge statements or use topic wildcards scoped to the thing name.",
        )
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    for statement in statements:
        for action in _as_list(statement.get("Action")):
            if action in ("*", "iot:*"):
                raise BadInputError(
                    f"{origin} allows {action!r}.", "Name the actions devices need (iot:Connect, iot:Publish, ...)."
                )
        if statement.get("Effect") == "Allow" and "*" in _as_list(statement.get("Resource")):
            raise BadInputError(
                f"{origin} allows Resource '*'.",
                f"Scope resources to the device, e.g. arn:aws:iot:REGION:ACCOUNT:client/{THING}.",
            )
    return document


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
