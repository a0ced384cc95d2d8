"""--state-dir keeps IoT, IAM, S3 and the CA across a restart; without it, a restart starts empty."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.support.emulator import EmulatorHandle, start_emulator_process

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}]})


def started(*args: str) -> EmulatorHandle:
    process, url = start_emulator_process(*args)
    return EmulatorHandle(url=url, process=process)


def ca_pem(emulator: EmulatorHandle) -> bytes:
    with urllib.request.urlopen(f"{emulator.url}/_iotforge/ca", timeout=10) as response:
        return bytes(response.read())


def test_state_dir_keeps_state_across_a_restart(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    first = started("--state-dir", str(state_dir))
    try:
        iot, s3, iam = first.client("iot"), first.client("s3"), first.client("iam")
        thing = iot.create_thing(thingName="kept", attributePayload={"attributes": {"fw": "1.0"}})
        iot.create_policy(policyName="device", policyDocument=POLICY)
        certificate = iot.create_keys_and_certificate(setAsActive=True)
        iot.attach_policy(policyName="device", target=certificate["certificateArn"])
        iot.attach_thing_principal(thingName="kept", principal=certificate["certificateArn"])
        s3.create_bucket(Bucket="firmware")
        s3.put_object(Bucket="firmware", Key="image.bin", Body=b"firmware-bytes")
        iam.create_role(RoleName="uploader", AssumeRolePolicyDocument=POLICY)
        ca_before = ca_pem(first)
    finally:
        first.stop()  # SIGTERM: the emulator writes its state as it shuts down

    assert (state_dir / "emulator-state.pickle").stat().st_mode & 0o077 == 0
    second = started("--state-dir", str(state_dir))
    try:
        iot, s3, iam = second.client("iot"), second.client("s3"), second.client("iam")
        described = iot.describe_thing(thingName="kept")
        assert (described["thingId"], described["attributes"]) == (thing["thingId"], {"fw": "1.0"})
        kept = iot.describe_certificate(certificateId=certificate["certificateId"])["certificateDescription"]
        assert kept["certificatePem"] == certificate["certificatePem"]
        assert iot.list_targets_for_policy(policyName="device")["targets"] == [certificate["certificateArn"]]
        assert iot.list_thing_principals(thingName="kept")["principals"] == [certificate["certificateArn"]]
        assert s3.get_object(Bucket="firmware", Key="image.bin")["Body"].read() == b"firmware-bytes"
        assert iam.get_role(RoleName="uploader")["Role"]["RoleName"] == "uploader"
        assert ca_pem(second) == ca_before
        # The restored backends are live: they change, and reset clears them.
        iot.create_thing(thingName="new")
        assert {t["thingName"] for t in iot.list_things()["things"]} == {"kept", "new"}
        second.reset()
        assert iot.list_things()["things"] == []
        assert s3.list_buckets()["Buckets"] == []
    finally:
        second.stop()


def test_unreadable_state_file_starts_empty(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir(mode=0o700)
    (state_dir / "emulator-state.pickle").write_bytes(b"not a pickle")
    (state_dir / "emulator-state.pickle").chmod(0o600)
    emulator = started("--state-dir", str(state_dir))
    try:
        assert emulator.client("iot").list_things()["things"] == []
    finally:
        emulator.stop()


def test_emulator_process_starts_answers_and_stops_cleanly() -> None:
    """Start-up time is measured in benchmarks/ (emulator-startup), not asserted here."""
    process = subprocess.Popen(
        [sys.executable, "-m", "iotforge.emulator", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "listening on" in line
    url = line.split()[-1]
    with urllib.request.urlopen(f"{url}/_iotforge/health", timeout=10) as answer:
        assert json.loads(answer.read()) == {"ok": True}
    process.terminate()
    assert process.wait(timeout=10) == 0
    process.stdout.close()
