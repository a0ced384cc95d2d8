"""In-memory fakes of the OTA ports (ObjectStore, RoleStore, OtaControl, AccountProbe) that log every call."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from iotforge.errors import NotFoundError
from iotforge.workflows.models import CallerIdentity
from iotforge.workflows.ota import OtaGateways
from iotforge.workflows.ota_models import (
    EXECUTION_STATUSES,
    BucketSummary,
    ExecutionSummary,
    JobInfo,
    JobSpec,
    JobSummary,
    OtaUpdateInfo,
    OtaUpdateSpec,
    OtaUpdateSummary,
    RoleInfo,
    RoleSummary,
    SigningJob,
    StoredObject,
)

ACCOUNT, REGION = "123456789012", "eu-west-1"


@dataclass
class Calls:
    log: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def add(self, name: str, *arguments: Any) -> None:
        self.log.append((name, arguments))

    def names(self) -> list[str]:
        return [name for name, _ in self.log]


@dataclass
class FakeStorage:
    calls: Calls
    buckets: dict[str, dict[str, bytes]] = field(default_factory=dict)
    versioned: set[str] = field(default_factory=set)

    def create_bucket(self, name: str) -> None:
        self.calls.add("create_bucket", name)
        self.buckets[name] = {}
        self.versioned.add(name)

    def bucket_exists(self, name: str) -> bool:
        self.calls.add("bucket_exists", name)
        return name in self.buckets

    def secure_bucket(self, name: str) -> None:
        self.calls.add("secure_bucket", name)
        self.versioned.add(name)

    def bucket_is_empty(self, name: str) -> bool:
        return not self.buckets.get(name)

    def list_buckets(self) -> list[BucketSummary]:
        return [BucketSummary(name) for name in self.buckets]

    def delete_bucket(self, name: str, force: bool) -> None:
        self.calls.add("delete_bucket", name, force)
        del self.buckets[name]

    def upload_object(self, bucket: str, key: str, data: bytes) -> StoredObject:
        self.calls.add("upload_object", bucket, key)
        self.buckets[bucket][key] = data
        version = f"v{len(self.calls.log)}" if bucket in self.versioned else None
        return StoredObject(bucket, key, version, len(data), hashlib.sha256(data).hexdigest())

    def object_exists(self, bucket: str, key: str, version_id: str | None = None) -> bool:
        return key in self.buckets.get(bucket, {})

    def bucket_versioning(self, name: str) -> str | None:
        self.calls.add("bucket_versioning", name)
        return "Enabled" if name in self.versioned else None

    def public_access_blocked(self, name: str) -> bool:
        return True


@dataclass
class FakeRoles:
    calls: Calls
    roles: dict[str, RoleInfo] = field(default_factory=dict)

    def get_role(self, name: str) -> RoleInfo | None:
        self.calls.add("get_role", name)
        return self.roles.get(name)

    def create_role(
        self, name: str, trust_document: dict[str, Any], permissions_boundary: str | None, description: str
    ) -> str:
        self.calls.add("create_role", name, permissions_boundary)
        arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
        self.roles[name] = RoleInfo(name, arn, trust_document, permissions_boundary, {})
        return arn

    def put_role_policy(self, role: str, policy_name: str, document: dict[str, Any]) -> None:
        self.calls.add("put_role_policy", role, policy_name)
        found = self.roles[role]
        self.roles[role] = replace(found, inline_policies={**found.inline_policies, policy_name: document})

    def list_roles(self, path_prefix: str = "/") -> list[RoleSummary]:
        return [RoleSummary(role.name, role.arn, "/") for role in self.roles.values()]

    def delete_role(self, name: str) -> None:
        self.calls.add("delete_role", name)
        del self.roles[name]

    def can_assume(self, role_arn: str) -> str | None:
        return None


@dataclass
class FakeOta:
    calls: Calls
    things: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    updates: dict[str, OtaUpdateInfo] = field(default_factory=dict)
    specs: dict[str, OtaUpdateSpec] = field(default_factory=dict)
    jobs: dict[str, JobInfo] = field(default_factory=dict)
    job_specs: dict[str, JobSpec] = field(default_factory=dict)
    settle_as: str = "CREATE_COMPLETE"  # what a created update becomes on its first read
    error: tuple[str, str] | None = None

    def thing_arn(self, thing_name: str) -> str:
        self.calls.add("thing_arn", thing_name)
        if thing_name not in self.things:
            raise NotFoundError(f"thing {thing_name} not found")
        return f"arn:aws:iot:{REGION}:{ACCOUNT}:thing/{thing_name}"

    def thing_group_arn(self, group_name: str) -> str:
        self.calls.add("thing_group_arn", group_name)
        if group_name not in self.groups:
            raise NotFoundError(f"group {group_name} not found")
        return f"arn:aws:iot:{REGION}:{ACCOUNT}:thinggroup/{group_name}"

    def create_ota_update(self, spec: OtaUpdateSpec) -> OtaUpdateInfo:
        self.calls.add("create_ota_update", spec.update_id)
        signatures = tuple(file.signature_b64 for file in spec.files if file.signature_b64)
        info = OtaUpdateInfo(
            spec.update_id, f"arn:ota/{spec.update_id}", "CREATE_PENDING", None, None, spec.targets, signatures
        )
        self.updates[spec.update_id], self.specs[spec.update_id] = info, spec
        return info

    def get_ota_update(self, update_id: str) -> OtaUpdateInfo | None:
        self.calls.add("get_ota_update", update_id)
        found = self.updates.get(update_id)
        if found is not None and found.status == "CREATE_PENDING":
            code, message = self.error or (None, None)
            job = f"AFR_OTA-{update_id}" if self.settle_as == "CREATE_COMPLETE" else None
            found = replace(found, status=self.settle_as, job_id=job, error_code=code, error_message=message)
            self.updates[update_id] = found
        return found

    def list_ota_updates(self, status: str | None = None) -> list[OtaUpdateSummary]:
        return [OtaUpdateSummary(u.update_id, u.arn) for u in self.updates.values()]

    def delete_ota_update(self, update_id: str, delete_stream: bool, force_delete_aws_job: bool) -> None:
        self.calls.add("delete_ota_update", update_id, delete_stream, force_delete_aws_job)
        self.updates.pop(update_id)
        self.jobs.pop(f"AFR_OTA-{update_id}", None)

    def create_job(self, spec: JobSpec) -> str:
        self.calls.add("create_job", spec.job_id)
        self.job_specs[spec.job_id] = spec
        counts = dict.fromkeys(EXECUTION_STATUSES, 0) | {"QUEUED": len(spec.targets)}
        self.jobs[spec.job_id] = JobInfo(
            spec.job_id, f"arn:job/{spec.job_id}", "IN_PROGRESS", "SNAPSHOT", spec.targets, counts
        )
        return f"arn:job/{spec.job_id}"

    def describe_job(self, job_id: str) -> JobInfo | None:
        self.calls.add("describe_job", job_id)
        return self.jobs.get(job_id)

    def list_jobs(self, status: str | None = None) -> list[JobSummary]:
        return [JobSummary(j.job_id, j.arn, j.status) for j in self.jobs.values()]

    def cancel_job(self, job_id: str, force: bool, comment: str | None = None) -> None:
        self.calls.add("cancel_job", job_id, force)
        self.jobs[job_id] = replace(self.jobs[job_id], status="CANCELED", force_canceled=force)

    def delete_job(self, job_id: str, force: bool) -> None:
        self.calls.add("delete_job", job_id, force)
        del self.jobs[job_id]

    def list_job_executions_for_job(self, job_id: str, status: str | None = None) -> list[ExecutionSummary]:
        return []

    def job_status_counts(self, job_id: str) -> dict[str, int]:
        return dict(self.jobs[job_id].counts)

    def get_job_document(self, job_id: str) -> str | None:
        spec = self.job_specs.get(job_id)
        return spec.document if spec else None

    def stream_exists(self, stream_id: str) -> bool:
        return False

    def start_signing_job(self, profile: str, bucket: str, key: str, version: str | None) -> SigningJob:
        self.calls.add("start_signing_job", profile, bucket, key, version)
        return SigningJob("signing-job-1", profile)


class FakeAccount:
    def region(self) -> str:
        return REGION

    def caller_identity(self) -> CallerIdentity:
        return CallerIdentity(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/dev", "AIDA")

    def data_endpoint(self, endpoint_type: str = "iot:Data-ATS") -> str:
        return "example-ats.iot.eu-west-1.amazonaws.com"

    def probe_read(self, service: str) -> str:
        return "ok"


@dataclass
class FakeAws:
    calls: Calls = field(default_factory=Calls)

    def __post_init__(self) -> None:
        self.storage = FakeStorage(self.calls)
        self.roles = FakeRoles(self.calls)
        self.ota = FakeOta(self.calls)
        self.gateways = OtaGateways(self.storage, self.roles, self.ota, FakeAccount())
