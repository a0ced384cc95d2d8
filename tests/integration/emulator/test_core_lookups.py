"""moto patches: direct lookups, deleted things leave their groups, a missing parent group is a 404."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from iotforge.crypto import build_csr, generate_private_key
from tests.support.emulator import EmulatorHandle


def test_describe_and_attach_work_by_direct_lookup(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    for index in range(30):
        iot.create_thing(thingName=f"t{index}")
    assert iot.describe_thing(thingName="t17")["thingName"] == "t17"
    with pytest.raises(ClientError) as missing:
        iot.describe_thing(thingName="t99")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    csr = build_csr(generate_private_key("ec-p256"), "t17").decode()
    certificate = iot.create_certificate_from_csr(certificateSigningRequest=csr, setAsActive=True)
    iot.attach_thing_principal(thingName="t17", principal=certificate["certificateArn"])
    assert iot.list_thing_principals(thingName="t17")["principals"] == [certificate["certificateArn"]]
    wrong_arn = certificate["certificateArn"].replace("us-east-1", "eu-west-1")
    with pytest.raises(ClientError) as unknown:
        iot.attach_thing_principal(thingName="t16", principal=wrong_arn)
    assert unknown.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_deleted_thing_leaves_its_groups(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    iot.create_thing_group(thingGroupName="line")
    iot.create_thing(thingName="gone")
    iot.create_thing(thingName="stays")
    iot.add_thing_to_thing_group(thingGroupName="line", thingName="gone")
    iot.add_thing_to_thing_group(thingGroupName="line", thingName="stays")
    iot.delete_thing(thingName="gone")
    assert iot.list_things_in_thing_group(thingGroupName="line")["things"] == ["stays"]
    iot.create_thing(thingName="gone")
    assert iot.list_things_in_thing_group(thingGroupName="line")["things"] == ["stays"]


def test_a_missing_parent_group_is_not_found(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    with pytest.raises(ClientError) as missing:
        iot.create_thing_group(thingGroupName="child", parentGroupName="no-such-parent")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    iot.create_thing_group(thingGroupName="parent")
    assert iot.create_thing_group(thingGroupName="child", parentGroupName="parent")["thingGroupName"] == "child"


def test_s3_operations_are_told_apart_for_deny_actions(emulator: EmulatorHandle) -> None:
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="ops-bucket")
    s3.put_object(Bucket="ops-bucket", Key="a", Body=b"1")
    emulator.set_knobs(deny_actions=["s3:PutObject"])
    with pytest.raises(ClientError) as denied:
        s3.put_object(Bucket="ops-bucket", Key="b", Body=b"2")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert s3.get_object(Bucket="ops-bucket", Key="a")["Body"].read() == b"1"
    s3.copy_object(Bucket="ops-bucket", Key="c", CopySource={"Bucket": "ops-bucket", "Key": "a"})
