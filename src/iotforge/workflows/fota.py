"""FOTA jobs the Zerynth way (`iot-fota-start`): upload the images, then one IoT job with presigned URLs.

The job document keeps the seed's fields (`operation`, `<image>_idx`, `<image>_size`,
`<image>_crc` = MD5, `<image>_url`) and adds `<image>_sha256` and the list of `images`, so a
Zerynth VM image travels beside the bytecode instead of being dropped. Images go to S3 straight from
memory: nothing is written to temporary folders.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from iotforge.errors import BadInputError, IotforgeError, NotFoundError
from iotforge.workflows.firmware import Firmware, parse_bucket_location, parse_firmware
from iotforge.workflows.naming import JOB_ID_MAX, check_job_id, check_role_name
from iotforge.workflows.ota import OtaGateways
from iotforge.workflows.ota_checks import check_job_settings, check_presigned_seconds, check_targets
from iotforge.workflows.ota_models import JobSettings, JobSpec, RoleInfo, StoredObject
from iotforge.workflows.ota_roles import allows, trust_problems
from iotforge.workflows.signing import verify_signature

DEFAULT_DURATION = 3600  # the seed's default URL lifetime: one hour
_JOB_ID_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")


@dataclass(frozen=True)
class FotaRequest:
    firmware: bytes = field(repr=False)
    firmware_name: str
    bucket_location: str  # s3://bucket[/prefix] (the seed's) or a bare bucket name
    role: str  # the role AWS IoT uses to presign the URLs: a name or an ARN
    things: tuple[str, ...] = ()
    thing_groups: tuple[str, ...] = ()
    duration: int = DEFAULT_DURATION
    job_id: str | None = None  # default fota-<first target>-<unix time>, as the seed names it
    settings: JobSettings = field(default_factory=JobSettings)
    signature_b64: str | None = None  # optional, plain binaries only: checked, then sent along
    certificate_pem: bytes | None = field(default=None, repr=False)
    description: str | None = None


@dataclass(frozen=True)
class UploadedImage:
    name: str
    index: int | None
    stored: StoredObject
    url: str  # the presigned URL placeholder AWS IoT fills in per device
    md5: str


@dataclass(frozen=True)
class FotaResult:
    job_id: str
    job_arn: str
    targets: tuple[str, ...]
    role_arn: str
    images: tuple[UploadedImage, ...]
    document: dict[str, Any]
    warnings: tuple[str, ...] = ()


def start_fota(request: FotaRequest, gateways: OtaGateways, now: Callable[[], float] = time.time) -> FotaResult:
    """Upload the firmware's images under a per-job key and create the FOTA job for the targets."""
    bucket, prefix, firmware, job_id = _check_request(request, now)
    role_name = request.role.rsplit("/", 1)[-1] if request.role.startswith("arn:") else request.role
    check_role_name(role_name)
    signature_fields = _signature_fields(request, firmware)
    region = gateways.account.region()
    role = gateways.roles.get_role(role_name)  # GetRole: one call, whatever the number of roles
    if role is None:
        raise NotFoundError(
            f"Role {role_name} does not exist.",
            "Pass the name of the role AWS IoT assumes to presign the firmware URLs (it needs s3:GetObject).",
        )
    warnings = _role_warnings(role, bucket)
    targets = tuple(gateways.ota.thing_arn(name) for name in dict.fromkeys(request.things)) + tuple(
        gateways.ota.thing_group_arn(name) for name in dict.fromkeys(request.thing_groups)
    )
    uploaded = []
    for image in firmware.images:
        key = "/".join(part for part in (prefix, job_id, f"{image.name}.bin") if part)
        stored = gateways.storage.upload_object(bucket, key, image.data)
        url = f"${{aws:iot:s3-presigned-url-v2:https://s3.{region}.amazonaws.com/{bucket}/{quote(key)}}}"
        uploaded.append(UploadedImage(image.name, image.index, stored, url, image.md5))
    document = job_document(uploaded, signature_fields)
    spec = JobSpec(
        job_id=job_id,
        targets=targets,
        document=json.dumps(document),
        presigned_role_arn=role.arn,
        presigned_expires=request.duration,
        settings=request.settings,
        description=request.description,
    )
    job_arn = gateways.ota.create_job(spec)
    return FotaResult(job_id, job_arn, targets, role.arn, tuple(uploaded), document, tuple(warnings))


def _check_request(request: FotaRequest, now: Callable[[], float]) -> tuple[str, str, Firmware, str]:
    check_presigned_seconds(request.duration)
    bucket, prefix = parse_bucket_location(request.bucket_location)
    check_targets(request.things, request.thing_groups)
    check_job_settings(request.settings)
    firmware = parse_firmware(request.firmware, request.firmware_name)
    if request.job_id is not None:
        job_id = check_job_id(request.job_id)
    else:
        first = (request.things or request.thing_groups)[0]
        stamp = str(int(now()))
        stem = _JOB_ID_UNSAFE.sub("-", first)[: JOB_ID_MAX - len("fota--") - len(stamp)]
        job_id = f"fota-{stem}-{stamp}"
    return bucket, prefix, firmware, job_id


def _signature_fields(request: FotaRequest, firmware: Firmware) -> dict[str, str]:
    if request.signature_b64 is None and request.certificate_pem is None:
        return {}
    if request.signature_b64 is None or request.certificate_pem is None:
        raise BadInputError("A signature is checked against a certificate.", "Pass both --signature and --cert.")
    if firmware.kind != "binary":
        raise BadInputError(
            "A Zerynth firmware JSON holds several images; --signature applies to a plain binary image.",
            "Drop --signature and --cert, or pass the binary image.",
        )
    verified = verify_signature(
        firmware.images[0].data, request.signature_b64, request.certificate_pem, request.firmware_name
    )
    return {"fw_sig": verified.signature_b64, "fw_sig_alg": f"SHA256-{verified.algorithm}"}


def _role_warnings(role: RoleInfo, bucket: str) -> list[str]:
    problems = trust_problems(role)
    if any("does not trust" in problem for problem in problems):
        raise IotforgeError(
            f"Role {role.name} cannot presign the firmware URLs: " + "; ".join(problems) + ".",
            "Let iot.amazonaws.com assume the role (its trust policy), or pass another role.",
        )
    warnings = problems
    if not allows(role, "s3:GetObject", f"arn:aws:s3:::{bucket}/firmware"):
        warnings.append(
            f"role {role.name} shows no s3:GetObject on bucket {bucket} (a permissions boundary or a policy "
            "iotforge cannot read may still grant it); devices get URLs that S3 refuses otherwise"
        )
    return warnings


def job_document(images: list[UploadedImage], extra: dict[str, str] | None = None) -> dict[str, Any]:
    """The FOTA job document: the seed's fields per image, plus sha256 and the list of images."""
    document: dict[str, Any] = {"operation": "fota", "images": [image.name for image in images]}
    for image in images:
        if image.index is not None:
            document[f"{image.name}_idx"] = image.index
        document[f"{image.name}_size"] = image.stored.size
        document[f"{image.name}_crc"] = image.md5
        document[f"{image.name}_sha256"] = image.stored.sha256
        document[f"{image.name}_url"] = image.url
    document.update(extra or {})
    return document
