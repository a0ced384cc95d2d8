"""`iotforge device simulate` against the emulator over HTTP: OTA jobs succeed, refusals say why, aborts stop.

Jobs are made here with boto3 (CreateOTAUpdate, or CreateJob with a presigned-URL placeholder), so
these tests depend on the emulator and the device simulator only.
"""

from __future__ import annotations

import hashlib
import json
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from iotforge import api
from iotforge.crypto import CodeSigningIdentity, generate_code_signing_identity, sign_firmware
from iotforge.device import (
    CODE_SIGNING_CERTIFICATE,
    FleetReport,
    SimulationOptions,
    devices_from_project,
    simulate_fleet,
)
from iotforge.local.project import LocalProject
from iotforge.settings import Settings
from iotforge.wiring import Wiring
from tests.conftest import CliRunner
from tests.integration.emulator.jobs_support import make_role, put_firmware, set_seconds_per_minute, thing_arn, wait_for
from tests.support.crash import start_iotforge
from tests.support.emulator import EmulatorHandle

FIRMWARE = b"\x7fELF simulated firmware " * 200
BUCKET = "fw-images"
PLACEHOLDER = "${aws:iot:s3-presigned-url-v2:https://s3.us-east-1.amazonaws.com/" + BUCKET + "/app.bin}"


@pytest.fixture(scope="module")
def signer() -> CodeSigningIdentity:
    return generate_code_signing_identity("ecdsa-p256", "fleet signer")


def _provision(run_cli: CliRunner, tmp_path: Path, count: int, signer: CodeSigningIdentity) -> tuple[Path, list[str]]:
    """A project with `count` things, and its code-signing certificate where `ota keygen` puts it."""
    made = run_cli("thing-project-from-template", "fleet", str(tmp_path), "--aws-policy-name", "fleet_policy")
    assert made.returncode == 0, made.stderr
    root = tmp_path / "fleet"
    added = run_cli("add-things", str(root), "--things-base-name", "dev", "--things-number", str(count))
    assert added.returncode == 0, added.stderr
    certificate = root / CODE_SIGNING_CERTIFICATE
    certificate.parent.mkdir(parents=True, exist_ok=True)
    certificate.write_bytes(signer.certificate_pem)
    return root, [device.thing_name for device in devices_from_project(LocalProject(root))]


def _simulate(emulator: EmulatorHandle, root: Path, certificate: bytes, **options: Any) -> FleetReport:
    env = emulator.env
    settings = Settings(endpoint_url=emulator.url, region="us-east-1", max_attempts=3)
    wiring = Wiring(settings, (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]))
    chosen = SimulationOptions(code_signing_certificate=certificate, poll_interval=0.05, **options)
    return simulate_fleet(devices_from_project(wiring.project(root)), wiring.jobs_transports(), chosen)


def _one_reboot_job(
    emulator: EmulatorHandle, run_cli: CliRunner, tmp_path: Path, signer: CodeSigningIdentity
) -> tuple[Path, list[str], Callable[[], bool]]:
    """Three things and a reboot job for the first; the check says the job SUCCEEDED: the fleet is running."""
    iot = emulator.client("iot")
    root, things = _provision(run_cli, tmp_path, 3, signer)
    iot.create_job(jobId="reboot", targets=[thing_arn(things[0])], document=json.dumps({"operation": "reboot"}))
    return root, things, lambda: _details(iot, "reboot", things[0])[0] == "SUCCEEDED"


def _afr_ota(signature: str | None, url: str = PLACEHOLDER, size: int = len(FIRMWARE)) -> str:
    entry: dict[str, Any] = {"filepath": "/app.bin", "filesize": size, "fileid": 0, "certfile": "/cert.pem"}
    entry |= {"update_data_url": url, "auth_scheme": "aws.s3.presigned"}
    if signature is not None:
        entry["sig-sha256-ecdsa"] = signature
    return json.dumps({"afr_ota": {"protocols": ["HTTP"], "files": [entry]}})


def _details(iot: Any, job_id: str, thing: str) -> tuple[str, dict[str, str]]:
    execution = iot.describe_job_execution(jobId=job_id, thingName=thing)["execution"]
    return execution["status"], execution.get("statusDetails", {}).get("detailsMap", {})


def test_devices_install_a_signed_ota_update_and_the_cli_reports_json(
    emulator: EmulatorHandle, run_cli: CliRunner, tmp_path: Path, signer: CodeSigningIdentity
) -> None:
    iot, s3 = emulator.client("iot"), emulator.client("s3")
    root, things = _provision(run_cli, tmp_path, 3, signer)
    version = put_firmware(s3, BUCKET, "app.bin", FIRMWARE)
    signature = sign_firmware(FIRMWARE, signer.private_key_pem).signature_b64
    created = iot.create_ota_update(
        otaUpdateId="release-2",
        targets=[thing_arn(name) for name in things],
        protocols=["HTTP"],
        files=[
            {
                "fileName": "/app.bin",
                "fileLocation": {"s3Location": {"bucket": BUCKET, "key": "app.bin", "version": version}},
                "codeSigning": {
                    "customCodeSigning": {
                        "signature": {"inlineDocument": signature.encode()},  # the seed's update-signature.txt
                        "certificateChain": {"certificateName": "/cert.pem"},
                        "hashAlgorithm": "SHA256",
                        "signatureAlgorithm": "ECDSA",
                    }
                },
            }
        ],
        roleArn=make_role(emulator.client("iam"), "ota-role"),
    )
    status = wait_for(
        lambda: iot.get_ota_update(otaUpdateId="release-2")["otaUpdateInfo"]["otaUpdateStatus"] == "CREATE_COMPLETE"
    )
    assert status

    ran = run_cli("device", "simulate", str(root), "--output", "json")

    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert report["jobs"] == {"SUCCEEDED": 3, "FAILED": 0, "CANCELED": 0}
    assert report["stopped"] == "idle"
    assert report["code_signing_certificate"] == str(root / CODE_SIGNING_CERTIFICATE)
    assert {device["thing_name"] for device in report["devices"]} == set(things)
    job = report["devices"][0]["jobs"][0]
    assert (job["job_id"], job["kind"], job["bytes_downloaded"]) == (created["awsIotJobId"], "afr_ota", len(FIRMWARE))
    assert iot.describe_job(jobId=created["awsIotJobId"])["job"]["status"] == "COMPLETED"
    assert _details(iot, created["awsIotJobId"], things[0]) == ("SUCCEEDED", {"step": "done"})


def test_refused_images_fail_with_the_reason_in_status_details(
    emulator: EmulatorHandle, run_cli: CliRunner, tmp_path: Path, signer: CodeSigningIdentity
) -> None:
    iot, s3 = emulator.client("iot"), emulator.client("s3")
    root, things = _provision(run_cli, tmp_path, 5, signer)
    good, forged, wrong_hash, expired, unsigned = things
    put_firmware(s3, BUCKET, "app.bin", FIRMWARE)
    role = make_role(emulator.client("iam"), "presign-role")
    presigned = {"roleArn": role, "expiresInSec": 300}
    intruder = generate_code_signing_identity("ecdsa-p256", "intruder").private_key_pem
    fota = {"operation": "fota", "images": ["fw"], "fw_size": len(FIRMWARE), "fw_url": PLACEHOLDER}
    # A URL presigned for one second: expired by the time the device downloads it.
    stale = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "app.bin"}, ExpiresIn=1)
    jobs = {
        "good": (good, _afr_ota(sign_firmware(FIRMWARE, signer.private_key_pem).signature_b64)),
        "forged": (forged, _afr_ota(sign_firmware(FIRMWARE, intruder).signature_b64)),
        "wrong-hash": (wrong_hash, json.dumps(fota | {"fw_sha256": hashlib.sha256(b"other").hexdigest()})),
        "expired": (expired, json.dumps({"url": stale, "size": len(FIRMWARE)})),
        "unsigned": (unsigned, _afr_ota(None)),
    }
    for job_id, (thing, document) in jobs.items():
        iot.create_job(jobId=job_id, targets=[thing_arn(thing)], document=document, presignedUrlConfig=presigned)
    time.sleep(2.1)

    report = _simulate(emulator, root, signer.certificate_pem, reject_unsigned=True)

    assert report.jobs == {"SUCCEEDED": 1, "FAILED": 4, "CANCELED": 0}
    reasons = {job_id: _details(iot, job_id, thing) for job_id, (thing, _) in jobs.items()}
    assert reasons["good"] == ("SUCCEEDED", {"step": "done"})
    assert {status for status, _ in list(reasons.values())[1:]} == {"FAILED"}
    assert reasons["forged"][1]["reason"].startswith("/app.bin: signature mismatch: the ecdsa-p256 signature")
    assert reasons["wrong-hash"][1]["reason"].startswith("fw: hash mismatch: sha256 of the image is")
    assert "presigned URL has expired (HTTP 403 AccessDenied: Request has expired)" in reasons["expired"][1]["reason"]
    assert "rejects unsigned images" in reasons["unsigned"][1]["reason"]
    by_thing = {device.thing_name: device for device in report.devices}
    assert by_thing[forged].jobs[0].reason == reasons["forged"][1]["reason"]
    assert by_thing[expired].state == "failed"


def test_a_high_fail_rate_meets_the_abort_criteria_and_cancels_the_rest(
    emulator: EmulatorHandle, run_cli: CliRunner, tmp_path: Path, signer: CodeSigningIdentity
) -> None:
    iot = emulator.client("iot")
    root, things = _provision(run_cli, tmp_path, 20, signer)
    set_seconds_per_minute(emulator, 1.0)  # 5 executions offered per second
    abort = {
        "criteriaList": [
            {"failureType": "FAILED", "action": "CANCEL", "thresholdPercentage": 50, "minNumberOfExecutedThings": 10}
        ]
    }
    iot.create_job(
        jobId="risky",
        targets=[thing_arn(name) for name in things],
        document=json.dumps({"operation": "reboot"}),
        jobExecutionsRolloutConfig={"maximumPerMinute": 5},
        abortConfig=abort,
    )

    # With 16 of 20 devices failing, any 10 executed include at least 6 failures (>= 50%).
    report = _simulate(
        emulator, root, signer.certificate_pem, fail_rate=0.8, seed=3, duration=3.5, max_poll_interval=0.2
    )

    assert report.stopped == "duration"
    assert sum(device.fails_on_purpose for device in report.devices) == 16
    job = iot.describe_job(jobId="risky")["job"]
    assert (job["status"], job["reasonCode"]) == ("CANCELED", "ABORT_CRITERIA_MET")
    counts = job["jobProcessDetails"]
    assert counts["numberOfCanceledThings"] > 0
    assert counts["numberOfSucceededThings"] + counts["numberOfFailedThings"] < 20
    assert report.jobs["SUCCEEDED"] + report.jobs["FAILED"] == (
        counts["numberOfSucceededThings"] + counts["numberOfFailedThings"]
    )


def test_a_fleet_larger_than_its_pool_of_workers_exits_by_itself_once_every_job_is_done(
    emulator: EmulatorHandle, run_cli: CliRunner, tmp_path: Path, signer: CodeSigningIdentity
) -> None:
    iot = emulator.client("iot")
    root, things = _provision(run_cli, tmp_path, 12, signer)
    iot.create_job(
        jobId="reboot", targets=[thing_arn(name) for name in things], document=json.dumps({"operation": "reboot"})
    )

    ran = run_cli("device", "simulate", str(root), "--workers", "2", "--poll-interval", "0.05", "--output", "json")

    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert report["stopped"] == "idle"
    assert report["jobs"] == {"SUCCEEDED": 12, "FAILED": 0, "CANCELED": 0}
    assert iot.describe_job(jobId="reboot")["job"]["status"] == "COMPLETED"


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_simulator_which_still_prints_its_report(
    emulator: EmulatorHandle,
    run_cli: CliRunner,
    aws_env: dict[str, str],
    tmp_path: Path,
    signer: CodeSigningIdentity,
    stop_signal: signal.Signals,
) -> None:
    root, things, job_done = _one_reboot_job(emulator, run_cli, tmp_path, signer)
    args = ("device", "simulate", str(root), "--duration", "600", "--poll-interval", "0.05", "--output", "json")
    process = start_iotforge(aws_env, *args, cwd=tmp_path)
    try:
        # The job done means the fleet is running (its signal handlers are in place), not still starting up.
        assert wait_for(job_done, timeout=60), "no device ran"
        process.send_signal(stop_signal)
        stdout, stderr = process.communicate(timeout=30)  # a bound for a hang, not a measurement
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 130, stderr
    report = json.loads(stdout)
    assert report["stopped"] == "interrupted"
    assert report["jobs"] == {"SUCCEEDED": 1, "FAILED": 0, "CANCELED": 0}
    assert {device["thing_name"] for device in report["devices"]} == set(things)
    assert "Traceback" not in stderr


def test_a_library_caller_stops_a_run_from_another_thread(
    emulator: EmulatorHandle,
    run_cli: CliRunner,
    tmp_path: Path,
    signer: CodeSigningIdentity,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, things, job_done = _one_reboot_job(emulator, run_cli, tmp_path, signer)
    for key, value in emulator.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    stop = threading.Event()

    def stop_once_running() -> None:
        # The job done means the fleet is running; the stop is set either way, so the test cannot hang.
        try:
            wait_for(lambda: stop.is_set() or job_done(), timeout=60)
        finally:
            stop.set()

    stopper = threading.Thread(target=stop_once_running)
    stopper.start()
    try:
        report = api.simulate_devices(
            root,
            SimulationOptions(duration=600, poll_interval=0.05),
            Settings(endpoint_url=emulator.url, region="us-east-1", max_attempts=3),
            stop=stop,
        )
    finally:
        stop.set()
        stopper.join()

    assert report.stopped == "interrupted"
    assert report.jobs == {"SUCCEEDED": 1, "FAILED": 0, "CANCELED": 0}
    assert {device.thing_name for device in report.devices} == set(things)


def test_things_picks_ids_and_ranges_exactly_as_each_does(
    emulator: EmulatorHandle, run_cli: CliRunner, tmp_path: Path, signer: CodeSigningIdentity
) -> None:
    """`--things 2` is the thing with id 2, as for `iotforge each`, not the first two things."""
    iot = emulator.client("iot")
    root, things = _provision(run_cli, tmp_path, 3, signer)
    assert things == ["dev_0", "dev_1", "dev_2"]
    iot.create_job(jobId="reboot", targets=[thing_arn(name) for name in things], document='{"operation": "reboot"}')
    simulate = ("device", "simulate", str(root), "--poll-interval", "0.05", "--output", "json")

    for selection, chosen in (("2", ["dev_2"]), ("0-1", ["dev_0", "dev_1"])):
        each = run_cli("each", str(root), "--things", selection, "--output", "json", "--", "true")
        assert each.returncode == 0, each.stderr
        assert [outcome["thing"] for outcome in json.loads(each.stdout)["outcomes"]] == chosen
        ran = run_cli(*simulate, "--things", selection)
        assert ran.returncode == 0, ran.stderr
        assert [device["thing_name"] for device in json.loads(ran.stdout)["devices"]] == chosen
        if selection == "2":
            assert [_details(iot, "reboot", name)[0] for name in things] == ["QUEUED", "QUEUED", "SUCCEEDED"]
    assert iot.describe_job(jobId="reboot")["job"]["status"] == "COMPLETED"


def test_bad_input_is_refused_before_any_call(run_cli: CliRunner, bare_env: dict[str, str], tmp_path: Path) -> None:
    closed = {**bare_env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_REGION": "us-east-1"}
    closed |= {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    not_a_project = run_cli("device", "simulate", str(tmp_path), env=closed)
    assert not_a_project.returncode == 2
    assert "is not a project" in not_a_project.stderr
    root = tmp_path / "p"
    root.mkdir()
    (root / "thing.conf.json").write_text("{}")
    (root / ".aws_things_resources" / "dev_1").mkdir(parents=True)
    for name in ("private.pem.key", "certificate.pem.crt"):
        (root / ".aws_things_resources" / "dev_1" / name).write_text("x")
    unsigned = run_cli("device", "simulate", str(root), "--reject-unsigned", env=closed)
    assert unsigned.returncode == 2
    assert "--reject-unsigned needs the code-signing certificate" in unsigned.stderr
    (root / ".aws_things_resources" / "dev_2").mkdir()  # its key and certificate not written yet
    for selection, words in {
        "1": "--reject-unsigned needs the code-signing certificate",  # id 1 is dev_1: chosen, then refused
        "3": "--things '3': no thing matches '3'",  # an id, not a count of things
        "5-9": "--things '5-9': no thing matches '5-9'",
        "1-2": "without a key or certificate on disk: dev_2",
    }.items():
        chosen = run_cli("device", "simulate", str(root), "--things", selection, "--reject-unsigned", env=closed)
        assert chosen.returncode == 2, (selection, chosen.stderr)
        assert words in chosen.stderr, (selection, chosen.stderr)
    not_a_certificate = run_cli("device", "simulate", str(root), "--code-signing-cert", str(root / "thing.conf.json"))
    assert not_a_certificate.returncode == 2
    assert "is not a code-signing certificate" in not_a_certificate.stderr
