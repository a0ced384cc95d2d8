"""Read the firmware a job document asks for, in the shapes iotforge and its seeds create.

* FreeRTOS OTA (CreateOTAUpdate, Arm's seed): ``{"afr_ota": {"files": [{"filepath", "filesize",
  "update_data_url", "sig-sha256-ecdsa" | "sig-sha256-rsa", ...}]}}``.
* Zerynth FOTA (`iotforge ota fota`, the seed's `iot-fota-start`): ``{"operation": "fota",
  "images": ["bc", "vm"], "bc_url", "bc_size", "bc_crc" (MD5), "bc_sha256", ...}``; a plain
  binary image is named ``fw`` and may carry ``fw_sig``.
* A single image: ``{"url" | "firmware_url", "size", "sha256", "md5", "signature"}``.
Any other document is a plain job: the device has nothing to download and reports success.

>>> plan_job({"afr_ota": {"files": [{"filepath": "/app.bin", "filesize": 3,
...     "update_data_url": "http://127.0.0.1/x", "sig-sha256-ecdsa": "MEUC"}]}}).files[0].signature
'MEUC'
>>> plan = plan_job({"operation": "fota", "bc_url": "http://h/bc", "bc_size": 4, "bc_crc": "ab"})
>>> (plan.kind, plan.files[0].name, plan.files[0].md5)
('fota', 'bc', 'ab')
>>> plan_job({"operation": "reboot"}).kind
'plain'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

AFR_OTA, FOTA, FIRMWARE, PLAIN = "afr_ota", "fota", "firmware", "plain"


class DocumentError(ValueError):
    """The document asks for firmware but not in a shape a device can follow."""


@dataclass(frozen=True)
class FirmwareFile:
    name: str
    url: str | None  # None: the job offers no HTTP download (MQTT streaming only)
    size: int | None = None
    sha256: str | None = None
    md5: str | None = None
    signature: str | None = None  # base64; None or empty: unsigned

    @property
    def signed(self) -> bool:
        return bool(self.signature)


@dataclass(frozen=True)
class JobPlan:
    kind: str
    files: tuple[FirmwareFile, ...] = ()


def plan_job(document: Mapping[str, Any] | None) -> JobPlan:
    """What the device must download and check for this job document."""
    if not document:
        return JobPlan(PLAIN)
    if "afr_ota" in document:
        return JobPlan(AFR_OTA, _afr_ota_files(document["afr_ota"]))
    fota_images = _fota_image_names(document)
    if fota_images:
        return JobPlan(FOTA, tuple(_fota_file(document, name) for name in fota_images))
    url = document.get("url", document.get("firmware_url"))
    if url is not None:
        return JobPlan(FIRMWARE, (_single_file(document, url),))
    return JobPlan(PLAIN)


def _afr_ota_files(afr_ota: Any) -> tuple[FirmwareFile, ...]:
    if not isinstance(afr_ota, Mapping) or not isinstance(afr_ota.get("files"), list) or not afr_ota["files"]:
        raise DocumentError("afr_ota has no files list")
    files = []
    for index, entry in enumerate(afr_ota["files"]):
        if not isinstance(entry, Mapping):
            raise DocumentError(f"afr_ota file {index} is not an object")
        signatures = [str(value) for key, value in entry.items() if str(key).startswith("sig-") and value]
        files.append(
            FirmwareFile(
                name=str(entry.get("filepath") or f"file {index}"),
                url=_url(entry.get("update_data_url"), f"afr_ota file {index}"),
                size=_size(entry.get("filesize"), "filesize"),
                signature=signatures[0] if signatures else None,
            )
        )
    return tuple(files)


def _fota_image_names(document: Mapping[str, Any]) -> tuple[str, ...]:
    listed = document.get("images")
    if isinstance(listed, list) and listed:
        return tuple(str(name) for name in listed)
    if document.get("operation") != "fota":
        return ()
    return tuple(str(key)[: -len("_url")] for key in document if str(key).endswith("_url"))


def _fota_file(document: Mapping[str, Any], name: str) -> FirmwareFile:
    url = document.get(f"{name}_url")
    if url is None:
        raise DocumentError(f"FOTA image {name} has no {name}_url")
    return FirmwareFile(
        name=name,
        url=_url(url, f"FOTA image {name}"),
        size=_size(document.get(f"{name}_size"), f"{name}_size"),
        sha256=_text(document.get(f"{name}_sha256")),
        md5=_text(document.get(f"{name}_crc", document.get(f"{name}_md5"))),
        signature=_text(document.get(f"{name}_sig")),
    )


def _single_file(document: Mapping[str, Any], url: Any) -> FirmwareFile:
    return FirmwareFile(
        name=str(document.get("name") or document.get("filename") or "firmware"),
        url=_url(url, "the firmware"),
        size=_size(document.get("size", document.get("firmware_size")), "size"),
        sha256=_text(document.get("sha256")),
        md5=_text(document.get("md5")),
        signature=_text(document.get("signature", document.get("sig"))),
    )


def _url(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise DocumentError(f"{what} has no http(s) download URL: {str(value)[:80]!r}")
    return value


def _size(value: Any, what: str) -> int | None:
    if value is None:
        return None
    try:
        size = int(value)
    except (TypeError, ValueError) as error:
        raise DocumentError(f"{what} is not a number: {value!r}") from error
    if size < 0:
        raise DocumentError(f"{what} is negative: {size}")
    return size


def _text(value: Any) -> str | None:
    return None if value is None else str(value).strip()
