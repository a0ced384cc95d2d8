"""The audit's models and the read (and few repair) calls it needs (aws/audit_reads.py implements them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from iotforge.workflows.audit_checks import Severity
from iotforge.workflows.models import CertificateSummary

# Checks --fix may repair: each change is reversible or removes only what the project made.
ORPHAN_CERTIFICATE = "orphan-certificate"
BUCKET_VERSIONING = "bucket-versioning"
BUCKET_PUBLIC_ACCESS = "bucket-public-access"


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    kind: str  # certificate, thing, policy, role or bucket
    resource: str
    problem: str
    fix: str
    fixable: bool = False


@dataclass(frozen=True)
class FixOutcome:
    check: str
    resource: str
    fixed: bool
    error: str | None = None


@dataclass(frozen=True)
class AuditReport:
    scope: str
    findings: tuple[Finding, ...]
    checked: dict[str, int]
    skipped: dict[str, str] = field(default_factory=dict)  # what could not be read, and why

    @property
    def fixable(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.fixable)


@dataclass(frozen=True)
class RoleTrust:
    name: str
    arn: str
    path: str
    trust_document: dict[str, Any]


@dataclass(frozen=True)
class OtaUpdateUse:
    """What an OTA update points at: its targets (ARNs) and the buckets its firmware is read from."""

    update_id: str
    targets: tuple[str, ...]
    buckets: tuple[str, ...]


class AuditIot(Protocol):
    def thing_names(self) -> list[str]: ...

    def thing_principals(self, thing_name: str) -> list[str] | None: ...

    def principal_things(self, principal: str) -> list[str]: ...

    def certificates(self) -> list[CertificateSummary]: ...

    def certificate(self, certificate_id: str) -> CertificateSummary | None: ...

    def certificate_pem(self, certificate_id: str) -> str: ...

    def certificates_created_since(self, since: datetime) -> list[CertificateSummary]: ...

    def policy_names(self) -> list[str]: ...

    def policy_document(self, policy_name: str) -> str | None: ...

    def ota_updates(self) -> list[OtaUpdateUse]: ...

    def attached_policies(self, target: str) -> list[str]: ...

    def detach_policy(self, policy_name: str, target: str) -> None: ...

    def deactivate_certificate(self, certificate_id: str) -> None: ...

    def delete_certificate(self, certificate_id: str) -> None: ...


class AuditRoles(Protocol):
    def role_trusts(self) -> list[RoleTrust]: ...


class AuditBuckets(Protocol):
    def bucket_versioning(self, name: str) -> str | None: ...

    def public_access_blocked(self, name: str) -> bool: ...

    def enable_versioning(self, name: str) -> None: ...

    def block_public_access(self, name: str) -> None: ...
