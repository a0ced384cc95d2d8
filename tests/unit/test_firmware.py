"""The FOTA firmware parser: Zerynth link JSON (bytecode, VM image) and plain binaries, and bad input."""

from __future__ import annotations

import base64
import doctest
import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iotforge.errors import BadInputError, ExitCode
from iotforge.workflows import firmware
from iotforge.workflows.firmware import parse_bucket_location, parse_firmware

images = st.binary(min_size=1, max_size=512)
slots = st.integers(min_value=0, max_value=2**31)


def _zerynth(bc: bytes, bc_idx: int, vm: bytes | None = None, vm_idx: int = 0, **extra: object) -> bytes:
    document: dict[str, object] = {"bcbin": base64.b64encode(bc).decode(), "bc_idx": bc_idx, "has_vm": vm is not None}
    if vm is not None:
        document |= {"vmbin": base64.b64encode(vm).decode(), "vm_idx": vm_idx}
    return json.dumps(document | extra).encode()


def test_doctests() -> None:
    failures, tried = doctest.testmod(firmware)
    assert tried > 0
    assert failures == 0


@given(bc=images, bc_idx=slots)
def test_bytecode_only_json_round_trips(bc: bytes, bc_idx: int) -> None:
    parsed = parse_firmware(_zerynth(bc, bc_idx))
    assert parsed.kind == "zerynth"
    [image] = parsed.images
    assert (image.name, image.data, image.index, image.size) == ("bc", bc, bc_idx, len(bc))
    assert image.sha256 == hashlib.sha256(bc).hexdigest()
    assert image.md5 == hashlib.md5(bc, usedforsecurity=False).hexdigest()


@given(bc=images, bc_idx=slots, vm=images, vm_idx=slots)
def test_the_vm_image_is_kept_beside_the_bytecode(bc: bytes, bc_idx: int, vm: bytes, vm_idx: int) -> None:
    parsed = parse_firmware(_zerynth(bc, bc_idx, vm, vm_idx))
    assert [(i.name, i.data, i.index) for i in parsed.images] == [("bc", bc, bc_idx), ("vm", vm, vm_idx)]


@given(bc=images, vm=images)
def test_a_vm_image_without_has_vm_is_not_dropped(bc: bytes, vm: bytes) -> None:
    document = {
        "bcbin": base64.b64encode(bc).decode(),
        "bc_idx": 0,
        "vmbin": base64.b64encode(vm).decode(),
        "vm_idx": 1,
    }
    assert [image.name for image in parse_firmware(json.dumps(document).encode()).images] == ["bc", "vm"]


@given(bc=images)
def test_base64_wrapped_over_lines_is_accepted(bc: bytes) -> None:
    wrapped = "\n".join(base64.encodebytes(bc).decode().split())
    document = json.dumps({"bcbin": wrapped, "bc_idx": 0, "has_vm": False}).encode()
    assert parse_firmware(document).images[0].data == bc


@given(data=st.binary(min_size=1, max_size=512).filter(lambda raw: not raw.lstrip().startswith(b"{")))
def test_anything_that_is_not_json_is_a_plain_binary(data: bytes) -> None:
    parsed = parse_firmware(data)
    assert parsed.kind == "binary"
    assert [(image.name, image.data, image.index) for image in parsed.images] == [("fw", data, None)]


@given(data=st.binary(max_size=256))
def test_any_input_parses_or_is_bad_input_exit_2(data: bytes) -> None:
    outcome: Exception | None = None
    try:
        parsed = parse_firmware(data)
    except Exception as error:  # any other exception type is the failure this test hunts
        outcome = error
    if outcome is None:
        assert parsed.images
        assert all(image.data for image in parsed.images)
    else:
        assert isinstance(outcome, BadInputError)
        assert outcome.exit_code == ExitCode.BAD_INPUT
        assert outcome.hint


@given(bc=images, junk=st.sampled_from(["!", "*", "%", "é", "=A"]), at=st.integers(min_value=0, max_value=8))
def test_base64_that_does_not_decode_is_rejected(bc: bytes, junk: str, at: int) -> None:
    encoded = base64.b64encode(bc).decode()
    broken = encoded[:at] + junk + encoded[at:]
    document = json.dumps({"bcbin": broken, "bc_idx": 0, "has_vm": False}).encode()
    with pytest.raises(BadInputError, match="bcbin is not valid base64"):
        parse_firmware(document)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "is empty"),
        (b"{not json", "not valid JSON"),
        (b'{"firmware": "x"}', "not a Zerynth firmware"),
        (b'{"bcbin": 5, "bc_idx": 0}', "no bcbin string"),
        (b'{"bcbin": "", "bc_idx": 0}', "bcbin is empty"),
        (b'{"bcbin": "AAAA"}', "no valid bc_idx"),
        (b'{"bcbin": "AAAA", "bc_idx": -1}', "no valid bc_idx"),
        (b'{"bcbin": "AAAA", "bc_idx": true}', "no valid bc_idx"),
        (b'{"bcbin": "AAAA", "bc_idx": 0, "has_vm": true}', "no vmbin string"),
        (b'{"bcbin": "AAAA", "bc_idx": 0, "has_vm": true, "vmbin": "AAAA"}', "no valid vm_idx"),
    ],
)
def test_bad_firmware_files_are_named(data: bytes, words: str) -> None:
    with pytest.raises(BadInputError, match=words) as raised:
        parse_firmware(data, "fw.json")
    assert raised.value.exit_code == ExitCode.BAD_INPUT
    assert "fw.json" in raised.value.message


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("s3://fw1", ("fw1", "")),
        ("s3://fw1/", ("fw1", "")),
        ("s3://fw1/a/b/", ("fw1", "a/b")),
        ("fw-bucket", ("fw-bucket", "")),
        ("fw-bucket/releases", ("fw-bucket", "releases")),
    ],
)
def test_bucket_locations(location: str, expected: tuple[str, str]) -> None:
    assert parse_bucket_location(location) == expected


@pytest.mark.parametrize("location", ["s3://", "s3:///key", "s3://Capital/x", "https://fw"])
def test_bad_bucket_locations(location: str) -> None:
    with pytest.raises(BadInputError):
        parse_bucket_location(location)
