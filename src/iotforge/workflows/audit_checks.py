"""Pure checks over IoT policies and IAM trust documents: what `iotforge audit` flags.

Each check returns `Problem`s (severity, what is wrong, how to fix it); the audit turns them into
findings and the least-privilege tests assert iotforge's own documents yield none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["high", "medium", "low"]
SEVERITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2}

WILDCARD_ACTIONS = frozenset({"*", "iot:*"})
CLIENT_ID_VARIABLE = "${iot:ClientId}"
IS_ATTACHED_KEY = "iot:connection.thing.isattached"
ASSUME_ACTIONS = frozenset({"*", "sts:*", "sts:assumerole"})
_ACCOUNT_ROOT = re.compile(r"(arn:aws[a-z-]*:iam::)?(?P<account>\d{12})(:root)?")
_ACCOUNT_WIDE = re.compile(r"arn:aws[a-z-]*:iot:[^:]*:[^:]*:\*")


@dataclass(frozen=True)
class Problem:
    check: str
    severity: Severity
    problem: str
    fix: str


def as_list(value: Any) -> list[Any]:
    """A policy field that may be one value or a list, as a list.

    >>> as_list("iot:Connect"), as_list(["a", "b"]), as_list(None)
    (['iot:Connect'], ['a', 'b'], [])
    """
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def statements(document: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The document's statements that are well-formed objects."""
    for statement in as_list(document.get("Statement")):
        if isinstance(statement, Mapping):
            yield statement


def _allows(statement: Mapping[str, Any]) -> bool:
    return str(statement.get("Effect", "")).lower() == "allow"


def requires_attached_thing(condition: Any) -> bool:
    """Whether a Condition block demands `iot:Connection.Thing.IsAttached` be true.

    >>> requires_attached_thing({"Bool": {"iot:Connection.Thing.IsAttached": "true"}})
    True
    >>> requires_attached_thing({"Bool": {"iot:Connection.Thing.IsAttached": "false"}})
    False
    """
    if not isinstance(condition, Mapping):
        return False
    for operator, tests in condition.items():
        if not str(operator).lower().endswith("bool") or not isinstance(tests, Mapping):
            continue
        for key, value in tests.items():
            if str(key).lower() == IS_ATTACHED_KEY and all(str(item).lower() == "true" for item in as_list(value)):
                return True
    return False


def iot_policy_problems(document: Mapping[str, Any]) -> list[Problem]:
    """What makes an IoT policy grant more than a device needs."""
    found: list[Problem] = []
    for statement in statements(document):
        if not _allows(statement):
            continue
        actions = [str(action) for action in as_list(statement.get("Action"))]
        resources = [str(resource) for resource in as_list(statement.get("Resource"))]
        wild = sorted(set(actions) & WILDCARD_ACTIONS)
        if wild or "NotAction" in statement:
            granted = f"{wild[0]!r}" if wild else "every action but its NotAction list"
            found.append(
                Problem(
                    "policy-wildcard-action",
                    "high",
                    f"allows {granted}",
                    "Name the actions devices need: iot:Connect, iot:Publish, iot:Subscribe, iot:Receive.",
                )
            )
        if "*" in resources or any(_ACCOUNT_WIDE.fullmatch(resource) for resource in resources):
            found.append(
                Problem(
                    "policy-wildcard-resource",
                    "high",
                    "allows Resource '*' (every client id and topic in the account)",
                    "Scope resources to the device, e.g. "
                    "arn:aws:iot:REGION:ACCOUNT:client/${iot:Connection.Thing.ThingName}.",
                )
            )
        uses_client_id = any(CLIENT_ID_VARIABLE in resource for resource in resources)
        if uses_client_id and not requires_attached_thing(statement.get("Condition")):
            found.append(
                Problem(
                    "policy-client-id",
                    "medium",
                    f"uses {CLIENT_ID_VARIABLE} without requiring iot:Connection.Thing.IsAttached, so any "
                    "certificate with this policy may connect under any client id it picks",
                    'Use ${iot:Connection.Thing.ThingName} and add Condition {"Bool": '
                    '{"iot:Connection.Thing.IsAttached": "true"}}.',
                )
            )
    return found


def _assume_statement(statement: Mapping[str, Any]) -> bool:
    return _allows(statement) and any(str(a).lower() in ASSUME_ACTIONS for a in as_list(statement.get("Action")))


def trust_problems(document: Mapping[str, Any]) -> list[Problem]:
    """What makes a role's trust policy admit more than the one service that needs the role."""
    found: list[Problem] = []
    for statement in statements(document):
        if not _assume_statement(statement):
            continue
        conditioned = bool(statement.get("Condition"))
        if "NotPrincipal" in statement:
            found.append(
                Problem(
                    "role-trust-any",
                    "high",
                    "trusts everyone but its NotPrincipal list",
                    "Replace NotPrincipal with the one service principal that needs the role.",
                )
            )
            continue
        principal = statement.get("Principal")
        mapping = principal if isinstance(principal, Mapping) else {}
        identities = [str(item) for item in as_list(mapping.get("AWS"))]
        if principal == "*" or "*" in identities:
            found.append(
                Problem(
                    "role-trust-any",
                    "high",
                    "trusts any AWS principal ('*')" + (", limited only by conditions" if conditioned else ""),
                    "Trust only the service that uses the role, e.g. iot.amazonaws.com, with an aws:SourceAccount "
                    "condition.",
                )
            )
        roots = [match.group("account") for item in identities if (match := _ACCOUNT_ROOT.fullmatch(item))]
        for account in roots:
            found.append(
                Problem(
                    "role-trust-account",
                    "medium",
                    f"trusts every identity of account {account} (its root)",
                    "Name the one role or user that assumes it, or the service principal, instead of the account.",
                )
            )
        services = [str(item) for item in as_list(mapping.get("Service"))]
        if len(services) > 1 and not conditioned:
            found.append(
                Problem(
                    "role-trust-services",
                    "medium",
                    f"trusts {len(services)} services ({', '.join(sorted(services))}) without conditions",
                    "Keep the one service that needs the role, and add an aws:SourceAccount condition.",
                )
            )
    return found


def trusted_services(document: Mapping[str, Any]) -> set[str]:
    """Service principals a trust document lets assume the role ('*' when anyone may)."""
    found: set[str] = set()
    for statement in statements(document):
        if not _assume_statement(statement):
            continue
        principal = statement.get("Principal")
        if principal == "*":
            found.add("*")
        elif isinstance(principal, Mapping):
            found.update(str(item) for item in as_list(principal.get("Service")))
            if "*" in as_list(principal.get("AWS")):
                found.add("*")
    return found
