"""The audit's document checks: which IoT policies and role trusts are flagged, and which are not."""

from __future__ import annotations

import doctest
from typing import Any

import pytest

from iotforge.workflows import audit_checks
from iotforge.workflows.audit_checks import iot_policy_problems, trust_problems, trusted_services

IOT = "arn:aws:iot:us-east-1:123456789012"
ATTACHED = {"Bool": {"iot:Connection.Thing.IsAttached": "true"}}


def _policy(**statement: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}


def _trust(principal: Any, condition: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_doctests() -> None:
    failures, tried = doctest.testmod(audit_checks)
    assert tried > 0
    assert failures == 0


@pytest.mark.parametrize(
    ("document", "checks"),
    [
        (_policy(Action="iot:*", Resource=f"{IOT}:client/x"), ["policy-wildcard-action"]),
        (_policy(Action="*", Resource="*"), ["policy-wildcard-action", "policy-wildcard-resource"]),
        (_policy(NotAction="iot:Connect", Resource=f"{IOT}:client/x"), ["policy-wildcard-action"]),
        (_policy(Action="iot:Connect", Resource="*"), ["policy-wildcard-resource"]),
        (_policy(Action="iot:Publish", Resource=f"{IOT}:*"), ["policy-wildcard-resource"]),
        (_policy(Action="iot:Connect", Resource=f"{IOT}:client/${{iot:ClientId}}"), ["policy-client-id"]),
        (_policy(Action="iot:Connect", Resource=f"{IOT}:client/${{iot:ClientId}}", Condition=ATTACHED), []),
        (_policy(Action="iot:Connect", Resource=f"{IOT}:client/${{iot:Connection.Thing.ThingName}}"), []),
        ({"Statement": [{"Effect": "Deny", "Action": "iot:*", "Resource": "*"}]}, []),
        ({"Statement": "not a statement"}, []),
    ],
)
def test_iot_policy_checks(document: dict[str, Any], checks: list[str]) -> None:
    assert [problem.check for problem in iot_policy_problems(document)] == checks


@pytest.mark.parametrize(
    ("document", "checks"),
    [
        (_trust("*"), ["role-trust-any"]),
        (_trust({"AWS": "*"}), ["role-trust-any"]),
        (_trust({"AWS": "arn:aws:iam::123456789012:root"}), ["role-trust-account"]),
        (_trust({"AWS": "123456789012"}), ["role-trust-account"]),
        (_trust({"Service": ["iot.amazonaws.com", "lambda.amazonaws.com"]}), ["role-trust-services"]),
        (_trust({"Service": ["iot.amazonaws.com", "lambda.amazonaws.com"]}, {"StringEquals": {"x": "y"}}), []),
        (_trust({"Service": "iot.amazonaws.com"}), []),
        (_trust({"AWS": "arn:aws:iam::123456789012:role/deployer"}), []),
        (
            {"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "x"}, "Action": "sts:AssumeRole"}]},
            ["role-trust-any"],
        ),
        ({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]}, []),
    ],
)
def test_trust_checks(document: dict[str, Any], checks: list[str]) -> None:
    assert [problem.check for problem in trust_problems(document)] == checks


def test_every_problem_has_a_severity_and_a_fix() -> None:
    problems = iot_policy_problems(_policy(Action="*", Resource="*")) + trust_problems(_trust("*"))
    assert all(problem.severity in ("high", "medium", "low") and problem.fix for problem in problems)


def test_trusted_services() -> None:
    assert trusted_services(_trust({"Service": ["iot.amazonaws.com", "x.amazonaws.com"]})) == {
        "iot.amazonaws.com",
        "x.amazonaws.com",
    }
    assert trusted_services(_trust({"AWS": "*"})) == {"*"}
    assert trusted_services(_trust("*")) == {"*"}
