"""What an OTA update becomes: its files checked against IAM and S3, and the FreeRTOS OTA job document.

The job document follows the format the FreeRTOS OTA agent parses:
{"afr_ota": {"protocols": [...], "streamname": ..., "files": [{"filepath", "filesize", "fileid",
"certfile", "update_data_url", "auth_scheme", "sig-<hash>-<algorithm>"}]}}.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from iotforge.emulator.features.fleet import S3Url, role_problem, s3_https_url, s3_object
from iotforge.emulator.features.streams import StreamStore

HTTP_AUTH_SCHEME = "aws.s3.presigned"
DEFAULT_PRESIGNED_EXPIRES_IN_SEC = 1800  # AWS's default for awsJobPresignedUrlConfig


class OtaFailure(Exception):
    """Why an OTA update ends CREATE_FAILED (or cannot be deleted): its errorInfo."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PlannedFile:
    entry: dict[str, Any]  # the request's OTAUpdateFile
    size: int
    file_id: int
    s3: S3Url | None  # set when the file comes from S3 (and goes into the update's own stream)
    stream_id: str | None  # set when the file comes from an existing stream


def check_role(account_id: str, role_arn: str) -> None:
    problem = role_problem(account_id, role_arn)
    if problem is not None:
        raise OtaFailure("AccessDeniedException", problem)


def plan_files(account_id: str, region: str, streams: StreamStore, files: list[dict[str, Any]]) -> list[PlannedFile]:
    planned = []
    for index, entry in enumerate(files):
        check_code_signing(entry)
        location = entry.get("fileLocation") or {}
        if location.get("s3Location"):
            s3 = location["s3Location"]
            url = S3Url(s3.get("bucket", ""), s3.get("key", ""), s3.get("version"))
            planned.append(PlannedFile(entry, _object_size(account_id, region, url), index, url, None))
        elif location.get("stream"):
            stream_id = location["stream"].get("streamId", "")
            file_id = int(location["stream"].get("fileId") or 0)
            planned.append(
                PlannedFile(
                    entry, _stream_file_size(account_id, region, streams, stream_id, file_id), file_id, None, stream_id
                )
            )
        else:
            raise OtaFailure("InvalidRequestException", f"File {entry.get('fileName', index)} has no fileLocation")
    return planned


def _object_size(account_id: str, region: str, url: S3Url) -> int:
    found = s3_object(account_id, region, url.bucket, url.key, url.version)
    if found is None:
        version = f" (version {url.version})" if url.version else ""
        raise OtaFailure(
            "ResourceNotFoundException", f"The S3 object s3://{url.bucket}/{url.key}{version} does not exist"
        )
    return int(found.size)


def _stream_file_size(account_id: str, region: str, streams: StreamStore, stream_id: str, file_id: int) -> int:
    stream = streams.streams.get(stream_id)
    if stream is None:
        raise OtaFailure("ResourceNotFoundException", f"Stream {stream_id} does not exist")
    for entry in stream.files:
        if int(entry.get("fileId") or 0) == file_id:
            s3 = entry.get("s3Location") or {}
            return _object_size(account_id, region, S3Url(s3.get("bucket", ""), s3.get("key", ""), s3.get("version")))
    raise OtaFailure("ResourceNotFoundException", f"Stream {stream_id} has no file {file_id}")


def check_code_signing(entry: dict[str, Any]) -> None:
    signing = entry.get("codeSigning") or {}
    if signing.get("awsSignerJobId") or signing.get("startSigningJobParameter"):
        return
    custom = signing.get("customCodeSigning")
    name = entry.get("fileName", "")
    if not custom:
        raise OtaFailure(
            "InvalidRequestException",
            f"File {name} has no code signing: give awsSignerJobId, startSigningJobParameter or customCodeSigning",
        )
    missing = [
        field
        for field, present in (
            ("signature.inlineDocument", (custom.get("signature") or {}).get("inlineDocument")),
            ("certificateChain.certificateName", (custom.get("certificateChain") or {}).get("certificateName")),
            ("hashAlgorithm", custom.get("hashAlgorithm")),
            ("signatureAlgorithm", custom.get("signatureAlgorithm")),
        )
        if not present
    ]
    if missing:
        raise OtaFailure("InvalidRequestException", f"customCodeSigning of file {name} lacks {', '.join(missing)}")


def _signature(entry: dict[str, Any]) -> tuple[str, str, str]:
    """(job document key, signature, certificate file on the device) for one file."""
    signing = entry.get("codeSigning") or {}
    custom = signing.get("customCodeSigning")
    if custom:
        key = f"sig-{custom['hashAlgorithm'].lower()}-{custom['signatureAlgorithm'].lower()}"
        return (
            key,
            _document_signature(str(custom["signature"]["inlineDocument"])),
            str(custom["certificateChain"]["certificateName"]),
        )
    profile = (signing.get("startSigningJobParameter") or {}).get("signingProfileParameter") or {}
    # AWS Signer's signature is not emulated: the document names where it would go.
    return "sig-sha256-ecdsa", "", str(profile.get("certificatePathOnDevice", ""))


def _document_signature(wire: str) -> str:
    """The signature as the job document carries it (base64 of the raw signature).

    `inlineDocument` is a blob, base64 on the wire. Clients following Arm's createIoTThings.py
    (and the AWS CLI with raw-in-base64-out) put the signature's base64 *text* in the blob, and
    AWS copies that text into the document; a blob holding raw signature bytes is shown as its
    base64, which is the wire form.
    """
    try:
        blob = base64.b64decode(wire, validate=True)
        text = blob.decode("ascii")
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return wire
    return text if text else wire


def job_document(region: str, protocols: list[str], stream_name: str | None, files: list[PlannedFile]) -> str:
    entries = []
    for planned in files:
        signature_key, signature, certfile = _signature(planned.entry)
        url = None
        if "HTTP" in protocols and planned.s3 is not None:
            url = (
                "${aws:iot:s3-presigned-url:"
                + s3_https_url(region, planned.s3.bucket, planned.s3.key, planned.s3.version)
                + "}"
            )
        entry: dict[str, Any] = {
            "filepath": planned.entry.get("fileName"),
            "filesize": planned.size,
            "fileid": planned.file_id,
            "certfile": certfile,
        }
        if planned.entry.get("fileType") is not None:
            entry["fileType"] = planned.entry["fileType"]
        entry.update(
            {"update_data_url": url, "auth_scheme": HTTP_AUTH_SCHEME if url else None, signature_key: signature}
        )
        entries.append(entry)
    afr_ota: dict[str, Any] = {"protocols": protocols}
    if "MQTT" in protocols and stream_name:
        afr_ota["streamname"] = stream_name
    afr_ota["files"] = entries
    return json.dumps({"afr_ota": afr_ota})


def job_request(update: dict[str, Any], document: str) -> dict[str, Any]:
    """The CreateJob request an OTA update makes for its AFR_OTA-<id> job."""
    request: dict[str, Any] = {
        "targets": update["targets"],
        "targetSelection": update.get("targetSelection") or "SNAPSHOT",
        "document": document,
        "presignedUrlConfig": {
            "roleArn": update["roleArn"],
            "expiresInSec": (update.get("awsJobPresignedUrlConfig") or {}).get("expiresInSec")
            or DEFAULT_PRESIGNED_EXPIRES_IN_SEC,
        },
    }
    if update.get("awsJobExecutionsRolloutConfig"):
        request["jobExecutionsRolloutConfig"] = update["awsJobExecutionsRolloutConfig"]
    if (update.get("awsJobAbortConfig") or {}).get("abortCriteriaList"):
        request["abortConfig"] = {"criteriaList": update["awsJobAbortConfig"]["abortCriteriaList"]}
    if update.get("awsJobTimeoutConfig"):
        request["timeoutConfig"] = update["awsJobTimeoutConfig"]
    return request
