"""DescribeEndpoint answers one stable, AWS-shaped address per account, region and type."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from tests.support.emulator import EmulatorHandle

FORMS = {
    "iot:Data-ATS": r"([a-z0-9]{14})-ats\.iot\.{region}\.amazonaws\.com",
    "iot:Data": r"([a-z0-9]{14})\.iot\.{region}\.amazonaws\.com",
    "iot:CredentialProvider": r"([a-z0-9]{14})\.credentials\.iot\.{region}\.amazonaws\.com",
    "iot:Jobs": r"([a-z0-9]{14})\.jobs\.iot\.{region}\.amazonaws\.com",
}


def endpoint(emulator: EmulatorHandle, endpoint_type: str, region: str = "us-east-1") -> str:
    return str(emulator.client("iot", region=region).describe_endpoint(endpointType=endpoint_type)["endpointAddress"])


@pytest.mark.parametrize("endpoint_type", sorted(FORMS))
def test_endpoint_is_aws_shaped_and_stable(emulator: EmulatorHandle, endpoint_type: str) -> None:
    first = endpoint(emulator, endpoint_type, "eu-central-1")
    assert re.fullmatch(FORMS[endpoint_type].replace("{region}", r"eu-central-1"), first)
    assert endpoint(emulator, endpoint_type, "eu-central-1") == first
    emulator.reset()
    assert endpoint(emulator, endpoint_type, "eu-central-1") == first


def test_endpoint_differs_by_region_and_data_types_share_the_account_prefix(emulator: EmulatorHandle) -> None:
    assert endpoint(emulator, "iot:Data-ATS", "us-east-1") != endpoint(emulator, "iot:Data-ATS", "eu-west-1")
    prefixes = {kind: endpoint(emulator, kind).split(".")[0].removesuffix("-ats") for kind in FORMS}
    assert prefixes["iot:Data"] == prefixes["iot:Data-ATS"] == prefixes["iot:Jobs"]
    assert prefixes["iot:CredentialProvider"] != prefixes["iot:Data-ATS"]


def test_unknown_endpoint_type_is_invalid_request(emulator: EmulatorHandle) -> None:
    with pytest.raises(ClientError) as caught:
        endpoint(emulator, "iot:Nope")
    assert caught.value.response["Error"]["Code"] == "InvalidRequestException"
