"""What every patch module shares: marked, idempotent method replacement and moto's ARN forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PATCH_MARK = "_iotforge_patch"


def replace(owner: Any, name: str, make: Callable[[Any], Callable[..., Any]]) -> None:
    """Set `owner.name` to `make(original)` unless a patch of ours is already there."""
    original = getattr(owner, name)
    if getattr(original, PATCH_MARK, False):
        return
    replacement = make(original)
    setattr(replacement, PATCH_MARK, True)
    setattr(owner, name, replacement)


def thing_arn(backend: Any, thing_name: str) -> str:
    from moto.utilities.utils import get_partition

    return f"arn:{get_partition(backend.region_name)}:iot:{backend.region_name}:{backend.account_id}:thing/{thing_name}"
