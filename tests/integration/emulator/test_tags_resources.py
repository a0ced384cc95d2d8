"""Tags on things, thing groups, policies, jobs, OTA updates and streams, by ARN."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulator.jobs_support import thing_arn
from tests.support.emulator import EmulatorHandle

POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"}]}
)
TAGS = [{"Key": "team", "Value": "firmware"}]


def _tags(iot: Any, arn: str) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in iot.list_tags_for_resource(resourceArn=arn)["tags"]}


def _resources(iot: Any) -> dict[str, str]:
    """One resource of each kind, created with TAGS where the Create call takes tags."""
    thing = iot.create_thing(thingName="tagged-thing")["thingArn"]
    group = iot.create_thing_group(thingGroupName="tagged-group", tags=TAGS)["thingGroupArn"]
    policy = iot.create_policy(policyName="tagged-policy", policyDocument=POLICY, tags=TAGS)["policyArn"]
    job = iot.create_job(jobId="tagged-job", targets=[thing_arn("tagged-thing")], document="{}", tags=TAGS)["jobArn"]
    ota = iot.create_ota_update(
        otaUpdateId="tagged-ota",
        targets=[thing],
        files=[{"fileName": "f"}],
        roleArn="arn:aws:iam::123456789012:role/r",
        tags=TAGS,
    )["otaUpdateArn"]
    stream = iot.create_stream(
        streamId="tagged-stream",
        files=[{"fileId": 0, "s3Location": {"bucket": "b-1", "key": "k"}}],
        roleArn="arn:aws:iam::123456789012:role/r",
        tags=TAGS,
    )["streamArn"]
    return {"thing": thing, "thinggroup": group, "policy": policy, "job": job, "otaupdate": ota, "stream": stream}


def test_tags_given_at_creation_and_by_tag_resource_are_listed_and_removed(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    resources = _resources(iot)
    assert _tags(iot, resources["thing"]) == {}
    for kind, arn in resources.items():
        assert kind in arn
        if kind != "thing":
            assert _tags(iot, arn) == {"team": "firmware"}, kind
        iot.tag_resource(resourceArn=arn, tags=[{"Key": "env", "Value": "test"}, {"Key": "team", "Value": "ops"}])
        assert _tags(iot, arn) == {"env": "test", "team": "ops"}, kind
        iot.untag_resource(resourceArn=arn, tagKeys=["team", "absent"])
        assert _tags(iot, arn) == {"env": "test"}, kind
    assert iot.describe_thing_group(thingGroupName="tagged-group")["thingGroupName"] == "tagged-group"
    assert iot.get_policy(policyName="tagged-policy")["policyName"] == "tagged-policy"


def test_a_recreated_resource_starts_without_the_old_tags(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    arn = iot.create_thing(thingName="phoenix")["thingArn"]
    iot.tag_resource(resourceArn=arn, tags=[{"Key": "old", "Value": "1"}])
    iot.delete_thing(thingName="phoenix")
    with pytest.raises(ClientError) as raised:
        iot.list_tags_for_resource(resourceArn=arn)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    iot.create_thing(thingName="phoenix")
    assert _tags(iot, arn) == {}
    group = iot.create_thing_group(thingGroupName="g", tags=[{"Key": "a", "Value": "1"}])["thingGroupArn"]
    iot.delete_thing_group(thingGroupName="g")
    iot.create_thing_group(thingGroupName="g")
    assert _tags(iot, group) == {}


def test_tagging_checks_the_resource_and_the_keys(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")

    def code_of(call: Any, **kwargs: Any) -> str:
        with pytest.raises(ClientError) as raised:
            call(**kwargs)
        return str(raised.value.response["Error"]["Code"])

    missing = "arn:aws:iot:us-east-1:123456789012:job/nope"
    assert code_of(iot.tag_resource, resourceArn=missing, tags=TAGS) == "ResourceNotFoundException"
    assert code_of(iot.list_tags_for_resource, resourceArn="not-an-arn") == "InvalidRequestException"
    arn = iot.create_thing_group(thingGroupName="keys")["thingGroupArn"]
    assert (
        code_of(iot.tag_resource, resourceArn=arn, tags=[{"Key": "aws:reserved", "Value": "x"}])
        == "InvalidRequestException"
    )
    assert (
        code_of(iot.create_thing_group, thingGroupName="orphan", parentGroupName="no-parent")
        == "ResourceNotFoundException"
    )
    iot.create_policy(policyName="dup", policyDocument=POLICY)
    assert code_of(iot.create_policy, policyName="dup", policyDocument=POLICY) == "ResourceAlreadyExistsException"
