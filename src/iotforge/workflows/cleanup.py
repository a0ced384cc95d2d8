"""Remove exactly what a project created: remote first, local files only once their remote twin is gone."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

from iotforge.crypto import certificate_id
from iotforge.errors import ConflictError, ExitCode, IotforgeError, NotFoundError
from iotforge.workflows.journal_state import BatchJournal, ProjectJournal, fold
from iotforge.workflows.parallel import run_parallel
from iotforge.workflows.ports import IotRegistry, ProgressPort, ProjectFiles, SilentProgress
from iotforge.workflows.recovery import adopt_interrupted_certificates

T = TypeVar("T")
# Errors that no other thing would survive either: stop the whole run, keep the journal, rerun later.
FATAL_EXIT_CODES = (
    ExitCode.NOT_CONFIGURED,
    ExitCode.CREDENTIALS_REJECTED,
    ExitCode.ACCESS_DENIED,
    ExitCode.UNREACHABLE,
    ExitCode.THROTTLED,
)
CONFLICT_RETRIES = 8


@dataclass(frozen=True)
class CleanupResult:
    dry_run: bool
    things_removed: tuple[str, ...]
    certificates_deleted: tuple[str, ...]
    policies_deleted: tuple[str, ...]
    foreign_detached: tuple[str, ...]
    remaining: tuple[tuple[str, str], ...]


@dataclass
class _Outcome:
    things: list[str] = field(default_factory=list)
    certificates: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    remaining: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, bucket: list[T], value: T) -> None:
        with self.lock:
            bucket.append(value)


def cleanup_project(
    project: ProjectFiles,
    registry: IotRegistry,
    dry_run: bool = False,
    progress: ProgressPort | None = None,
    concurrency: int = 8,
    sleep: Callable[[float], None] = time.sleep,
) -> CleanupResult:
    """Delete the project's things, their certificates and the policy the project created."""
    journal = fold(project.journal.records())
    names = sorted(set(project.local_things()) | {thing.name for thing in journal.live_things()})
    # A crash during CreateCertificateFromCsr may have left a certificate only our key identifies.
    adopt_interrupted_certificates(project, registry, journal, names)
    outcome = _Outcome()
    if dry_run:
        return _plan(project, registry, journal, names)
    remove = partial(_remove_thing_guarded, project, registry, journal, outcome, sleep)
    run_parallel(names, remove, concurrency, progress or SilentProgress(), f"removing {len(names)} things")
    _remove_created_policies(project, registry, journal, outcome)
    return _result(outcome, dry_run=False)


def discard_batch(project: ProjectFiles, registry: IotRegistry, batch: BatchJournal) -> None:
    """Remove an unfinished batch's remote and local pieces, then mark it discarded."""
    journal = fold(project.journal.records())
    adopt_interrupted_certificates(project, registry, journal, batch.things)
    outcome = _Outcome()
    for name in batch.things:
        _remove_thing_guarded(project, registry, journal, outcome, time.sleep, name)
    if outcome.remaining:
        name, reason = outcome.remaining[0]
        raise ConflictError(f"Could not discard {name}: {reason}", "Run `iotforge iot-cleanup` and retry.")
    project.journal.append({"type": "batch-discarded", "batch": batch.batch, "at": _now()})


def _remove_thing_guarded(
    project: ProjectFiles,
    registry: IotRegistry,
    journal: ProjectJournal,
    outcome: _Outcome,
    sleep: Callable[[float], None],
    name: str,
) -> None:
    try:
        _remove_thing(project, registry, journal, outcome, sleep, name)
    except IotforgeError as error:
        if error.exit_code in FATAL_EXIT_CODES:
            raise
        outcome.add(outcome.remaining, (name, error.message))


def _owned_certificates(project: ProjectFiles, journal: ProjectJournal, name: str) -> dict[str, str | None]:
    """certificate id -> ARN (None when only the local file knows it) for what the project made for `name`."""
    owned: dict[str, str | None] = {}
    if project.has_certificate(name):
        owned[certificate_id(project.read_certificate(name))] = None
    entry = journal.things.get(name)
    if entry is not None and entry.certificate_arn and entry.certificate_id:
        owned[entry.certificate_id] = entry.certificate_arn
    return owned


def _remove_thing(
    project: ProjectFiles,
    registry: IotRegistry,
    journal: ProjectJournal,
    outcome: _Outcome,
    sleep: Callable[[float], None],
    name: str,
) -> None:
    owned = _owned_certificates(project, journal, name)
    principals = registry.thing_principals(name)
    for principal in principals or []:
        registry.detach_thing_principal(name, principal)
        certificate = principal.rsplit("/", 1)[-1]
        if certificate in owned:
            owned[certificate] = principal
        else:
            outcome.add(outcome.foreign, principal)
    for certificate, arn in sorted(owned.items()):
        if _delete_certificate(registry, certificate, arn, sleep):
            outcome.add(outcome.certificates, certificate)
    if principals is not None:
        _retry_conflicts(lambda: registry.delete_thing(name), sleep)
    project.journal.append({"type": "removed", "thing": name, "at": _now()})
    # Only now, with the remote thing and certificates gone, do the local files go.
    project.remove_thing(name)
    outcome.add(outcome.things, name)


def _delete_certificate(
    registry: IotRegistry, certificate: str, arn: str | None, sleep: Callable[[float], None]
) -> bool:
    """Detach its policies, deactivate, delete; False when it was already gone.

    DetachThingPrincipal is eventually consistent in AWS: until the detach is visible, deleting
    fails with DeleteConflict, which `_retry_conflicts` waits out with backoff. Polling
    ListThingPrincipals instead would spend a 10/s quota and halve cleanup throughput.
    """
    try:
        arn = arn or registry.certificate_arn(certificate)
        for policy in registry.attached_policies(arn):
            registry.detach_policy(policy, arn)
        registry.deactivate_certificate(certificate)
        _retry_conflicts(lambda: registry.delete_certificate(certificate), sleep)
    except NotFoundError:
        return False
    return True


def _retry_conflicts(call: Callable[[], object], sleep: Callable[[float], None]) -> None:
    delay = 0.2
    for attempt in range(CONFLICT_RETRIES):
        try:
            call()
            return
        except NotFoundError:
            return
        except ConflictError:
            if attempt == CONFLICT_RETRIES - 1:
                raise
            sleep(delay)
            delay = min(delay * 2, 5.0)


def _remove_created_policies(
    project: ProjectFiles, registry: IotRegistry, journal: ProjectJournal, outcome: _Outcome
) -> None:
    for policy in sorted(journal.created_policies):
        targets = registry.policy_targets(policy)
        if targets is None:
            project.journal.append({"type": "policy-deleted", "policy": policy, "at": _now()})
            continue
        if targets:
            outcome.remaining.append(
                (policy, f"policy still attached to {len(targets)} target(s) iotforge did not make")
            )
            continue
        registry.delete_policy(policy)
        project.journal.append({"type": "policy-deleted", "policy": policy, "at": _now()})
        outcome.policies.append(policy)


def _plan(project: ProjectFiles, registry: IotRegistry, journal: ProjectJournal, names: list[str]) -> CleanupResult:
    outcome = _Outcome()
    for name in names:
        owned = _owned_certificates(project, journal, name)
        outcome.things.append(name)
        outcome.certificates.extend(sorted(owned))
        for principal in registry.thing_principals(name) or []:
            if principal.rsplit("/", 1)[-1] not in owned:
                outcome.foreign.append(principal)
    outcome.policies.extend(sorted(journal.created_policies))
    return _result(outcome, dry_run=True)


def _result(outcome: _Outcome, dry_run: bool) -> CleanupResult:
    return CleanupResult(
        dry_run=dry_run,
        things_removed=tuple(sorted(outcome.things)),
        certificates_deleted=tuple(sorted(outcome.certificates)),
        policies_deleted=tuple(outcome.policies),
        foreign_detached=tuple(sorted(outcome.foreign)),
        remaining=tuple(outcome.remaining),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()
