"""Small frozen models for S3, IAM, OTA updates and IoT jobs, as the aws gateways return them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

SignatureAlgorithmName = Literal["ECDSA", "RSA"]
Protocol = Literal["MQTT", "HTTP"]
TargetSelection = Literal["SNAPSHOT", "CONTINUOUS"]
FailureType = Literal["FAILED", "REJECTED", "TIMED_OUT", "ALL"]

# Job statuses after which nothing more happens to the job's executions.
JOB_DONE_STATUSES = frozenset({"COMPLETED", "CANCELED", "DELETION_IN_PROGRESS"})
EXECUTION_STATUSES = ("QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED", "REJECTED", "TIMED_OUT", "REMOVED", "CANCELED")


# S3 ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BucketSummary:
    name: str
    created: datetime | None = None


@dataclass(frozen=True)
class StoredObject:
    """An object as uploaded: `version_id` is None when the bucket is not versioned."""

    bucket: str
    key: str
    version_id: str | None
    size: int
    sha256: str


# IAM --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleInfo:
    """A role with every policy document that grants it something (managed ones by ARN)."""

    name: str
    arn: str
    trust_document: dict[str, Any]
    permissions_boundary: str | None
    inline_policies: dict[str, dict[str, Any]]
    managed_policies: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class RoleSummary:
    name: str
    arn: str
    path: str
    created: datetime | None = None


# OTA updates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExponentialRollout:
    base_rate_per_minute: int
    increment_factor: float
    notified_things: int | None = None
    succeeded_things: int | None = None


@dataclass(frozen=True)
class AbortCriterion:
    threshold_percent: float
    min_executed: int
    failure_type: FailureType = "ALL"


@dataclass(frozen=True)
class JobSettings:
    """Rollout, abort and timeout settings shared by OTA updates and plain jobs."""

    target_selection: TargetSelection = "SNAPSHOT"
    max_per_minute: int | None = None
    exponential: ExponentialRollout | None = None
    abort: tuple[AbortCriterion, ...] = ()
    in_progress_timeout_minutes: int | None = None


@dataclass(frozen=True)
class OtaFile:
    """One file of an OTA update: where it is in S3 and how the device checks it."""

    name_on_device: str
    bucket: str
    key: str
    version_id: str | None
    signature_algorithm: SignatureAlgorithmName
    certificate_path_on_device: str
    signature_b64: str | None = None  # customCodeSigning
    signer_job_id: str | None = None  # or a finished AWS Signer job
    file_type: int | None = None


@dataclass(frozen=True)
class OtaUpdateSpec:
    update_id: str
    targets: tuple[str, ...]
    files: tuple[OtaFile, ...]
    role_arn: str
    protocols: tuple[Protocol, ...] = ("MQTT",)
    settings: JobSettings = JobSettings()
    presigned_url_expires: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class OtaUpdateInfo:
    update_id: str
    arn: str
    status: str
    job_id: str | None
    job_arn: str | None
    targets: tuple[str, ...]
    signatures: tuple[str, ...]  # base64, one per customCodeSigning file
    role_arn: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    created: datetime | None = None


@dataclass(frozen=True)
class OtaUpdateSummary:
    update_id: str
    arn: str
    created: datetime | None = None


@dataclass(frozen=True)
class SigningJob:
    job_id: str
    profile: str


# Jobs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    targets: tuple[str, ...]
    document: str
    presigned_role_arn: str | None = None
    presigned_expires: int | None = None
    settings: JobSettings = JobSettings()
    description: str | None = None


@dataclass(frozen=True)
class JobInfo:
    job_id: str
    arn: str
    status: str
    target_selection: str
    targets: tuple[str, ...]
    counts: dict[str, int]  # execution status -> number of things, every status present
    reason_code: str | None = None
    comment: str | None = None
    force_canceled: bool = False
    created: datetime | None = None
    completed: datetime | None = None

    @property
    def done(self) -> bool:
        return self.status in JOB_DONE_STATUSES


@dataclass(frozen=True)
class JobSummary:
    job_id: str
    arn: str
    status: str
    created: datetime | None = None


@dataclass(frozen=True)
class ExecutionSummary:
    thing_name: str
    thing_arn: str
    status: str
    execution_number: int | None = None
    last_updated: datetime | None = None
