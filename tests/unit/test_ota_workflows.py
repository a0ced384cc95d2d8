"""OTA workflows over in-memory fakes of the ports: input checks first, then the order of remote work."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import pytest

from iotforge.crypto import format_signature_file, generate_code_signing_identity, sign_firmware
from iotforge.errors import AwsError, BadInputError, ConflictError, ExitCode, IotforgeError, NotFoundError
from iotforge.workflows.fota import FotaRequest, start_fota
from iotforge.workflows.ota import OtaRequest, create_ota_update
from iotforge.workflows.ota_jobs import delete_ota
from iotforge.workflows.ota_models import AbortCriterion, ExponentialRollout, JobSettings, JobSpec, RoleInfo
from iotforge.workflows.ota_roles import ota_role_trust
from tests.support.ota_fakes import ACCOUNT, FakeAws

IMAGE = b"\x7fELF" + bytes(range(256)) * 8
IDENTITY = generate_code_signing_identity("ecdsa-p256", "test signer")
SIGNATURE = format_signature_file(sign_firmware(IMAGE, IDENTITY.private_key_pem))


def _no_sleep(_: float) -> None:
    return None


def _request(**changes: Any) -> OtaRequest:
    base = OtaRequest(
        update_id="v1",
        firmware=IMAGE,
        firmware_name="app.bin",
        bucket="fw-images",
        role_name="ota-role",
        things=("dev-1",),
        signature_b64=SIGNATURE,
        certificate_pem=IDENTITY.certificate_pem,
        create_bucket=True,
        create_role=True,
    )
    return replace(base, **changes)


@pytest.fixture
def aws() -> FakeAws:
    fake = FakeAws()
    fake.ota.things.update({"dev-1", "dev-2"})
    fake.ota.groups.add("sensors")
    return fake


def test_create_checks_uploads_pins_and_waits(aws: FakeAws) -> None:
    result = create_ota_update(_request(thing_groups=("sensors",)), aws.gateways, sleep=_no_sleep)
    assert (result.status, result.job_id, result.bucket_created, result.role_created) == (
        "CREATE_COMPLETE",
        "AFR_OTA-v1",
        True,
        True,
    )
    assert aws.calls.names()[:2] == ["get_ota_update", "thing_arn"]
    assert aws.calls.names().index("put_role_policy") < aws.calls.names().index("upload_object")
    [file] = aws.ota.specs["v1"].files
    assert (file.key, file.version_id, file.signature_b64, file.signature_algorithm) == (
        "v1/app.bin",
        result.version_id,
        SIGNATURE,
        "ECDSA",
    )
    role = aws.roles.roles["ota-role"]
    assert role.trust_document == ota_role_trust(ACCOUNT)
    assert aws.ota.specs["v1"].targets[1].endswith(":thinggroup/sensors")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"update_id": "bad id"}, "update name"),
        ({"things": (), "thing_groups": ()}, "No targets"),
        ({"bucket": "Fw_Images"}, "bucket name"),
        ({"firmware": IMAGE + b"tampered"}, "does not verify"),
        ({"certificate_pem": generate_code_signing_identity("rsa-3072", "other").certificate_pem}, "does not verify"),
        ({"signer_profile": "prof"}, "exactly one way of signing"),
        ({"signature_b64": None}, "exactly one way of signing"),
        ({"presigned_url_expires": 59}, "60..3600"),
        ({"protocols": ("MQTT", "MQTT")}, "at most once"),
        ({"settings": JobSettings(max_per_minute=0)}, "--max-per-minute"),
        ({"settings": JobSettings(abort=(AbortCriterion(0, 5),))}, "--abort-failure-percent"),
        ({"settings": JobSettings(exponential=ExponentialRollout(5, 2.0))}, "notified or of succeeded"),
        ({"permissions_boundary": "boundary"}, "not a policy ARN"),
    ],
)
def test_bad_input_is_refused_before_any_remote_call(aws: FakeAws, changes: dict[str, Any], words: str) -> None:
    with pytest.raises(BadInputError, match=words) as raised:
        create_ota_update(_request(**changes), aws.gateways, sleep=_no_sleep)
    assert raised.value.exit_code == ExitCode.BAD_INPUT
    assert aws.calls.log == []


def test_aws_signer_path_signs_the_pinned_upload(aws: FakeAws) -> None:
    request = _request(signature_b64=None, certificate_pem=None, signer_profile="fw-profile")
    create_ota_update(request, aws.gateways, sleep=_no_sleep)
    [(_name, arguments)] = [entry for entry in aws.calls.log if entry[0] == "start_signing_job"]
    assert arguments[:3] == ("fw-profile", "fw-images", "v1/app.bin")
    assert arguments[3]
    [file] = aws.ota.specs["v1"].files
    assert (file.signer_job_id, file.signature_b64) == ("signing-job-1", None)
    statements = aws.roles.roles["ota-role"].inline_policies["iotforge-ota-update"]["Statement"]
    assert "signer:DescribeSigningJob" in [statement["Action"] for statement in statements]


def test_without_a_certificate_the_algorithm_comes_from_the_signature_and_a_warning_says_so(aws: FakeAws) -> None:
    rsa = generate_code_signing_identity("rsa-3072", "rsa signer")
    signature = format_signature_file(sign_firmware(IMAGE, rsa.private_key_pem))
    result = create_ota_update(_request(signature_b64=signature, certificate_pem=None), aws.gateways, sleep=_no_sleep)
    assert result.signature_algorithm == "RSA"
    assert result.warnings
    assert "--cert" in result.warnings[0]


def test_rerun_adopts_its_own_update_and_refuses_another_image(aws: FakeAws) -> None:
    create_ota_update(_request(), aws.gateways, sleep=_no_sleep)
    uploads = aws.calls.names().count("upload_object")
    again = create_ota_update(_request(), aws.gateways, sleep=_no_sleep)
    assert again.resumed
    assert again.status == "CREATE_COMPLETE"
    assert aws.calls.names().count("upload_object") == uploads
    other = format_signature_file(sign_firmware(IMAGE + b"!", IDENTITY.private_key_pem))
    with pytest.raises(ConflictError, match="already exists"):
        create_ota_update(_request(firmware=IMAGE + b"!", signature_b64=other), aws.gateways, sleep=_no_sleep)


def test_create_failed_raises_with_aws_reason(aws: FakeAws) -> None:
    aws.ota.settle_as, aws.ota.error = "CREATE_FAILED", ("AccessDeniedException", "Unable to assume role")
    with pytest.raises(AwsError, match="Unable to assume role") as raised:
        create_ota_update(_request(), aws.gateways, sleep=_no_sleep)
    assert raised.value.code == "AccessDeniedException"
    assert raised.value.hint is not None
    assert "iot.amazonaws.com" in raised.value.hint


def test_an_unversioned_bucket_in_use_or_a_missing_role_stops_before_upload(aws: FakeAws) -> None:
    aws.storage.buckets["fw-images"] = {"someone-elses-file": b"data"}
    with pytest.raises(ConflictError, match="versions"):
        create_ota_update(_request(create_bucket=True), aws.gateways, sleep=_no_sleep)
    assert "secure_bucket" not in aws.calls.names()  # a bucket in use is never reconfigured
    aws.storage.versioned.add("fw-images")
    with pytest.raises(NotFoundError, match="ota-role does not exist") as raised:
        create_ota_update(_request(create_role=False), aws.gateways, sleep=_no_sleep)
    assert "--create-role" in (raised.value.hint or "")
    assert "upload_object" not in aws.calls.names()


def test_an_empty_bucket_left_by_an_interrupted_create_is_finished(aws: FakeAws) -> None:
    aws.storage.buckets["fw-images"] = {}
    create_ota_update(_request(create_bucket=True), aws.gateways, sleep=_no_sleep)
    assert "secure_bucket" in aws.calls.names()
    assert "fw-images" in aws.storage.versioned


def test_an_existing_role_that_does_not_fit_is_refused_unless_unchecked(aws: FakeAws) -> None:
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    aws.roles.roles["ota-role"] = RoleInfo("ota-role", f"arn:aws:iam::{ACCOUNT}:role/ota-role", trust, None, {})
    with pytest.raises(IotforgeError, match=r"does not trust iot\.amazonaws\.com"):
        create_ota_update(_request(), aws.gateways, sleep=_no_sleep)
    assert "upload_object" not in aws.calls.names()
    result = create_ota_update(_request(check_role=False), aws.gateways, sleep=_no_sleep)
    assert not result.role_created


def _fota(**changes: Any) -> FotaRequest:
    document = {
        "bcbin": base64.b64encode(b"bytecode").decode(),
        "bc_idx": 2,
        "has_vm": True,
        "vmbin": base64.b64encode(b"vm image").decode(),
        "vm_idx": 0,
    }
    base = FotaRequest(json.dumps(document).encode(), "fw.json", "s3://fw-images/fota", "s3-read", ("dev-1",))
    return replace(base, **changes)


def test_fota_uploads_both_images_and_lists_them_in_the_document(aws: FakeAws) -> None:
    aws.storage.buckets["fw-images"] = {}
    aws.roles.roles["s3-read"] = RoleInfo("s3-read", "arn:aws:iam::1:role/s3-read", ota_role_trust(ACCOUNT), None, {})
    result = start_fota(_fota(duration=600), aws.gateways, now=lambda: 1700000000)
    assert result.job_id == "fota-dev-1-1700000000"
    assert sorted(aws.storage.buckets["fw-images"]) == [
        "fota/fota-dev-1-1700000000/bc.bin",
        "fota/fota-dev-1-1700000000/vm.bin",
    ]
    document = json.loads(aws.ota.job_specs[result.job_id].document)
    assert document["operation"] == "fota"
    assert document["images"] == ["bc", "vm"]
    assert (document["bc_idx"], document["bc_size"], document["vm_idx"], document["vm_size"]) == (2, 8, 0, 8)
    assert document["bc_url"] == (
        "${aws:iot:s3-presigned-url-v2:https://s3.eu-west-1.amazonaws.com/fw-images/fota/fota-dev-1-1700000000/bc.bin}"
    )
    spec = aws.ota.job_specs[result.job_id]
    assert (spec.presigned_role_arn, spec.presigned_expires) == ("arn:aws:iam::1:role/s3-read", 600)
    assert result.warnings  # the role shows no s3:GetObject on the bucket


@pytest.mark.parametrize("duration", [59, 3601])
def test_fota_duration_outside_60_to_3600_is_bad_input_before_any_call(aws: FakeAws, duration: int) -> None:
    with pytest.raises(BadInputError, match=r"60\.\.3600"):
        start_fota(_fota(duration=duration), aws.gateways)
    assert aws.calls.log == []


def test_fota_refuses_a_role_aws_iot_cannot_assume(aws: FakeAws) -> None:
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    aws.roles.roles["s3-read"] = RoleInfo("s3-read", "arn:aws:iam::1:role/s3-read", trust, None, {})
    with pytest.raises(IotforgeError, match="cannot presign"):
        start_fota(_fota(), aws.gateways)
    assert "upload_object" not in aws.calls.names()


def test_delete_refuses_a_running_job_without_force_and_never_touches_the_role(aws: FakeAws) -> None:
    create_ota_update(_request(), aws.gateways, sleep=_no_sleep)
    aws.ota.create_job(JobSpec("AFR_OTA-v1", ("arn:aws:iot:eu-west-1:1:thing/dev-1",), "{}"))
    with pytest.raises(ConflictError, match="still IN_PROGRESS") as raised:
        delete_ota(aws.ota, "v1", force=False, sleep=_no_sleep)
    assert "--force" in (raised.value.hint or "")
    assert "delete_ota_update" not in aws.calls.names()
    done = delete_ota(aws.ota, "v1", force=True, sleep=_no_sleep)
    assert (done.update_deleted, done.job_deleted) == (True, True)
    names = aws.calls.names()
    assert names.index("cancel_job") < names.index("delete_ota_update")
    assert "delete_role" not in names
    assert "ota-role" in aws.roles.roles
