"""S3: the bucket naming rules moto does not enforce."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from iotforge.emulator.moto_patches._base import replace

_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]")
_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def invalid_bucket_name(name: str) -> bool:
    """True when S3 would refuse `name` for a new bucket (general purpose bucket naming rules)."""
    if not 3 <= len(name) <= 63 or not _BUCKET_NAME.fullmatch(name):
        return True
    if ".." in name or ".-" in name or "-." in name:
        return True
    if name.startswith(_BUCKET_PREFIXES) or name.endswith(_BUCKET_SUFFIXES):
        return True
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


def patch_bucket_name_rules() -> None:
    """moto: CreateBucket checks only the length of the name; S3 enforces the naming rules."""
    from moto.s3.exceptions import InvalidBucketName
    from moto.s3.models import S3Backend

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_bucket(self: Any, bucket_name: str, region_name: str) -> Any:
            if invalid_bucket_name(bucket_name):
                raise InvalidBucketName()
            return original(self, bucket_name, region_name)

        return create_bucket

    replace(S3Backend, "create_bucket", make)
