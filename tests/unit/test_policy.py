"""Every IoT policy iotforge uploads is checked: JSON, size, no wildcard action or resource."""

from __future__ import annotations

import json

import pytest

from iotforge.errors import BadInputError
from iotforge.workflows.policy import POLICY_SIZE_LIMIT, THING, check_policy_text, default_thing_policy, policy_text


def test_the_default_policy_is_scoped_to_the_connecting_thing() -> None:
    text = policy_text(default_thing_policy("eu-west-1", "123456789012"))
    document = json.loads(text)
    assert len(text) <= POLICY_SIZE_LIMIT
    connect = document["Statement"][0]
    assert connect["Action"] == "iot:Connect"
    assert connect["Resource"] == f"arn:aws:iot:eu-west-1:123456789012:client/{THING}"
    assert connect["Condition"] == {"Bool": {"iot:Connection.Thing.IsAttached": "true"}}
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions)
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert all(THING in resource for resource in resources)
    assert "$aws/things/${iot:Connection.Thing.ThingName}/jobs/*" in text


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"Version": "2012-10-17"}), "no Statement"),
        (json.dumps({"Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "x"}]}), "'iot:*'"),
        (json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "x"}]}), "'*'"),
        (json.dumps({"Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"}]}), "Resource '*'"),
        (json.dumps({"Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "r" * 3000}]}), "2048"),
    ],
)
def test_unsafe_or_invalid_policies_are_refused(document: str, words: str) -> None:
    with pytest.raises(BadInputError) as refused:
        check_policy_text(document, "the policy file")
    assert words in refused.value.message
    assert refused.value.hint
