"""DescribeEndpoint: one stable hostname per account, region and endpoint type, like AWS."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

from iotforge.emulator.moto_patches._base import replace

_ENDPOINT_FORMS = {
    "iot:Data": ("data", "{id}.iot.{region}.amazonaws.com"),
    "iot:Data-ATS": ("data", "{id}-ats.iot.{region}.amazonaws.com"),
    "iot:CredentialProvider": ("credentials", "{id}.credentials.iot.{region}.amazonaws.com"),
    "iot:Jobs": ("data", "{id}.jobs.iot.{region}.amazonaws.com"),
}


def endpoint_address(account_id: str, region: str, endpoint_type: str) -> str:
    """The stable endpoint of one account, region and endpoint type."""
    purpose, form = _ENDPOINT_FORMS[endpoint_type]
    digest = hashlib.sha256(f"{account_id}{region}{purpose}".encode()).digest()
    identifier = base64.b32encode(digest).decode().lower()[:14]
    return form.format(id=identifier, region=region)


def patch_stable_endpoints() -> None:
    """moto: DescribeEndpoint answers a new random hostname on every call; AWS's never changes."""
    from moto.iot.models import FakeEndpoint, IoTBackend

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def describe_endpoint(self: Any, endpoint_type: str) -> Any:
            endpoint = FakeEndpoint(endpoint_type, self.region_name)  # validates the type
            endpoint.endpoint = endpoint_address(self.account_id, self.region_name, endpoint_type)
            self.endpoint = endpoint
            return endpoint

        return describe_endpoint

    replace(IoTBackend, "describe_endpoint", make)
