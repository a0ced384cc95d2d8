"""List what the account holds, kind by kind: `list-things` .. `list-all` and `iotforge <noun> list`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, get_args

from iotforge.errors import BadInputError

ResourceKind = Literal["things", "policies", "certificates", "roles", "buckets", "ota-updates", "jobs"]
RESOURCE_KINDS: tuple[ResourceKind, ...] = get_args(ResourceKind)
# The order Arm's createIoTThings.py prints them in `list-all`.
LIST_ALL_ORDER: tuple[ResourceKind, ...] = (
    "things",
    "policies",
    "roles",
    "ota-updates",
    "jobs",
    "buckets",
    "certificates",
)


@dataclass(frozen=True)
class ListedResource:
    name: str
    arn: str | None = None
    status: str | None = None
    created: datetime | None = None


@dataclass(frozen=True)
class ResourceListing:
    kind: ResourceKind
    total: int
    items: tuple[ListedResource, ...]

    @property
    def truncated(self) -> bool:
        return len(self.items) < self.total


class Inventory(Protocol):
    """Read-only listings across IoT, IAM and S3 (aws/inventory.py implements it)."""

    def list_resources(self, kind: ResourceKind) -> list[ListedResource]: ...

    def thing_exists(self, thing_name: str) -> bool: ...

    def principal_things(self, principal: str) -> list[str]: ...

    def stream_role(self, stream_id: str) -> str | None: ...

    def job_presigned_role(self, job_id: str) -> str | None: ...


def list_resources(inventory: Inventory, kinds: Sequence[ResourceKind], max_listed: int) -> list[ResourceListing]:
    """Every page of each kind, newest first where AWS says when; at most `max_listed` shown per kind."""
    if max_listed < 0:
        raise BadInputError(f"--max_listed is {max_listed}; it cannot be negative.", "Pass 0 or more.")
    listings = []
    for kind in kinds:
        found = sorted(inventory.list_resources(kind), key=_newest_first)
        listings.append(ResourceListing(kind, len(found), tuple(found[:max_listed])))
    return listings


def _newest_first(item: ListedResource) -> tuple[float, str]:
    return (-item.created.timestamp() if item.created else 0.0, item.name)
