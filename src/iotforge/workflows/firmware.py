"""Firmware files for FOTA jobs, parsed without side effects: Zerynth's link JSON or a plain binary.

`ztc link -J` writes a JSON object with the bytecode image base64-encoded in `bcbin` and its
slot in `bc_idx`; when `has_vm` is true it also carries the virtual machine image in `vmbin`
with its slot in `vm_idx`. Anything that is not JSON is a plain binary image.

>>> import base64, json
>>> doc = {"bcbin": base64.b64encode(b"code").decode(), "bc_idx": 1, "has_vm": False}
>>> [(image.name, image.data, image.index) for image in parse_firmware(json.dumps(doc).encode()).images]
[('bc', b'code', 1)]
>>> parse_firmware(b"\\x7fELF...").images[0].name
'fw'
>>> parse_bucket_location("s3://fw-bucket/releases/")
('fw-bucket', 'releases')
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from iotforge.errors import BadInputError
from iotforge.workflows.naming import check_bucket_name

ZERYNTH_HINT = "Pass the JSON `ztc link -J` writes (bcbin, bc_idx, and vmbin, vm_idx when has_vm), or a binary image."


@dataclass(frozen=True)
class FirmwareImage:
    name: str  # "bc" and "vm" (Zerynth), "fw" (a plain binary)
    data: bytes = field(repr=False)
    index: int | None = None  # the flash slot Zerynth's link step chose

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def md5(self) -> str:
        """What the seed's devices check (their job document calls it `<name>_crc`)."""
        return hashlib.md5(self.data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Firmware:
    kind: Literal["zerynth", "binary"]
    images: tuple[FirmwareImage, ...]


def parse_firmware(data: bytes, origin: str = "the firmware file") -> Firmware:
    """Read a Zerynth link JSON or a plain binary; raise BadInputError naming what is wrong."""
    if not data:
        raise BadInputError(f"{origin} is empty.", ZERYNTH_HINT)
    text = _json_text(data)
    if text is None:
        return Firmware("binary", (FirmwareImage("fw", data),))
    try:
        document = json.loads(text)
    except ValueError as error:
        raise BadInputError(f"{origin} looks like JSON but is not valid JSON: {error}.", ZERYNTH_HINT) from error
    if not isinstance(document, dict) or "bcbin" not in document:
        raise BadInputError(f"{origin} is JSON but not a Zerynth firmware (no bcbin).", ZERYNTH_HINT)
    images = [_image(document, "bc", origin)]
    has_vm = document.get("has_vm")
    if has_vm or (has_vm is None and "vmbin" in document):
        images.append(_image(document, "vm", origin))
    return Firmware("zerynth", tuple(images))


def _json_text(data: bytes) -> str | None:
    """The text of `data` if it is meant as JSON (starts with `{` once decoded), else None."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return text if text.lstrip().startswith("{") else None


def _image(document: dict[str, Any], name: str, origin: str) -> FirmwareImage:
    encoded, index = document.get(f"{name}bin"), document.get(f"{name}_idx")
    if not isinstance(encoded, str):
        raise BadInputError(f"{origin} has no {name}bin string.", ZERYNTH_HINT)
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise BadInputError(f"{origin} has no valid {name}_idx (a slot number >= 0).", ZERYNTH_HINT)
    try:
        image = base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise BadInputError(f"{origin}: {name}bin is not valid base64 ({error}).", ZERYNTH_HINT) from error
    if not image:
        raise BadInputError(f"{origin}: {name}bin is empty.", ZERYNTH_HINT)
    return FirmwareImage(name, image, index)


def parse_bucket_location(location: str) -> tuple[str, str]:
    """(bucket, key prefix without slashes) from `s3://bucket[/prefix]` or a bare bucket name."""
    rest = location[len("s3://") :] if location.startswith("s3://") else location
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise BadInputError(f"{location!r} names no bucket.", "Write s3://BUCKET[/PREFIX] or just BUCKET.")
    check_bucket_name(bucket)
    return bucket, prefix.strip("/")
