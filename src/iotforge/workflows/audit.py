"""`iotforge audit`: find stray certificates, over-broad policies and trusts, unprotected OTA buckets.

Scope: with a project, the project's things and the certificates it made, the policies it uses,
the roles AWS IoT may assume and the buckets of OTA updates that target its things; without one,
every thing, certificate, policy, role (but AWS's service-linked ones) and OTA bucket of the region.
An OTA bucket is a bucket an OTA update reads firmware from: iotforge audits no other bucket.

`apply_fixes` repairs only what is safe: it deletes a certificate only when this project made it,
and otherwise only turns protections on (bucket versioning, the public access block).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from iotforge.crypto import CryptoError, certificate_id, load_certificate, load_private_key, public_keys_equal
from iotforge.errors import AccessDeniedError, ConflictError, IotforgeError, NotFoundError
from iotforge.workflows.audit_checks import (
    SEVERITY_ORDER,
    Problem,
    iot_policy_problems,
    trust_problems,
    trusted_services,
)
from iotforge.workflows.audit_models import (
    BUCKET_PUBLIC_ACCESS,
    BUCKET_VERSIONING,
    ORPHAN_CERTIFICATE,
    AuditBuckets,
    AuditIot,
    AuditReport,
    AuditRoles,
    Finding,
    FixOutcome,
    OtaUpdateUse,
    RoleTrust,
)
from iotforge.workflows.cleanup import FATAL_EXIT_CODES
from iotforge.workflows.journal_state import fold
from iotforge.workflows.ports import ProgressPort, ProjectFiles, SilentProgress
from iotforge.workflows.recovery import adopt_interrupted_certificates

T = TypeVar("T")
IOT_SERVICE = "iot.amazonaws.com"
SERVICE_LINKED_PATH = "/aws-service-role/"
DELETE_RETRIES = 6


@dataclass(frozen=True)
class AuditSources:
    iot: AuditIot
    roles: AuditRoles
    buckets: AuditBuckets


@dataclass
class _Findings:
    items: list[Finding] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def readable(self, what: str, read: Callable[[], T], default: T) -> T:
        """`read()`, or `default` noted as skipped when the caller may not read `what`."""
        try:
            return read()
        except AccessDeniedError as error:
            self.skipped[what] = error.message
            return default

    def add(self, kind: str, resource: str, problem: Problem, fixable: bool = False) -> None:
        self.items.append(
            Finding(problem.check, problem.severity, kind, resource, problem.problem, problem.fix, fixable)
        )

    def count(self, what: str, number: int) -> None:
        self.checked[what] = self.checked.get(what, 0) + number


def audit(
    sources: AuditSources, project: ProjectFiles | None = None, progress: ProgressPort | None = None
) -> AuditReport:
    """Read the account (or the project's part of it) and report what is risky or stray."""
    progress = progress or SilentProgress()
    found = _Findings()
    updates: list[OtaUpdateUse] = found.readable("OTA updates and their buckets", sources.iot.ota_updates, [])
    roles: list[RoleTrust] = found.readable("roles", sources.roles.role_trusts, [])
    if project is None:
        scope = "account"
        _audit_account_certificates(sources.iot, found, progress)
        policies = sources.iot.policy_names()
        roles = [role for role in roles if not role.path.startswith(SERVICE_LINKED_PATH)]
    else:
        scope = f"project {project.root}"
        things = _audit_project_certificates(sources.iot, project, found, progress)
        policies = _project_policies(project)
        roles = [role for role in roles if trusted_services(role.trust_document) & {IOT_SERVICE, "*"}]
        updates = [update for update in updates if _targets_any(update, things)]
    _audit_policies(sources.iot, policies, found)
    for role in roles:
        for problem in trust_problems(role.trust_document):
            found.add("role", role.name, problem)
    found.count("roles", len(roles))
    _audit_buckets(sources.buckets, sorted({bucket for update in updates for bucket in update.buckets}), found)
    ordered = sorted(found.items, key=lambda f: (SEVERITY_ORDER[f.severity], f.check, f.resource))
    return AuditReport(scope, tuple(ordered), dict(found.checked), dict(found.skipped))


def _certificate_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _certificates_of(principals: Iterable[str]) -> list[str]:
    return [principal for principal in principals if ":cert/" in principal]


def _audit_account_certificates(iot: AuditIot, found: _Findings, progress: ProgressPort) -> None:
    names = iot.thing_names()
    holders: dict[str, list[str]] = {}  # certificate ARN -> things
    progress.start(len(names), f"reading {len(names)} things")
    try:
        for name in names:
            certificates = _certificates_of(iot.thing_principals(name) or [])
            if not certificates:
                found.add("thing", name, _NO_CERTIFICATE)
            for arn in certificates:
                holders.setdefault(arn, []).append(name)
            progress.advance()
    finally:
        progress.finish()
    for arn, things in sorted(holders.items()):
        if len(things) > 1:
            found.add("certificate", arn, _shared(things))
    attached = {_certificate_id(arn) for arn in holders}
    listed = iot.certificates()
    for summary in listed:
        if summary.status == "ACTIVE" and summary.certificate_id not in attached:
            found.add("certificate", summary.arn, _orphan("account"))
    found.count("things", len(names))
    found.count("certificates", len(listed))


def _audit_project_certificates(
    iot: AuditIot, project: ProjectFiles, found: _Findings, progress: ProgressPort
) -> set[str]:
    """Audit the project's things and the certificates it made; return the things AWS has."""
    journal = fold(project.journal.records())
    unfinished = set(journal.incomplete_batch.things) if journal.incomplete_batch else set()
    names = sorted(set(project.local_things()) | {thing.name for thing in journal.live_things()})
    adopt_interrupted_certificates(project, iot, journal, names)  # made for our keys by cut-off calls
    made = {thing.certificate_id: name for name, thing in journal.things.items() if thing.certificate_id}
    for name in project.local_things():
        if project.has_certificate(name):
            made.setdefault(certificate_id(project.read_certificate(name)), name)
    attached: set[str] = set()
    remote: set[str] = set()
    shared: set[str] = set()
    progress.start(len(names), f"reading {len(names)} things")
    try:
        for name in names:
            principals = iot.thing_principals(name)
            progress.advance()
            if principals is None:
                continue
            remote.add(name)
            certificates = _certificates_of(principals)
            if not certificates:
                found.add("thing", name, _resume(project) if name in unfinished else _NO_CERTIFICATE)
            for arn in certificates:
                attached.add(_certificate_id(arn))
                problem = _key_problem(project, iot, name, _certificate_id(arn))
                if problem is not None:
                    found.add("certificate", arn, problem)
                holders = iot.principal_things(arn) if arn not in shared else []
                if len(holders) > 1:
                    shared.add(arn)
                    found.add("certificate", arn, _shared(holders))
    finally:
        progress.finish()
    for certificate, name in sorted(made.items()):
        if certificate in attached:
            continue
        summary = iot.certificate(certificate)
        if summary is None or summary.status != "ACTIVE" or iot.principal_things(summary.arn):
            continue  # gone, switched off, or held by a thing outside the project: not a stray of ours
        if name in unfinished:
            found.add("certificate", summary.arn, _resume(project, ORPHAN_CERTIFICATE))
        else:
            found.add("certificate", summary.arn, _orphan("project"), fixable=True)
    found.count("things", len(remote))
    found.count("certificates", len(attached | set(made)))
    return remote


def _key_problem(project: ProjectFiles, iot: AuditIot, name: str, certificate: str) -> Problem | None:
    """A problem when the certificate attached to project thing `name` is not for the key the project holds."""
    if not project.has_key(name):
        return _foreign_key(f"the project holds no private key for {name}")
    try:
        key = load_private_key(project.read_key(name))
        if project.has_certificate(name):
            local = project.read_certificate(name)
            if certificate_id(local) == certificate and public_keys_equal(load_certificate(local), key):
                return None
        if public_keys_equal(load_certificate(iot.certificate_pem(certificate)), key):
            return None
    except CryptoError as error:
        return _foreign_key(f"the project's key or certificate for {name} does not load ({error.reason})")
    return _foreign_key(f"it does not match the private key the project holds for {name}")


def _project_policies(project: ProjectFiles) -> list[str]:
    names = set(fold(project.journal.records()).created_policies)
    configured = project.config().get("policy_name")
    if configured:
        names.add(str(configured))
    for thing in project.local_things():
        try:
            policy = project.read_thing_config(thing).get("policy_name")
        except (OSError, IotforgeError):
            continue
        if policy:
            names.add(str(policy))
    return sorted(names)


def _audit_policies(iot: AuditIot, names: list[str], found: _Findings) -> None:
    checked = 0
    for name in names:
        text = iot.policy_document(name)
        if text is None:
            continue
        checked += 1
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(document, dict):
            for problem in iot_policy_problems(document):
                found.add("policy", name, problem)
    found.count("policies", checked)


def _targets_any(update: OtaUpdateUse, things: set[str]) -> bool:
    return any(target.rsplit("thing/", 1)[-1] in things for target in update.targets if ":thing/" in target)


def _audit_buckets(buckets: AuditBuckets, names: list[str], found: _Findings) -> None:
    checked = 0
    for name in names:
        try:
            versioning = buckets.bucket_versioning(name)
            blocked = buckets.public_access_blocked(name)
        except NotFoundError:
            continue
        except AccessDeniedError as error:
            found.skipped[f"bucket {name}"] = error.message
            continue
        checked += 1
        if versioning != "Enabled":
            found.add("bucket", name, _UNVERSIONED, fixable=True)
        if not blocked:
            found.add("bucket", name, _PUBLIC, fixable=True)
    found.count("buckets", checked)


def apply_fixes(
    report: AuditReport,
    sources: AuditSources,
    project: ProjectFiles | None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[FixOutcome, ...]:
    """Repair every fixable finding; a repair that fails is reported, a fatal error stops the run."""
    outcomes: list[FixOutcome] = []
    for finding in report.fixable:
        try:
            if finding.check == ORPHAN_CERTIFICATE:
                _delete_certificate(sources.iot, finding.resource, project, sleep)
            elif finding.check == BUCKET_VERSIONING:
                sources.buckets.enable_versioning(finding.resource)
            elif finding.check == BUCKET_PUBLIC_ACCESS:
                sources.buckets.block_public_access(finding.resource)
            else:
                continue
        except IotforgeError as error:
            if error.exit_code in FATAL_EXIT_CODES:
                raise
            outcomes.append(FixOutcome(finding.check, finding.resource, False, error.message))
            continue
        outcomes.append(FixOutcome(finding.check, finding.resource, True))
    return tuple(outcomes)


def _delete_certificate(iot: AuditIot, arn: str, project: ProjectFiles | None, sleep: Callable[[float], None]) -> None:
    """Detach its policies, deactivate, delete; journaled in the project that made it."""
    certificate = _certificate_id(arn)
    if project is not None:
        project.journal.append({"type": "audit-delete-intent", "certificate_id": certificate, "at": _now()})
    try:
        for policy in iot.attached_policies(arn):
            iot.detach_policy(policy, arn)
        iot.deactivate_certificate(certificate)
        delay = 0.2
        for attempt in range(DELETE_RETRIES):
            try:
                iot.delete_certificate(certificate)
                break
            except ConflictError:  # AWS applies the deactivation a moment later
                if attempt == DELETE_RETRIES - 1:
                    raise
                sleep(delay)
                delay *= 2
    except NotFoundError:
        pass  # already gone: the goal is reached
    if project is not None:
        project.journal.append({"type": "audit-deleted", "certificate_id": certificate, "at": _now()})


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# What each finding says --------------------------------------------------------------------------

_NO_CERTIFICATE = Problem(
    "thing-without-certificate",
    "low",
    "has no certificate, so no device can connect as it",
    "Attach a certificate (iotforge add-things makes things with one), or delete the thing if unused.",
)
_UNVERSIONED = Problem(
    BUCKET_VERSIONING,
    "medium",
    "OTA bucket without versioning: an overwritten firmware image cannot be recovered or pinned",
    "Turn versioning on (iotforge audit --fix does).",
)
_PUBLIC = Problem(
    BUCKET_PUBLIC_ACCESS,
    "high",
    "OTA bucket whose public access block is not fully on: a policy or ACL could expose the firmware",
    "Turn on all four public access block settings (iotforge audit --fix does).",
)


def _orphan(scope: str) -> Problem:
    fix = (
        "iotforge audit --fix deactivates and deletes it (this project made it)."
        if scope == "project"
        else "If nothing uses it, deactivate and delete it: `aws iot update-certificate --new-status INACTIVE` then "
        "`aws iot delete-certificate`; `iotforge audit PROJECT --fix` does it for certificates a project made."
    )
    return Problem(ORPHAN_CERTIFICATE, "medium", "ACTIVE certificate attached to no thing", fix)


def _shared(things: Iterable[str]) -> Problem:
    names = sorted(things)
    return Problem(
        "shared-certificate",
        "high",
        f"shared by {len(names)} things ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''}): "
        "each device can pose as the others",
        "Give every device its own key and certificate (iotforge add-things), then detach the shared one.",
    )


def _foreign_key(problem: str) -> Problem:
    return Problem(
        "certificate-key-mismatch",
        "high",
        f"certificate on a project thing, but {problem}",
        "Find who holds its key; detach it from the thing (aws iot detach-thing-principal) unless it is expected.",
    )


def _resume(project: ProjectFiles, check: str = "thing-without-certificate") -> Problem:
    return Problem(
        check,
        "low",
        "part of an add-things batch that did not finish",
        f"Finish it with `iotforge project resume {project.root}` (or add-things --discard-incomplete).",
    )
