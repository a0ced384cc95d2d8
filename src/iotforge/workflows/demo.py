"""The end-to-end demo: everything iotforge does, against the embedded emulator, narrated."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from iotforge.workflows.cleanup import cleanup_project
from iotforge.workflows.ports import AccountProbe, IotRegistry, ProgressPort, ProjectFiles
from iotforge.workflows.project import FolderCreator, create_project
from iotforge.workflows.provisioning import AddThingsRequest, add_things

Narrate = Callable[[str, str], None]


class ResourceCounter(Protocol):
    def count_resources(self) -> dict[str, int]: ...


@dataclass(frozen=True)
class DemoRequest:
    workdir: Path
    things: int = 25
    keep: bool = False


@dataclass(frozen=True)
class DemoStep:
    title: str
    touched: str
    seconds: float


@dataclass
class DemoReport:
    things: int
    provisioned: int = 0
    succeeded: int | None = None
    failed: int | None = None
    tampered_rejected: bool | None = None
    resources_left: int | None = None
    remaining: dict[str, int] = field(default_factory=dict)
    project: str = ""
    steps: list[DemoStep] = field(default_factory=list)


@dataclass(frozen=True)
class DemoPorts:
    account: AccountProbe
    registry: IotRegistry
    counter: ResourceCounter
    create_folder: FolderCreator
    open_project: Callable[[Path], ProjectFiles]


def run_demo(ports: DemoPorts, request: DemoRequest, narrate: Narrate, progress: ProgressPort) -> DemoReport:
    report = DemoReport(things=request.things)

    def step(title: str, touched: str, action: Callable[[], None]) -> None:
        narrate(title, touched)
        started = time.monotonic()
        action()
        report.steps.append(DemoStep(title, touched, round(time.monotonic() - started, 3)))

    def create() -> None:
        made = create_project(
            "demo-fleet", request.workdir, "zerynth-python", ports.create_folder, account=ports.account
        )
        report.project = made.root

    step("Create a firmware project from the template", "iot:DescribeEndpoint (read only)", create)
    project = ports.open_project(Path(report.project))

    def provision() -> None:
        result = add_things(
            project,
            ports.registry,
            ports.account,
            AddThingsRequest(count=request.things, base_name="demo_device", concurrency=16),
            progress,
        )
        report.provisioned = len(result.things)

    step(
        f"Provision {request.things} things: keys made here, certificates from CSRs",
        f"{request.things} things, {request.things} certificates, 1 least-privilege policy",
        provision,
    )
    if not request.keep:
        step(
            "Clean up: remote first, then local files",
            "detach, deactivate and delete every certificate; delete things and the policy",
            lambda: _cleanup(project, ports.registry, progress),
        )

    def count() -> None:
        report.remaining = ports.counter.count_resources()
        report.resources_left = sum(report.remaining.values())

    step("Check what is left in the account", "list things, certificates, policies (read only)", count)
    return report


def _cleanup(project: ProjectFiles, registry: IotRegistry, progress: ProgressPort) -> None:
    cleanup_project(project, registry, progress=progress, concurrency=16)
