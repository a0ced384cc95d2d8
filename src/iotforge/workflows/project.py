"""Firmware projects: create from a template, the active thing, status."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from iotforge.errors import BadInputError, IotforgeError
from iotforge.workflows.journal_state import ProjectJournal, fold
from iotforge.workflows.naming import check_policy_name
from iotforge.workflows.ports import ProjectFiles

THING_FIELDS = ("thingname", "mqttid", "cert_arn", "endpoint", "policy_name")


def highest_index(names: Iterable[str], base_name: str) -> int:
    """The highest N among `base_name_N`, or -1: numbering goes on after it.

    >>> highest_index(["dev_0", "dev_7", "other_9", "dev_x"], "dev")
    7
    """
    pattern = re.compile(rf"{re.escape(base_name)}_(\d+)")
    found = [int(match.group(1)) for name in names if (match := pattern.fullmatch(name))]
    return max(found, default=-1)


def activate_thing(project: ProjectFiles, thing_name: str) -> None:
    """Make `thing_name` the project's active thing: its key, certificate and fields at the root."""
    if thing_name not in project.local_things() or not project.has_key(thing_name):
        raise BadInputError(
            f"The project has no complete thing named {thing_name!r}.",
            f"List its things with `iotforge project status {project.root}`.",
        )
    fields = project.read_thing_config(thing_name)
    merged = {key: fields[key] for key in THING_FIELDS if key in fields}
    project.journal.append({"type": "activation-intent", "thing": thing_name, "at": _now()})
    project.activate(thing_name, merged)
    project.journal.append({"type": "activation-done", "thing": thing_name, "at": _now()})


def repair_activation(project: ProjectFiles, journal: ProjectJournal) -> None:
    """Finish an activation a crash interrupted, so the root never keeps a half-switched pair."""
    pending = journal.pending_activation
    if pending is not None and str(pending["thing"]) in project.local_things():
        activate_thing(project, str(pending["thing"]))


def thing_by_id(project: ProjectFiles, thing_id: int) -> str:
    """The seed's --thing-id: the index N of `<base>_N` for the project's base name."""
    base = project.metadata().get("things_base_name")
    candidates = [name for name in project.local_things() if base and name == f"{base}_{thing_id}"]
    if not candidates:
        candidates = [name for name in project.local_things() if name.endswith(f"_{thing_id}")]
    if len(candidates) != 1:
        raise BadInputError(
            f"The project has no thing with id {thing_id}"
            + (f" (several match: {', '.join(sorted(candidates))})." if candidates else "."),
            f"Use --thing-name, or list things with `iotforge project status {project.root}`.",
        )
    return candidates[0]


def set_active_thing(project: ProjectFiles, thing_id: int | None, thing_name: str | None) -> str:
    if (thing_id is None) == (thing_name is None):
        raise BadInputError("Name exactly one thing.", "Pass --thing-id N or --thing-name NAME.")
    repair_activation(project, fold(project.journal.records()))
    name = thing_name if thing_name is not None else thing_by_id(project, int(thing_id or 0))
    activate_thing(project, name)
    return name


@dataclass(frozen=True)
class ThingStatus:
    name: str
    active: bool
    certificate_arn: str | None
    complete: bool
    remote_status: str | None = None


@dataclass(frozen=True)
class ProjectStatus:
    root: str
    active_thing: str | None
    things: tuple[ThingStatus, ...]
    incomplete_batch: tuple[str, ...]
    created_policies: tuple[str, ...]


class CertificateStatusLookup(Protocol):
    def certificate_status(self, certificate_id: str) -> str | None: ...


def project_status(project: ProjectFiles, lookup: CertificateStatusLookup | None = None) -> ProjectStatus:
    journal = fold(project.journal.records())
    active = project.config().get("thingname")
    things = []
    for name in sorted(set(project.local_things()) | {t.name for t in journal.live_things()}, key=_natural):
        entry = journal.things.get(name)
        arn = entry.certificate_arn if entry else project_thing_field(project, name, "cert_arn")
        certificate_id = entry.certificate_id if entry else (arn.rsplit("/", 1)[-1] if arn else None)
        remote = lookup.certificate_status(certificate_id) if lookup and certificate_id else None
        complete = entry.complete if entry else project.has_key(name)
        things.append(ThingStatus(name, name == active, arn, complete, remote))
    incomplete = journal.incomplete_batch
    return ProjectStatus(
        root=str(project.root),
        active_thing=active,
        things=tuple(things),
        incomplete_batch=tuple(incomplete.things) if incomplete else (),
        created_policies=tuple(sorted(journal.created_policies)),
    )


def project_thing_field(project: ProjectFiles, name: str, key: str) -> Any:
    try:
        return project.read_thing_config(name).get(key)
    except (OSError, ValueError):
        return None


def _natural(name: str) -> tuple[str, int]:
    match = re.fullmatch(r"(.*)_(\d+)", name)
    return (match.group(1), int(match.group(2))) if match else (name, -1)


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class NewProject:
    root: str
    template: str
    endpoint: str | None
    policy_name: str | None
    files: tuple[str, ...]
    warnings: tuple[str, ...]


class FolderCreator(Protocol):
    def __call__(self, root: Path, template: str, config: dict[str, Any]) -> list[Path]: ...


class EndpointLookup(Protocol):
    def data_endpoint(self, endpoint_type: str = "iot:Data-ATS") -> str: ...


def create_project(
    name: str,
    parent: Path,
    template: str,
    create_folder: FolderCreator,
    endpoint: str | None = None,
    policy_name: str | None = None,
    account: EndpointLookup | None = None,
) -> NewProject:
    """Create parent/name from a template; look the endpoint up when credentials allow."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", name):
        raise BadInputError(
            f"Invalid project name {name!r}.", "Use letters, digits, '.', '_' and '-' (start with a letter or digit)."
        )
    if policy_name is not None:
        check_policy_name(policy_name)
    warnings: list[str] = []
    if endpoint is None and account is not None:
        try:
            endpoint = account.data_endpoint()
        except IotforgeError as error:
            warnings.append(f"endpoint not set ({error.message}); pass --aws-endpoint or edit thing.conf.json")
    config: dict[str, Any] = {"endpoint": endpoint or "", "policy_name": policy_name or ""}
    files = create_folder(parent / name, template, config)
    return NewProject(
        str(parent / name), template, endpoint, policy_name, tuple(str(f) for f in files), tuple(warnings)
    )
