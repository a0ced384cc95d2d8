"""The OTA gateway: OTA updates, IoT jobs and their executions, targets, streams, AWS Signer (implements OtaControl).

AWS Signer is not emulated (moto has no StartSigningJob), so `start_signing_job` is exercised only
against real AWS; everything else here runs against the emulator in tests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from iotforge.aws.rate_limited import RateLimitedApi
from iotforge.errors import NotFoundError
from iotforge.workflows.ota_models import (
    EXECUTION_STATUSES,
    ExecutionSummary,
    JobInfo,
    JobSettings,
    JobSpec,
    JobSummary,
    OtaFile,
    OtaUpdateInfo,
    OtaUpdateSpec,
    OtaUpdateSummary,
    SigningJob,
)

SIGNED_PREFIX = "signed/"
_COUNT_FIELDS = {
    "QUEUED": "numberOfQueuedThings",
    "IN_PROGRESS": "numberOfInProgressThings",
    "SUCCEEDED": "numberOfSucceededThings",
    "FAILED": "numberOfFailedThings",
    "REJECTED": "numberOfRejectedThings",
    "TIMED_OUT": "numberOfTimedOutThings",
    "REMOVED": "numberOfRemovedThings",
    "CANCELED": "numberOfCanceledThings",
}


def _file(entry: OtaFile) -> dict[str, Any]:
    location: dict[str, Any] = {"bucket": entry.bucket, "key": entry.key}
    if entry.version_id:
        location["version"] = entry.version_id
    if entry.signer_job_id:
        signing: dict[str, Any] = {"awsSignerJobId": entry.signer_job_id}
    else:
        signing = {
            "customCodeSigning": {
                # The blob is the signature's base64 text, as AWS copies it into the job document
                # (what Arm's createIoTThings.py sends; the device decodes it once).
                "signature": {"inlineDocument": (entry.signature_b64 or "").encode("ascii")},
                "certificateChain": {"certificateName": entry.certificate_path_on_device},
                "hashAlgorithm": "SHA256",
                "signatureAlgorithm": entry.signature_algorithm,
            }
        }
    found: dict[str, Any] = {
        "fileName": entry.name_on_device,
        "fileLocation": {"s3Location": location},
        "codeSigning": signing,
    }
    if entry.file_type is not None:
        found["fileType"] = entry.file_type
    return found


def _rollout(settings: JobSettings) -> dict[str, Any] | None:
    rollout: dict[str, Any] = {}
    if settings.max_per_minute is not None:
        rollout["maximumPerMinute"] = settings.max_per_minute
    exponential = settings.exponential
    if exponential is not None:
        criteria = (
            {"numberOfNotifiedThings": exponential.notified_things}
            if exponential.notified_things is not None
            else {"numberOfSucceededThings": exponential.succeeded_things}
        )
        rollout["exponentialRate"] = {
            "baseRatePerMinute": exponential.base_rate_per_minute,
            "incrementFactor": exponential.increment_factor,
            "rateIncreaseCriteria": criteria,
        }
    return rollout or None


def _abort_criteria(settings: JobSettings) -> list[dict[str, Any]]:
    return [
        {
            "failureType": criterion.failure_type,
            "action": "CANCEL",
            "thresholdPercentage": criterion.threshold_percent,
            "minNumberOfExecutedThings": criterion.min_executed,
        }
        for criterion in settings.abort
    ]


def _signature_text(file: dict[str, Any]) -> str | None:
    custom = (file.get("codeSigning") or {}).get("customCodeSigning") or {}
    document = (custom.get("signature") or {}).get("inlineDocument")
    if document is None:
        return None
    return document.decode("ascii", errors="replace") if isinstance(document, bytes) else str(document)


def _update_info(info: dict[str, Any]) -> OtaUpdateInfo:
    error = info.get("errorInfo") or {}
    files = info.get("otaUpdateFiles") or []
    return OtaUpdateInfo(
        update_id=str(info["otaUpdateId"]),
        arn=str(info.get("otaUpdateArn", "")),
        status=str(info.get("otaUpdateStatus", "")),
        job_id=info.get("awsIotJobId"),
        job_arn=info.get("awsIotJobArn"),
        targets=tuple(info.get("targets") or ()),
        signatures=tuple(text for text in map(_signature_text, files) if text is not None),
        error_code=error.get("code"),
        error_message=error.get("message"),
        created=info.get("creationDate"),
    )


def _job_info(job: dict[str, Any]) -> JobInfo:
    details = job.get("jobProcessDetails") or {}
    counts = {status: int(details.get(_COUNT_FIELDS[status]) or 0) for status in EXECUTION_STATUSES}
    return JobInfo(
        job_id=str(job["jobId"]),
        arn=str(job.get("jobArn", "")),
        status=str(job.get("status", "")),
        target_selection=str(job.get("targetSelection", "SNAPSHOT")),
        targets=tuple(job.get("targets") or ()),
        counts=counts,
        reason_code=job.get("reasonCode"),
        comment=job.get("comment"),
        force_canceled=bool(job.get("forceCanceled")),
        created=job.get("createdAt"),
        completed=job.get("completedAt"),
    )


class OtaGateway(RateLimitedApi):
    # targets --------------------------------------------------------------------------------------

    def thing_arn(self, thing_name: str) -> str:
        return str(
            self._call("DescribeThing", f"look up thing {thing_name} (iot:DescribeThing)", thingName=thing_name)[
                "thingArn"
            ]
        )

    def thing_group_arn(self, group_name: str) -> str:
        found = self._call(
            "DescribeThingGroup",
            f"look up thing group {group_name} (iot:DescribeThingGroup)",
            thingGroupName=group_name,
        )
        return str(found["thingGroupArn"])

    # OTA updates ----------------------------------------------------------------------------------

    def create_ota_update(self, spec: OtaUpdateSpec) -> OtaUpdateInfo:
        arguments: dict[str, Any] = {
            "otaUpdateId": spec.update_id,
            "targets": list(spec.targets),
            "protocols": list(spec.protocols),
            "targetSelection": spec.settings.target_selection,
            "files": [_file(entry) for entry in spec.files],
            "roleArn": spec.role_arn,
        }
        if spec.description:
            arguments["description"] = spec.description
        rollout = _rollout(spec.settings)
        if rollout:
            arguments["awsJobExecutionsRolloutConfig"] = rollout
        if spec.settings.abort:
            arguments["awsJobAbortConfig"] = {"abortCriteriaList": _abort_criteria(spec.settings)}
        if spec.settings.in_progress_timeout_minutes is not None:
            arguments["awsJobTimeoutConfig"] = {"inProgressTimeoutInMinutes": spec.settings.in_progress_timeout_minutes}
        if spec.presigned_url_expires is not None:
            arguments["awsJobPresignedUrlConfig"] = {"expiresInSec": spec.presigned_url_expires}
        found = self._call("CreateOTAUpdate", f"create OTA update {spec.update_id} (iot:CreateOTAUpdate)", **arguments)
        return OtaUpdateInfo(
            update_id=str(found["otaUpdateId"]),
            arn=str(found.get("otaUpdateArn", "")),
            status=str(found.get("otaUpdateStatus", "CREATE_PENDING")),
            job_id=found.get("awsIotJobId"),
            job_arn=found.get("awsIotJobArn"),
            targets=spec.targets,
            signatures=tuple(entry.signature_b64 for entry in spec.files if entry.signature_b64),
            role_arn=spec.role_arn,
        )

    def get_ota_update(self, update_id: str) -> OtaUpdateInfo | None:
        try:
            found = self._call("GetOTAUpdate", f"read OTA update {update_id} (iot:GetOTAUpdate)", otaUpdateId=update_id)
        except NotFoundError:
            return None
        return _update_info(found["otaUpdateInfo"])

    def list_ota_updates(self, status: str | None = None) -> list[OtaUpdateSummary]:
        arguments = {"otaUpdateStatus": status} if status else {}
        updates = self._paginate("ListOTAUpdates", "list OTA updates (iot:ListOTAUpdates)", "otaUpdates", **arguments)
        return [
            OtaUpdateSummary(str(item["otaUpdateId"]), str(item.get("otaUpdateArn", "")), item.get("creationDate"))
            for item in updates
        ]

    def delete_ota_update(self, update_id: str, delete_stream: bool, force_delete_aws_job: bool) -> None:
        self._call(
            "DeleteOTAUpdate",
            f"delete OTA update {update_id} (iot:DeleteOTAUpdate)",
            otaUpdateId=update_id,
            deleteStream=delete_stream,
            forceDeleteAWSJob=force_delete_aws_job,
        )

    # jobs -----------------------------------------------------------------------------------------

    def create_job(self, spec: JobSpec) -> str:
        arguments: dict[str, Any] = {
            "jobId": spec.job_id,
            "targets": list(spec.targets),
            "document": spec.document,
            "targetSelection": spec.settings.target_selection,
        }
        if spec.description:
            arguments["description"] = spec.description
        if spec.presigned_role_arn:
            arguments["presignedUrlConfig"] = {"roleArn": spec.presigned_role_arn}
            if spec.presigned_expires is not None:
                arguments["presignedUrlConfig"]["expiresInSec"] = spec.presigned_expires
        rollout = _rollout(spec.settings)
        if rollout:
            arguments["jobExecutionsRolloutConfig"] = rollout
        if spec.settings.abort:
            arguments["abortConfig"] = {"criteriaList": _abort_criteria(spec.settings)}
        if spec.settings.in_progress_timeout_minutes is not None:
            arguments["timeoutConfig"] = {"inProgressTimeoutInMinutes": spec.settings.in_progress_timeout_minutes}
        found = self._call("CreateJob", f"create job {spec.job_id} (iot:CreateJob)", **arguments)
        return str(found["jobArn"])

    def describe_job(self, job_id: str) -> JobInfo | None:
        try:
            found = self._call("DescribeJob", f"describe job {job_id} (iot:DescribeJob)", jobId=job_id)
        except NotFoundError:
            return None
        return _job_info(found["job"])

    def list_jobs(self, status: str | None = None) -> list[JobSummary]:
        arguments = {"status": status} if status else {}
        jobs = self._paginate("ListJobs", "list jobs (iot:ListJobs)", "jobs", **arguments)
        return [
            JobSummary(str(job["jobId"]), str(job.get("jobArn", "")), str(job.get("status", "")), job.get("createdAt"))
            for job in jobs
        ]

    def cancel_job(self, job_id: str, force: bool, comment: str | None = None) -> None:
        arguments: dict[str, Any] = {"jobId": job_id, "force": force}
        if comment:
            arguments["comment"] = comment
        self._call("CancelJob", f"cancel job {job_id} (iot:CancelJob)", **arguments)

    def delete_job(self, job_id: str, force: bool) -> None:
        self._call("DeleteJob", f"delete job {job_id} (iot:DeleteJob)", jobId=job_id, force=force)

    def list_job_executions_for_job(self, job_id: str, status: str | None = None) -> list[ExecutionSummary]:
        arguments: dict[str, Any] = {"jobId": job_id}
        if status:
            arguments["status"] = status
        found = self._paginate(
            "ListJobExecutionsForJob",
            f"list executions of job {job_id} (iot:ListJobExecutionsForJob)",
            "executionSummaries",
            **arguments,
        )
        executions = []
        for item in found:
            summary = item.get("jobExecutionSummary") or {}
            arn = str(item.get("thingArn", ""))
            updated: datetime | None = summary.get("lastUpdatedAt")
            executions.append(
                ExecutionSummary(
                    arn.rsplit("/", 1)[-1], arn, str(summary.get("status", "")), summary.get("executionNumber"), updated
                )
            )
        return executions

    def job_status_counts(self, job_id: str) -> dict[str, int]:
        job = self.describe_job(job_id)
        if job is None:
            raise NotFoundError(f"Job {job_id} does not exist.", "Check the job id and the region (--region).")
        return dict(job.counts)

    def get_job_document(self, job_id: str) -> str | None:
        try:
            found = self._call(
                "GetJobDocument", f"read the document of job {job_id} (iot:GetJobDocument)", jobId=job_id
            )
        except NotFoundError:
            return None
        return str(found.get("document") or "")

    # streams and signing --------------------------------------------------------------------------

    def stream_exists(self, stream_id: str) -> bool:
        try:
            self._call("DescribeStream", f"describe stream {stream_id} (iot:DescribeStream)", streamId=stream_id)
        except NotFoundError:
            return False
        return True

    def start_signing_job(self, profile: str, bucket: str, key: str, version: str | None) -> SigningJob:
        source: dict[str, Any] = {"bucketName": bucket, "key": key}
        if version:
            source["version"] = version
        found = self._call(
            "StartSigningJob",
            f"start a signing job with profile {profile} (signer:StartSigningJob)",
            service="signer",
            source={"s3": source},
            destination={"s3": {"bucketName": bucket, "prefix": SIGNED_PREFIX}},
            profileName=profile,
        )
        return SigningJob(str(found["jobId"]), profile)
