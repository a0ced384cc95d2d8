"""Pure pieces of the createIoTThings.py commands: names, listings, the build command."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from iotforge.errors import BadInputError
from iotforge.workflows.credential_header import header_path
from iotforge.workflows.listing import ListedResource, ResourceKind, list_resources
from iotforge.workflows.ota_setup import prefixed_role_name
from iotforge.workflows.simplified import SimplifiedSettings, build_command
from iotforge.workflows.thing_credentials import credential_paths


class FakeInventory:
    def __init__(self, items: dict[str, list[ListedResource]]) -> None:
        self.items = items

    def list_resources(self, kind: ResourceKind) -> list[ListedResource]:
        return self.items.get(kind, [])

    def thing_exists(self, thing_name: str) -> bool:
        return False

    def principal_things(self, principal: str) -> list[str]:
        return []

    def stream_role(self, stream_id: str) -> str | None:
        return None

    def job_presigned_role(self, job_id: str) -> str | None:
        return None


def test_listings_are_newest_first_and_count_everything() -> None:
    old, new = datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    certificates = [ListedResource("a", created=old), ListedResource("b", created=new), ListedResource("c")]
    [listing] = list_resources(FakeInventory({"certificates": certificates}), ["certificates"], 2)
    assert [item.name for item in listing.items] == ["b", "a"]
    assert (listing.total, listing.truncated) == (3, True)
    with pytest.raises(BadInputError):
        list_resources(FakeInventory({}), ["things"], -1)


@pytest.mark.parametrize(
    ("name", "prefix", "expected"),
    [("ota", "Proj", "Proj-ota"), ("Proj-ota", "Proj", "Proj-ota"), ("ota", None, "ota"), ("Proj-ota", "", "Proj-ota")],
)
def test_role_names_get_the_prefix_once(name: str, prefix: str | None, expected: str) -> None:
    assert prefixed_role_name(name, prefix) == expected


def test_the_seeds_file_names_and_header_location() -> None:
    paths = credential_paths(Path("certificates"), "board1")
    assert [p.name for p in paths.all()] == [
        "thing_certificate_board1.pem.crt",
        "thing_private_key_board1.pem.key",
        "thing_public_key_board1.pem.key",
    ]
    assert header_path(Path("/repo"), "object-detection", None) == Path(
        "/repo/applications/object_detection/configs/aws_configs/aws_clientcredential.h"
    )
    assert header_path(Path("/repo"), "object-detection", Path("mine.h")) == Path("mine.h")
    assert header_path(Path("/repo"), None, None) is None
    with pytest.raises(BadInputError):
        header_path(Path("/repo"), "../etc", None)


def test_build_command_is_the_seeds_with_c_for_clean_builds() -> None:
    fields: dict[str, Any] = {
        "build_script_path": Path("./tools/scripts/build.sh"),
        "certificate_path": Path("certificates/c.crt"),
        "private_key_path": Path("certificates/k.key"),
        "target_platform": "corstone310",
        "inference": "ETHOS",
        "audio": "VSI",
        "toolchain": "ARMCLANG",
    }
    settings = cast(SimplifiedSettings, SimpleNamespace(**fields))
    assert build_command(settings, "speech-recognition", clean=True) == [
        "tools/scripts/build.sh", "speech-recognition", "--certificate_path", "certificates/c.crt",
        "--private_key_path", "certificates/k.key", "--target", "corstone310", "--inference", "ETHOS",
        "--audio", "VSI", "--toolchain", "ARMCLANG", "-c",
    ]  # fmt: skip
    assert build_command(settings, "speech-recognition", clean=False)[-1] == "ARMCLANG"
