"""The S3, IAM and OTA gateways against the emulator over HTTP: what they create is what AWS would hold."""

from __future__ import annotations

import json

import pytest

from iotforge.errors import AwsError, ConflictError, ExitCode, NotFoundError
from iotforge.settings import Settings
from iotforge.wiring import Wiring
from iotforge.workflows.ota_models import AbortCriterion, JobSettings, JobSpec
from iotforge.workflows.ota_roles import ota_role_permissions, ota_role_trust
from tests.support.emulator import EmulatorHandle

ACCOUNT = "123456789012"


def _wiring(emulator: EmulatorHandle, region: str = "us-east-1") -> Wiring:
    env = emulator.env
    settings = Settings(endpoint_url=emulator.url, region=region, max_attempts=2)
    return Wiring(settings, (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]))


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_created_buckets_are_versioned_private_and_encrypted(emulator: EmulatorHandle, region: str) -> None:
    s3 = _wiring(emulator, region).s3
    s3.create_bucket("fw-images")
    raw = emulator.client("s3", region)
    assert s3.bucket_exists("fw-images")
    assert not s3.bucket_exists("no-such-bucket")
    assert s3.bucket_versioning("fw-images") == "Enabled"
    assert s3.public_access_blocked("fw-images")
    rule = raw.get_bucket_encryption(Bucket="fw-images")["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    location = raw.get_bucket_location(Bucket="fw-images")["LocationConstraint"]
    assert location == (None if region == "us-east-1" else region)
    assert "fw-images" in [bucket.name for bucket in s3.list_buckets()]


def test_uploads_are_pinned_and_delete_needs_force_for_a_non_empty_bucket(emulator: EmulatorHandle) -> None:
    s3, raw = _wiring(emulator).s3, emulator.client("s3")
    s3.create_bucket("fw-images")
    first = s3.upload_object("fw-images", "app.bin", b"one")
    second = s3.upload_object("fw-images", "app.bin", b"two")
    assert first.version_id
    assert second.version_id
    assert first.version_id != second.version_id
    assert (first.size, first.sha256) == (3, "7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed")
    assert s3.object_exists("fw-images", "app.bin", first.version_id)
    assert not s3.object_exists("fw-images", "other.bin")
    raw.delete_object(Bucket="fw-images", Key="app.bin")  # leaves a delete marker and both versions
    with pytest.raises(ConflictError) as raised:
        s3.delete_bucket("fw-images", force=False)
    assert raised.value.exit_code == ExitCode.CONFLICT
    assert "-f" in (raised.value.hint or "")
    s3.delete_bucket("fw-images", force=True)
    assert not s3.bucket_exists("fw-images")


def test_a_bucket_without_a_public_access_block_reports_false(emulator: EmulatorHandle) -> None:
    emulator.client("s3").create_bucket(Bucket="plain-bucket")
    s3 = _wiring(emulator).s3
    assert not s3.public_access_blocked("plain-bucket")
    assert s3.bucket_versioning("plain-bucket") is None


def test_roles_round_trip_with_every_policy_and_delete_clears_what_holds_them(emulator: EmulatorHandle) -> None:
    iam, raw = _wiring(emulator).iam, emulator.client("iam")
    boundary = raw.create_policy(
        PolicyName="boundary",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )["Policy"]["Arn"]
    arn = iam.create_role("Proj-ota", ota_role_trust(ACCOUNT), boundary, "test role")
    permissions = ota_role_permissions("fw-images", arn, "us-east-1", ACCOUNT)
    iam.put_role_policy("Proj-ota", "ota", permissions)
    raw.attach_role_policy(RoleName="Proj-ota", PolicyArn=boundary)
    raw.create_instance_profile(InstanceProfileName="profile")
    raw.add_role_to_instance_profile(InstanceProfileName="profile", RoleName="Proj-ota")

    role = iam.get_role("Proj-ota")
    assert role is not None
    assert (role.arn, role.permissions_boundary) == (arn, boundary)
    assert role.trust_document == ota_role_trust(ACCOUNT)
    assert role.inline_policies == {"ota": permissions}
    assert list(role.managed_policies) == [boundary]
    assert [summary.name for summary in iam.list_roles()] == ["Proj-ota"]
    assert iam.can_assume(arn) is None

    iam.delete_role("Proj-ota")
    assert iam.get_role("Proj-ota") is None
    assert raw.get_instance_profile(InstanceProfileName="profile")["InstanceProfile"]["Roles"] == []


def test_can_assume_reports_why_not(emulator: EmulatorHandle) -> None:
    iam = _wiring(emulator).iam
    arn = iam.create_role("ota", ota_role_trust(ACCOUNT), None, "test role")
    emulator.set_knobs(deny_actions=["sts:AssumeRole"])
    reason = iam.can_assume(arn)
    assert reason is not None
    assert "sts:AssumeRole" in reason


def test_jobs_through_the_ota_gateway(emulator: EmulatorHandle) -> None:
    ota, iot = _wiring(emulator).ota, emulator.client("iot")
    for name in ("dev-1", "dev-2"):
        iot.create_thing(thingName=name)
    targets = (ota.thing_arn("dev-1"), ota.thing_arn("dev-2"))
    with pytest.raises(NotFoundError):
        ota.thing_arn("nobody")
    settings = JobSettings(max_per_minute=10, abort=(AbortCriterion(50, 2),), in_progress_timeout_minutes=5)
    arn = ota.create_job(JobSpec("job-1", targets, json.dumps({"operation": "fota"}), settings=settings))
    job = ota.describe_job("job-1")
    assert job is not None
    assert (job.arn, job.status, job.counts["QUEUED"], job.targets) == (arn, "IN_PROGRESS", 2, targets)
    described = iot.describe_job(jobId="job-1")["job"]
    assert described["jobExecutionsRolloutConfig"] == {"maximumPerMinute": 10}
    assert described["abortConfig"]["criteriaList"][0]["thresholdPercentage"] == 50
    assert {e.thing_name for e in ota.list_job_executions_for_job("job-1")} == {"dev-1", "dev-2"}
    assert ota.job_status_counts("job-1")["QUEUED"] == 2
    assert [summary.job_id for summary in ota.list_jobs("IN_PROGRESS")] == ["job-1"]
    ota.cancel_job("job-1", force=False, comment="stop")
    assert ota.describe_job("job-1").status == "CANCELED"  # type: ignore[union-attr]
    ota.delete_job("job-1", force=False)
    assert ota.get_job_document("no-such-job") is None


def test_signing_jobs_are_not_emulated_and_fail_with_a_message(emulator: EmulatorHandle) -> None:
    """moto has no StartSigningJob: the gateway's error is all the emulator can show (see aws/ota.py)."""
    with pytest.raises(AwsError) as raised:
        _wiring(emulator).ota.start_signing_job("profile", "fw-images", "app.bin", None)
    assert "signer:StartSigningJob" in raised.value.message
