"""Assertions about what a project left in AWS (via plain boto3 against the emulator) and on disk."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from iotforge.crypto import load_certificate, load_private_key, public_keys_equal


def all_pages(client: Any, operation: str, key: str, **arguments: Any) -> list[Any]:
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**arguments):
        items.extend(page[key])
    return items


def remote_thing_names(iot: Any) -> set[str]:
    return {thing["thingName"] for thing in all_pages(iot, "list_things", "things")}


def remote_certificates(iot: Any) -> list[dict[str, Any]]:
    return all_pages(iot, "list_certificates", "certificates")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_fleet_consistent(iot: Any, project: Path, expected_things: set[str]) -> None:
    """Each expected thing exists with exactly one ACTIVE certificate matching its local key; no strays."""
    resources = project / ".aws_things_resources"
    local = {entry.name for entry in resources.iterdir()} if resources.exists() else set()
    assert local == expected_things, (sorted(local - expected_things), sorted(expected_things - local))
    assert remote_thing_names(iot) >= expected_things
    attached: set[str] = set()
    for name in expected_things:
        principals = iot.list_thing_principals(thingName=name)["principals"]
        assert len(principals) == 1, (name, principals)
        certificate_id = principals[0].rsplit("/", 1)[-1]
        description = iot.describe_certificate(certificateId=certificate_id)["certificateDescription"]
        assert description["status"] == "ACTIVE"
        key = load_private_key((resources / name / "private.pem.key").read_bytes())
        assert public_keys_equal(load_certificate(description["certificatePem"]), key)
        assert (resources / name / "certificate.pem.crt").read_text().strip() == description["certificatePem"].strip()
        attached.add(certificate_id)
    certificates = {certificate["certificateId"] for certificate in remote_certificates(iot)}
    assert certificates >= attached
