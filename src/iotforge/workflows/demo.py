"""The end-to-end demo: fleet, signed OTA, simulated devices, tampered image, cleanup — narrated.

It runs against whatever gateways it is given; `iotforge demo` gives it the embedded emulator.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from iotforge.crypto import generate_code_signing_identity, sign_firmware
from iotforge.workflows.cleanup import cleanup_project
from iotforge.workflows.ota import OtaGateways, OtaRequest, create_ota_update
from iotforge.workflows.ota_jobs import delete_ota
from iotforge.workflows.ota_models import AbortCriterion, JobSettings
from iotforge.workflows.ports import AccountProbe, IotRegistry, ProgressPort, ProjectFiles
from iotforge.workflows.project import FolderCreator, create_project
from iotforge.workflows.provisioning import AddThingsRequest, add_things

Narrate = Callable[[str, str], None]
GROUP = "iotforge-demo-fleet"
ROLE = "iotforge-demo-ota-role"


class ThingGroups(Protocol):
    def create_thing_group(self, group_name: str) -> str: ...

    def delete_thing_group(self, group_name: str) -> None: ...

    def count_resources(self) -> dict[str, int]: ...


@dataclass(frozen=True)
class ExecutionResult:
    thing: str
    job_id: str
    status: str
    reason: str | None


class FleetSimulator(Protocol):
    """Runs one simulated device per project thing until no job is pending."""

    def run(self, project: ProjectFiles, code_signing_certificate: bytes) -> list[ExecutionResult]: ...


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
    succeeded: int = 0
    failed: int = 0
    tampered_rejected: bool = False
    tampered_rejections: int = 0
    resources_left: int | None = None
    remaining: dict[str, int] = field(default_factory=dict)
    project: str = ""
    steps: list[DemoStep] = field(default_factory=list)


@dataclass(frozen=True)
class DemoPorts:
    account: AccountProbe
    registry: IotRegistry
    groups: ThingGroups
    ota: OtaGateways
    simulator: FleetSimulator
    create_folder: FolderCreator
    open_project: Callable[[Path], ProjectFiles]


def sample_firmware(size: int = 48 * 1024) -> bytes:
    """A deterministic stand-in for a firmware image."""
    blocks = (hashlib.sha256(f"iotforge demo firmware {index}".encode()).digest() for index in range(size // 32))
    return b"".join(blocks)


def run_demo(ports: DemoPorts, request: DemoRequest, narrate: Narrate, progress: ProgressPort) -> DemoReport:
    report = DemoReport(things=request.things)
    suffix = uuid.uuid4().hex[:8]
    bucket = f"iotforge-demo-{suffix}"

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
        ports.groups.create_thing_group(GROUP)
        provisioned = add_things(
            project,
            ports.registry,
            ports.account,
            AddThingsRequest(count=request.things, base_name="demo_device", thing_groups=(GROUP,), concurrency=16),
            progress,
        )
        report.provisioned = len(provisioned.things)

    step(
        f"Provision {request.things} things into thing group {GROUP}: keys made here, certificates from CSRs",
        f"1 thing group, {request.things} things, {request.things} certificates, 1 least-privilege policy",
        provision,
    )
    identity = generate_code_signing_identity("ecdsa-p256", "iotforge demo code signing")
    firmware = sample_firmware()
    signature = sign_firmware(firmware, identity.private_key_pem)
    step(
        "Make a code-signing key and sign firmware v2 (ECDSA P-256 over SHA-256)",
        "none (the key stays in memory; devices trust its certificate)",
        lambda: None,
    )
    settings = JobSettings(max_per_minute=100, abort=(AbortCriterion(50.0, 5, "FAILED"),))

    def ota(update_id: str, image: bytes, create: bool) -> OtaRequest:
        return OtaRequest(
            update_id=update_id,
            firmware=image,
            firmware_name="demo-firmware-v2.bin",
            bucket=bucket,
            role_name=ROLE,
            thing_groups=(GROUP,),
            signature_b64=signature.signature_b64,
            # The tampered update skips our own pre-upload check on purpose: the devices must catch it.
            certificate_pem=identity.certificate_pem if create else None,
            create_bucket=create,
            create_role=create,
            protocols=("HTTP",),
            settings=settings,
        )

    step(
        "Create the OTA update for the group: versioned bucket, role, rollout 100/min, abort at 50% failed",
        f"S3 bucket {bucket}, IAM role {ROLE} (trusts iot.amazonaws.com only), OTA update, job, upload",
        lambda: _create(ota("demo-v2", firmware, create=True), ports.ota),
    )

    def install() -> None:
        results = [r for r in ports.simulator.run(project, identity.certificate_pem) if r.job_id == "AFR_OTA-demo-v2"]
        report.succeeded = sum(result.status == "SUCCEEDED" for result in results)
        report.failed = sum(result.status == "FAILED" for result in results)

    step(
        f"Run {request.things} simulated devices: download, check size, SHA-256 and signature, report",
        "iot-jobs-data: GetPendingJobExecutions, StartNextPendingJobExecution, UpdateJobExecution; S3 GET",
        install,
    )
    tampered = bytearray(firmware)
    tampered[len(tampered) // 2] ^= 0xFF

    def tamper() -> None:
        create_ota_update(ota("demo-v2-tampered", bytes(tampered), create=False), ports.ota)
        results = ports.simulator.run(project, identity.certificate_pem)
        on_tampered = [result for result in results if result.job_id == "AFR_OTA-demo-v2-tampered"]
        rejected = [r for r in on_tampered if r.status == "FAILED" and "signature" in (r.reason or "")]
        report.tampered_rejections = len(rejected)
        report.tampered_rejected = bool(rejected) and not any(r.status == "SUCCEEDED" for r in on_tampered)

    step(
        "Ship a tampered image (one byte flipped) with the old signature: devices must refuse it",
        "OTA update and job for the tampered image; devices report FAILED; the abort criteria cancel the rest",
        tamper,
    )
    if not request.keep:
        step(
            "Clean up: OTA updates, jobs and streams before the role; bucket; things, certificates, policy; group",
            "every resource the demo created",
            lambda: _cleanup(ports, project, bucket, progress),
        )

    def count() -> None:
        report.remaining = ports.groups.count_resources() | _count_ota(ports.ota)
        report.resources_left = sum(report.remaining.values())

    step("Check what is left in the account", "list calls only", count)
    return report


def _create(request: OtaRequest, gateways: OtaGateways) -> None:
    create_ota_update(request, gateways)


def _cleanup(ports: DemoPorts, project: ProjectFiles, bucket: str, progress: ProgressPort) -> None:
    for update_id in ("demo-v2-tampered", "demo-v2"):
        delete_ota(ports.ota.ota, update_id, force=True)
    ports.ota.roles.delete_role(ROLE)
    ports.ota.storage.delete_bucket(bucket, force=True)
    cleanup_project(project, ports.registry, progress=progress, concurrency=16)
    ports.groups.delete_thing_group(GROUP)


def _count_ota(gateways: OtaGateways) -> dict[str, int]:
    return {
        "ota_updates": len(gateways.ota.list_ota_updates()),
        "jobs": len(gateways.ota.list_jobs()),
        "buckets": len(gateways.storage.list_buckets()),
        "roles": len(gateways.roles.list_roles()),
    }
