"""`create-update-simplified` and `cleanup-simplified`: the whole OTA setup from the seed's settings file.

Create reuses what exists after checking it (the thing has a certificate, the certificate has the
policy, the role's trust and permissions fit), creates the rest, rebuilds the application when
asked, and creates the OTA update. Cleanup removes what the file names in the order that works:
the update (its job and stream) while its role still exists, then the role, bucket, policy, thing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from iotforge.crypto import CryptoError, parse_signature_file
from iotforge.errors import BadInputError, ExitCode, IotforgeError, NotFoundError
from iotforge.workflows.credential_header import header_path
from iotforge.workflows.ota import OtaGateways
from iotforge.workflows.ota_jobs import OTA_JOB_PREFIX, delete_ota
from iotforge.workflows.ota_setup import UpdateRequest, UpdateResult, create_update, read_signature
from iotforge.workflows.ports import ProgressPort, SilentProgress
from iotforge.workflows.removal import delete_bucket, delete_policy, delete_role, delete_thing, role_users
from iotforge.workflows.resource_ports import CommandRunner, Consent, always
from iotforge.workflows.thing_credentials import CredentialPaths
from iotforge.workflows.thing_setup import ThingGateways, ThingSetupRequest, ThingSetupResult, set_up_thing

BUILD_LOG = Path(".iotforge") / "build.log"
FATAL = (ExitCode.NOT_CONFIGURED, ExitCode.CREDENTIALS_REJECTED, ExitCode.UNREACHABLE, ExitCode.THROTTLED)


class SimplifiedSettings(Protocol):
    """What the flow reads from the settings file (local/settings_file.py ResolvedSettings has it all)."""

    @property
    def thing_name(self) -> str: ...
    @property
    def permissions_boundary(self) -> str: ...
    @property
    def role_prefix(self) -> str: ...
    @property
    def target_application(self) -> str | None: ...
    @property
    def policy_name(self) -> str: ...
    @property
    def bucket_name(self) -> str: ...
    @property
    def iam_role_name(self) -> str: ...
    @property
    def update_name(self) -> str: ...
    @property
    def existing_certificate_arn(self) -> str | None: ...
    @property
    def credentials_path(self) -> Path: ...
    @property
    def build_dir(self) -> Path: ...
    @property
    def ota_binary(self) -> str: ...
    @property
    def skip_build(self) -> bool: ...
    @property
    def build_script_path(self) -> Path: ...
    @property
    def private_key_path(self) -> Path: ...
    @property
    def certificate_path(self) -> Path: ...
    @property
    def target_platform(self) -> str: ...
    @property
    def inference(self) -> str: ...
    @property
    def audio(self) -> str: ...
    @property
    def toolchain(self) -> str: ...
    @property
    def clean_build(self) -> str: ...
    def require_target_application(self) -> str: ...
    def bucket_name_problem(self) -> BadInputError | None: ...


@dataclass(frozen=True)
class SimplifiedGateways:
    things: ThingGateways
    ota: OtaGateways
    runner: CommandRunner


@dataclass(frozen=True)
class SimplifiedResult:
    thing: ThingSetupResult
    build_command: tuple[str, ...] | None  # None: skipped
    update: UpdateResult


def build_command(settings: SimplifiedSettings, target: str, clean: bool) -> list[str]:
    """The seed's build.sh call: `build.sh APP --certificate_path .. --private_key_path .. ... [-c]`."""
    command = [
        str(settings.build_script_path),
        target,
        "--certificate_path",
        str(settings.certificate_path),
        "--private_key_path",
        str(settings.private_key_path),
        "--target",
        settings.target_platform,
        "--inference",
        settings.inference,
        "--audio",
        settings.audio,
        "--toolchain",
        settings.toolchain,
    ]
    return [*command, "-c"] if clean else command


def create_update_simplified(
    settings: SimplifiedSettings,
    gateways: SimplifiedGateways,
    project_root: Path = Path("."),
    header: Path | None = None,
    consent: Consent = always,
    progress: ProgressPort | None = None,
) -> SimplifiedResult:
    """Thing and policy, build, bucket, role and OTA update, reusing whatever already fits."""
    problem = settings.bucket_name_problem()
    if problem is not None:
        raise problem
    target = settings.require_target_application()
    files = gateways.things.files
    script = _rooted(project_root, settings.build_script_path).absolute()
    if not settings.skip_build and not files.exists(script):
        raise BadInputError(
            f"The build script {script} does not exist.",
            'Set "build_script_path" in the settings file, or "skip_build": "true" to use the last build.',
        )
    thing = set_up_thing(
        ThingSetupRequest(
            thing_name=settings.thing_name,
            policy_name=settings.policy_name,
            existing_certificate_arn=settings.existing_certificate_arn,
            paths=CredentialPaths(
                certificate=_rooted(project_root, settings.certificate_path),
                private_key=_rooted(project_root, settings.private_key_path),
                public_key=_rooted(project_root, settings.credentials_path)
                / f"thing_public_key_{settings.thing_name}.pem.key",
            ),
            header=header_path(project_root, target, header),
            adopt_thing_certificate=True,
        ),
        gateways.things,
        consent,
    )
    command: list[str] | None = None
    if not settings.skip_build:
        clean = settings.clean_build == "true" or (settings.clean_build == "auto" and thing.header_changed)
        command = build_command(settings, target, clean)
        _run_build(gateways, [str(script), *command[1:]], project_root, progress or SilentProgress())
    _replace_stale_update(settings, gateways, project_root, consent)
    update = create_update(
        UpdateRequest(
            thing_name=settings.thing_name,
            bucket_name=settings.bucket_name,
            role_name=settings.iam_role_name,
            update_name=settings.update_name,
            ota_binary=settings.ota_binary,
            build_dir=settings.build_dir,
            binary_dir=settings.build_dir,
            project_root=project_root,
            permissions_boundary=settings.permissions_boundary,
        ),
        gateways.ota,
        gateways.things.registry,
        files,
        progress,
    )
    return SimplifiedResult(thing, tuple(command) if command else None, update)


def _rooted(root: Path, path: Path) -> Path:
    return path if path.is_absolute() else root / path


def _run_build(gateways: SimplifiedGateways, command: list[str], root: Path, progress: ProgressPort) -> None:
    log = root / BUILD_LOG
    progress.start(1, "building " + " ".join(command[:2]))
    try:
        exit_code = gateways.runner.run(command, {}, root, log)
        progress.advance()
    finally:
        progress.finish()
    if exit_code != 0:
        tail = (gateways.things.files.read_optional(log) or b"").decode(errors="replace").strip().splitlines()[-15:]
        raise IotforgeError(
            f"The build script failed with exit code {exit_code}; no bucket, role or update was created."
            + ("\n" + "\n".join(tail) if tail else ""),
            f"The whole output is in {log}. Fix the build and rerun: the thing and policy are reused.",
        )


def _replace_stale_update(
    settings: SimplifiedSettings, gateways: SimplifiedGateways, project_root: Path, consent: Consent
) -> None:
    """An update of the same name made from another build blocks the new one: offer to delete it."""
    ota, name = gateways.ota.ota, settings.update_name
    existing = ota.get_ota_update(name)
    if existing is None and ota.describe_job(OTA_JOB_PREFIX + name) is None:
        return
    if existing is not None and existing.status != "CREATE_FAILED":
        text = read_signature(project_root / settings.build_dir, gateways.things.files)
        try:
            same = existing.signatures == (parse_signature_file(text),)
        except CryptoError:
            same = False
        if same:
            return  # this very build's update: create_update finishes or adopts it
    question = f"OTA update {name} (or its job {OTA_JOB_PREFIX}{name}) exists from another build; delete it first?"
    if not consent(question):
        raise IotforgeError(
            f"OTA update {name} already exists; nothing more was created.",
            'Change "update_name" in the settings file to keep the old update, or rerun with --yes.',
        )
    delete_ota(ota, name if existing is not None else OTA_JOB_PREFIX + name, force=True)


# Cleanup ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanupStep:
    resource: str
    outcome: str  # deleted, not found, kept, failed
    detail: str = ""


@dataclass(frozen=True)
class SimplifiedCleanup:
    steps: tuple[CleanupStep, ...] = field(default=())

    @property
    def failed(self) -> bool:
        return any(step.outcome == "failed" for step in self.steps)


def cleanup_simplified(
    settings: SimplifiedSettings,
    gateways: SimplifiedGateways,
    extended: bool = False,
    project_root: Path = Path("."),
    sleep: Callable[[float], None] = time.sleep,
) -> SimplifiedCleanup:
    """Remove the update, role, bucket, policy and thing the file names; `extended`: the local files too."""
    ota, registry = gateways.ota, gateways.things.registry
    steps: list[CleanupStep] = []
    update = f"OTA update {settings.update_name}"
    update_left = _step(steps, update, lambda: _delete_update(ota, settings.update_name, sleep))
    role = f"role {settings.iam_role_name}"
    if update_left:
        steps.append(CleanupStep(role, "kept", f"{update} still needs it to be deleted"))
    else:
        _step(steps, role, lambda: _delete_role(gateways, settings.iam_role_name))
    _step(steps, f"bucket {settings.bucket_name}", lambda: delete_bucket(ota.storage, settings.bucket_name, True))
    _step(steps, f"policy {settings.policy_name}", lambda: delete_policy(registry, settings.policy_name, True, sleep))
    _step(steps, f"thing {settings.thing_name}", lambda: delete_thing(registry, settings.thing_name, True, sleep))
    if extended:
        public_key = settings.credentials_path / f"thing_public_key_{settings.thing_name}.pem.key"
        for path in (settings.private_key_path, settings.certificate_path, public_key):
            local = _rooted(project_root, path)
            removed = gateways.things.files.remove(local)
            steps.append(CleanupStep(f"file {local}", "deleted" if removed else "not found"))
    return SimplifiedCleanup(tuple(steps))


def _delete_update(ota: OtaGateways, name: str, sleep: Callable[[float], None]) -> object:
    ident = name if ota.ota.get_ota_update(name) is not None else OTA_JOB_PREFIX + name
    return delete_ota(ota.ota, ident, force=True, sleep=sleep)


def _delete_role(gateways: SimplifiedGateways, name: str) -> object:
    ota, registry = gateways.ota, gateways.things.registry
    role = ota.roles.get_role(name)
    if role is not None and role_users(registry, ota.ota, role.arn):
        raise IotforgeError(f"other OTA updates still use role {name}", "Delete them first.")
    return delete_role(ota.roles, registry, ota.ota, name, force=True, consent=always)


def _step(steps: list[CleanupStep], resource: str, action: Callable[[], object]) -> bool:
    """Run one deletion; True when the resource is still there afterwards."""
    try:
        action()
    except NotFoundError:
        steps.append(CleanupStep(resource, "not found"))
        return False
    except IotforgeError as error:
        if error.exit_code in FATAL:
            raise
        steps.append(CleanupStep(resource, "failed", error.message))
        return True
    steps.append(CleanupStep(resource, "deleted"))
    return False
