"""A stand-in for Arm's iot-reference-arm-corstone3xx checkout, and what the emulator still holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iotforge.crypto import format_signature_file, generate_code_signing_identity, sign_firmware
from tests.support.fleet import all_pages

OTA_BINARY = "keyword-detection-update_signed.bin"
BOUNDARY = "arn:aws:iam::123456789012:policy/ProjBoundary"
# The header as the reference repository ships it, with CRLF endings and comments to keep.
HEADER = (
    "/* aws_clientcredential.h: keep this comment */\r\n"
    "#ifndef __AWS_CLIENTCREDENTIAL__H__\r\n"
    "#define __AWS_CLIENTCREDENTIAL__H__\r\n"
    "\r\n"
    '#define clientcredentialMQTT_BROKER_ENDPOINT    "dummy.endpointid.amazonaws.com"  /* ATS */\r\n'
    "\r\n"
    '#define clientcredentialIOT_THING_NAME               "dummy_thingname"\r\n'
    "#define clientcredentialMQTT_BROKER_PORT             8883\r\n"
    "#endif\r\n"
)


def application_header(root: Path, application: str = "keyword-detection", text: str = HEADER) -> Path:
    """Write applications/<app>/configs/aws_configs/aws_clientcredential.h as the SDK ships it."""
    folder = root / "applications" / application.replace("-", "_") / "configs" / "aws_configs"
    folder.mkdir(parents=True, exist_ok=True)
    header = folder / "aws_clientcredential.h"
    header.write_bytes(text.encode())
    return header


def expected_header(endpoint: str, thing: str, text: str = HEADER) -> bytes:
    return text.replace("dummy.endpointid.amazonaws.com", endpoint).replace('"dummy_thingname"', f'"{thing}"').encode()


def signed_update(root: Path, build_dir: str = "build", image: bytes = b"\x7fELF update " * 300) -> Path:
    """The signed binary at the root and build/update-signature.txt, as the seed's build leaves them."""
    identity = generate_code_signing_identity("rsa-3072", "ota-signer")
    (root / OTA_BINARY).write_bytes(image)
    (root / build_dir).mkdir(exist_ok=True)
    (root / build_dir / "update-signature.txt").write_text(
        format_signature_file(sign_firmware(image, identity.private_key_pem))
    )
    certificate = root / "ota-signer.crt"
    certificate.write_bytes(identity.certificate_pem)
    return certificate


def remaining(clients: dict[str, Any]) -> dict[str, list[str]]:
    """Every resource the resource commands make, by kind, as the emulator lists them."""
    iot, iam, s3 = clients["iot"], clients["iam"], clients["s3"]
    return {
        "things": [t["thingName"] for t in all_pages(iot, "list_things", "things")],
        "policies": [p["policyName"] for p in all_pages(iot, "list_policies", "policies")],
        "certificates": [c["certificateId"] for c in all_pages(iot, "list_certificates", "certificates")],
        "ota_updates": [u["otaUpdateId"] for u in all_pages(iot, "list_ota_updates", "otaUpdates")],
        "jobs": [j["jobId"] for j in all_pages(iot, "list_jobs", "jobs")],
        "streams": [s["streamId"] for s in iot.list_streams().get("streams", [])],
        "roles": [r["RoleName"] for r in all_pages(iam, "list_roles", "Roles")],
        "buckets": [b["Name"] for b in s3.list_buckets().get("Buckets", [])],
    }
