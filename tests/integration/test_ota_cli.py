"""`iotforge ota` end to end against the emulator: signing, create, status, device outcomes, delete."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from iotforge.crypto import format_signature_file, generate_code_signing_identity, sign_firmware
from tests.conftest import CliRunner
from tests.integration.emulator.jobs_support import fetch, make_group, make_role
from tests.support.emulator import EmulatorHandle

FIRMWARE = b"\x7fELF signed firmware " * 200


def _closed_port_env(env: dict[str, str]) -> dict[str, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return {**env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "x", "AWS_REGION": "us-east-1"}


def _json(done: Any) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("algorithm", ["ecdsa-p256", "rsa-3072"])
def test_keygen_sign_verify_round_trip_and_a_tampered_image(
    run_cli: CliRunner, bare_env: dict[str, str], tmp_path: Path, algorithm: str
) -> None:
    env = _closed_port_env(bare_env)  # signing never calls AWS
    keys = tmp_path / "keys"
    made = _json(run_cli("ota", "keygen", "--out", str(keys), "--algorithm", algorithm, "--output", "json", env=env))
    assert made["algorithm"] == algorithm
    assert (Path(made["key"]).stat().st_mode & 0o777) == 0o600
    image = tmp_path / "app.bin"
    image.write_bytes(FIRMWARE)
    signed = _json(run_cli("ota", "sign", str(image), "--key", made["key"], "--output", "json", env=env))
    signature = tmp_path / "update-signature.txt"
    assert signed["signature_file"] == str(signature)
    assert signature.read_text() == signed["signature"]  # one line of base64, no newline
    verified = run_cli(
        "ota", "verify", str(image), "--signature", str(signature), "--cert", made["certificate"], "--output", "json",
        env=env,
    )  # fmt: skip
    assert _json(verified) == {
        "ok": True,
        "firmware": str(image),
        "algorithm": "ECDSA" if algorithm == "ecdsa-p256" else "RSA",
    }

    image.write_bytes(FIRMWARE + b"\x00")
    tampered = run_cli(
        "ota", "verify", str(image), "--signature", str(signature), "--cert", made["certificate"], env=env
    )
    assert tampered.returncode == 2
    assert "does not match image sha256" in tampered.stderr


def test_a_key_and_certificate_that_do_not_belong_together_exit_2(
    run_cli: CliRunner, bare_env: dict[str, str], tmp_path: Path
) -> None:
    env = _closed_port_env(bare_env)
    image = tmp_path / "app.bin"
    image.write_bytes(FIRMWARE)
    other = generate_code_signing_identity("ecdsa-p256", "someone else")
    (tmp_path / "other.crt").write_bytes(other.certificate_pem)
    mine = generate_code_signing_identity("ecdsa-p256", "me")
    (tmp_path / "update-signature.txt").write_text(format_signature_file(sign_firmware(FIRMWARE, mine.private_key_pem)))
    done = run_cli(
        "ota", "create", str(image), "--update-id", "v1", "--bucket", "fw-images", "--role", "ota",
        "--thing", "dev-1", "--cert", str(tmp_path / "other.crt"), env=env,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr  # refused before any upload (the endpoint is a closed port)
    assert "signature does not verify" in done.stderr


@pytest.fixture
def signed_image(tmp_path: Path) -> dict[str, Path]:
    identity = generate_code_signing_identity("ecdsa-p256", "ota test signer")
    image = tmp_path / "app.bin"
    image.write_bytes(FIRMWARE)
    (tmp_path / "update-signature.txt").write_text(
        format_signature_file(sign_firmware(FIRMWARE, identity.private_key_pem))
    )
    (tmp_path / "signer.crt").write_bytes(identity.certificate_pem)
    return {"image": image, "cert": tmp_path / "signer.crt", "signature": tmp_path / "update-signature.txt"}


def _create(run_cli: CliRunner, signed_image: dict[str, Path], update_id: str, *extra: str) -> Any:
    return run_cli(
        "ota", "create", str(signed_image["image"]), "--update-id", update_id, "--bucket", "fw-images",
        "--create-bucket", "--role", "ota-role", "--create-role", "--cert", str(signed_image["cert"]),
        "--output", "json", *extra,
    )  # fmt: skip


def test_create_then_devices_succeed_and_status_shows_it(
    run_cli: CliRunner, emulator: EmulatorHandle, signed_image: dict[str, Path]
) -> None:
    iot, device = emulator.client("iot"), emulator.client("iot-jobs-data")
    make_group(iot, "sensors", ["dev-1", "dev-2"])
    created = _json(
        _create(run_cli, signed_image, "app-1", "--thing-group", "sensors", "--protocol", "MQTT", "--protocol", "HTTP")
    )
    assert (created["status"], created["job_id"], created["role_created"]) == ("CREATE_COMPLETE", "AFR_OTA-app-1", True)
    assert created["version_id"]
    assert _json(run_cli("ota", "status", "app-1", "--output", "json"))["counts"]["QUEUED"] == 2

    for thing in ("dev-1", "dev-2"):
        execution = device.start_next_pending_job_execution(thingName=thing)["execution"]
        [file] = json.loads(execution["jobDocument"])["afr_ota"]["files"]
        assert file["sig-sha256-ecdsa"] == signed_image["signature"].read_text()
        assert file["certfile"] == "/cert.pem"
        assert fetch(file["update_data_url"]) == (200, FIRMWARE)
        device.update_job_execution(jobId=execution["jobId"], thingName=thing, status="SUCCEEDED")

    done = run_cli("ota", "status", "app-1", "--watch", "--timeout", "20", "--interval", "0.2", "--output", "json")
    final = _json(done)
    assert (final["status"], final["done"], final["finished"]) == ("COMPLETED", True, True)
    assert final["counts"]["SUCCEEDED"] == 2
    assert final["update"]["update_id"] == "app-1"
    listed = _json(run_cli("ota", "list", "--output", "json"))
    assert [update["update_id"] for update in listed["updates"]] == ["app-1"]


def test_abort_criteria_cancel_the_job_when_devices_fail(
    run_cli: CliRunner, emulator: EmulatorHandle, signed_image: dict[str, Path]
) -> None:
    iot, device = emulator.client("iot"), emulator.client("iot-jobs-data")
    make_group(iot, "fleet", ["a-1", "a-2", "a-3", "a-4"])
    extra = ("--thing-group", "fleet", "--abort-failure-percent", "50", "--abort-min-executed", "2")
    assert _json(_create(run_cli, signed_image, "risky", *extra))["status"] == "CREATE_COMPLETE"
    for thing in ("a-1", "a-2"):
        job_id = device.start_next_pending_job_execution(thingName=thing)["execution"]["jobId"]
        device.update_job_execution(jobId=job_id, thingName=thing, status="FAILED")
    status = _json(run_cli("ota", "status", "risky", "--things", "--output", "json"))
    assert (status["status"], status["reason_code"]) == ("CANCELED", "ABORT_CRITERIA_MET")
    assert status["counts"]["FAILED"] == 2
    assert status["counts"]["CANCELED"] == 2
    assert {e["thing_name"]: e["status"] for e in status["executions"]}["a-3"] == "CANCELED"


def test_create_failed_shows_aws_reason_and_an_untrusting_role_is_refused_first(
    run_cli: CliRunner, emulator: EmulatorHandle, signed_image: dict[str, Path]
) -> None:
    emulator.client("iot").create_thing(thingName="dev-1")
    ec2_only = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    make_role(emulator.client("iam"), "ota-role", {"Version": "2012-10-17", **ec2_only})
    refused = _create(run_cli, signed_image, "bad", "--thing", "dev-1")
    assert refused.returncode == 1
    assert "does not trust iot.amazonaws.com" in refused.stderr
    assert emulator.client("iot").list_ota_updates()["otaUpdates"] == []

    failed = _create(run_cli, signed_image, "bad", "--thing", "dev-1", "--no-role-check")
    assert failed.returncode == 1
    error = json.loads(failed.stdout)["error"]
    assert error["code"] == "AccessDeniedException"
    assert error["message"].startswith("OTA update bad failed: AccessDeniedException")
    assert "iot.amazonaws.com" in error["message"]
    assert "iotforge ota delete bad" in error["hint"]


def test_delete_removes_job_stream_and_update_but_keeps_the_role(
    run_cli: CliRunner, emulator: EmulatorHandle, signed_image: dict[str, Path]
) -> None:
    iot, iam = emulator.client("iot"), emulator.client("iam")
    iot.create_thing(thingName="dev-1")
    assert _json(_create(run_cli, signed_image, "gone", "--thing", "dev-1"))["status"] == "CREATE_COMPLETE"
    assert len(iot.list_streams()["streams"]) == 1

    running = run_cli("ota", "delete", "gone")
    assert running.returncode == 8
    assert "--force" in running.stderr
    cancelled = _json(run_cli("ota", "cancel", "gone", "--output", "json"))
    assert (cancelled["job_id"], cancelled["status_after"]) == ("AFR_OTA-gone", "CANCELED")

    deleted = _json(run_cli("ota", "delete", "gone", "--output", "json"))
    assert (deleted["update_deleted"], deleted["job_deleted"], deleted["stream_deleted"]) == (True, True, True)
    assert iot.list_ota_updates()["otaUpdates"] == []
    assert iot.list_jobs()["jobs"] == []
    assert iot.list_streams()["streams"] == []
    assert iam.get_role(RoleName="ota-role")["Role"]["RoleName"] == "ota-role"
