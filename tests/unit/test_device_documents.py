"""Job documents the simulated devices read, and the checks they make on a downloaded image."""

from __future__ import annotations

import doctest
import hashlib
import re
from types import ModuleType

import pytest

from iotforge.crypto import generate_code_signing_identity, sign_firmware
from iotforge.device import document, firmware, fleet, mqtt_topics, project
from iotforge.device.document import DocumentError, FirmwareFile, plan_job
from iotforge.device.firmware import DownloadFailed, check_image, download_image

IMAGE = b"\x7fELF firmware" * 100


@pytest.fixture(scope="module")
def ecdsa() -> tuple[bytes, bytes]:
    identity = generate_code_signing_identity("ecdsa-p256", "signer")
    return identity.private_key_pem, identity.certificate_pem


def test_afr_ota_files_carry_url_size_and_the_signature_of_either_algorithm() -> None:
    document = {
        "afr_ota": {
            "protocols": ["MQTT", "HTTP"],
            "streamname": "AFR_OTA-x",
            "files": [
                {"filepath": "/a.bin", "filesize": 10, "update_data_url": "https://h/a", "sig-sha256-ecdsa": "AA=="},
                {"filepath": "/b.bin", "filesize": 5, "update_data_url": "https://h/b", "sig-sha256-rsa": "BB=="},
                {"filepath": "/c.bin", "filesize": 1, "update_data_url": None, "sig-sha256-ecdsa": ""},
            ],
        }
    }
    plan = plan_job(document)
    assert plan.kind == "afr_ota"
    assert [(f.name, f.url, f.size, f.signature) for f in plan.files] == [
        ("/a.bin", "https://h/a", 10, "AA=="),
        ("/b.bin", "https://h/b", 5, "BB=="),
        ("/c.bin", None, 1, None),
    ]
    assert not plan.files[2].signed


def test_fota_documents_list_each_image_with_md5_sha256_and_signature() -> None:
    document = {
        "operation": "fota",
        "images": ["bc", "vm"],
        "bc_idx": 1,
        "bc_size": 4,
        "bc_crc": "md5-bc",
        "bc_sha256": "sha-bc",
        "bc_url": "http://127.0.0.1/bc",
        "vm_size": 8,
        "vm_crc": "md5-vm",
        "vm_url": "http://127.0.0.1/vm",
    }
    plan = plan_job(document)
    assert plan.kind == "fota"
    assert [(f.name, f.size, f.md5, f.sha256) for f in plan.files] == [
        ("bc", 4, "md5-bc", "sha-bc"),
        ("vm", 8, "md5-vm", None),
    ]
    seed_shape = {"operation": "fota", "bc_url": "https://s3/x", "bc_size": 3, "bc_crc": "abc"}
    assert [f.name for f in plan_job(seed_shape).files] == ["bc"]
    signed = plan_job({"images": ["fw"], "fw_url": "https://h/fw", "fw_sig": "SIG"})
    assert signed.files[0].signature == "SIG"


def test_single_image_documents_and_plain_jobs() -> None:
    plan = plan_job({"firmware_url": "https://h/f", "size": "12", "sha256": "AB", "signature": "S"})
    assert (plan.kind, plan.files[0].size, plan.files[0].sha256, plan.files[0].signature) == ("firmware", 12, "AB", "S")
    assert plan_job({"operation": "reboot"}).kind == "plain"
    assert plan_job(None).files == ()


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"afr_ota": {"files": []}}, "no files"),
        ({"afr_ota": {"files": [{"update_data_url": "ftp://x"}]}}, "http(s)"),
        ({"url": "https://h/x", "size": "big"}, "not a number"),
        ({"operation": "fota", "images": ["bc"]}, "no bc_url"),
    ],
)
def test_unusable_firmware_documents_say_why(document: dict[str, object], problem: str) -> None:
    with pytest.raises(DocumentError, match=re.escape(problem)):
        plan_job(document)


def test_check_image_accepts_a_good_image_and_names_each_refusal(ecdsa: tuple[bytes, bytes]) -> None:
    key, certificate = ecdsa
    signature = sign_firmware(IMAGE, key).signature_b64
    digest = hashlib.sha256(IMAGE).hexdigest()
    good = FirmwareFile("fw", None, size=len(IMAGE), sha256=digest, signature=signature)
    assert check_image(good, IMAGE, certificate, reject_unsigned=True) is None

    other_key = generate_code_signing_identity("ecdsa-p256", "intruder").private_key_pem
    forged = FirmwareFile("fw", None, size=len(IMAGE), signature=sign_firmware(IMAGE, other_key).signature_b64)
    assert str(check_image(forged, IMAGE, certificate, False)).startswith("signature mismatch: ")

    wrong_hash = FirmwareFile("fw", None, size=len(IMAGE), sha256="0" * 64, signature=signature)
    assert str(check_image(wrong_hash, IMAGE, certificate, False)).startswith("hash mismatch: sha256")
    wrong_md5 = FirmwareFile("fw", None, md5="0" * 32)
    assert str(check_image(wrong_md5, IMAGE, None, False)).startswith("hash mismatch: md5")
    assert (
        check_image(
            FirmwareFile("fw", None, md5=hashlib.md5(IMAGE, usedforsecurity=False).hexdigest()), IMAGE, None, False
        )
        is None
    )

    unsigned = FirmwareFile("fw", None, size=len(IMAGE))
    assert check_image(unsigned, IMAGE, certificate, reject_unsigned=False) is None
    assert "rejects unsigned images" in str(check_image(unsigned, IMAGE, certificate, reject_unsigned=True))
    # Without a certificate the simulator cannot check signatures: it accepts them unchecked.
    assert check_image(forged, IMAGE, None, False) is None


def test_rsa_signatures_verify_against_an_rsa_certificate_only() -> None:
    rsa = generate_code_signing_identity("rsa-3072", "rsa signer")
    signature = sign_firmware(IMAGE, rsa.private_key_pem).signature_b64
    assert check_image(FirmwareFile("fw", None, signature=signature), IMAGE, rsa.certificate_pem, False) is None
    ecdsa_certificate = generate_code_signing_identity("ecdsa-p256", "ec").certificate_pem
    reason = check_image(FirmwareFile("fw", None, signature=signature), IMAGE, ecdsa_certificate, False)
    assert "RSA-3072 signature" in str(reason)


def test_download_refuses_other_schemes_and_names_an_unreachable_host() -> None:
    with pytest.raises(DownloadFailed, match="scheme"):
        download_image("file:///etc/passwd", 10, 1.0)
    with pytest.raises(DownloadFailed, match=re.escape("cannot reach 127.0.0.1")):
        download_image("http://127.0.0.1:9/firmware.bin", 10, 2.0)


@pytest.mark.parametrize("module", [document, firmware, fleet, mqtt_topics, project], ids=lambda m: m.__name__)
def test_device_doctests(module: ModuleType) -> None:
    failures, tried = doctest.testmod(module)
    assert tried > 0
    assert failures == 0
