"""The create commands of Arm's createIoTThings.py, in its spellings and in iotforge's, against the emulator."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from iotforge.crypto import build_csr, generate_private_key, load_certificate, load_private_key, private_key_pem
from iotforge.crypto import public_keys_equal as same_key
from tests.conftest import CliRunner
from tests.support.arm_project import HEADER, application_header, expected_header
from tests.support.emulator import EmulatorHandle
from tests.support.fleet import remote_certificates, remote_thing_names
from tests.support.network import closed_port_url

APP = ("--target_application", "keyword-detection")


def _json(done: Any) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _offline(env: dict[str, str]) -> dict[str, str]:
    return {**env, "AWS_ENDPOINT_URL": closed_port_url(), "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}


def test_thing_only_then_policy_only_on_the_printed_certificate_in_both_spellings(
    run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle
) -> None:
    application_header(tmp_path)
    made = _json(run_cli("create-thing-only", "--thing-name", "t1", "--target-application", "keyword-detection",
                         "--output", "json"))  # fmt: skip
    assert made["thing_created"] is True
    assert made["certificate_created"] is True
    arn = made["certificate_arn"]
    policy = _json(run_cli("policy", "create", "--policy_name", "t1_policy", "--existing_certificate_arn", arn,
                           "--output", "json"))  # fmt: skip
    assert policy["policy_created"] is True
    assert policy["files"] == []
    iot = emulator.client("iot")
    assert iot.list_attached_policies(target=arn)["policies"][0]["policyName"] == "t1_policy"
    document = json.loads(iot.get_policy(policyName="t1_policy")["policyDocument"])
    assert "${iot:Connection.Thing.ThingName}" in json.dumps(document)  # least privilege, not iot:*

    again = _json(run_cli("thing", "create", "--thing_name", "t1", *APP, "--output", "json"))
    assert (again["thing_created"], again["certificate_created"], again["certificate_arn"]) == (False, False, arn)
    assert again["header_changed"] is False
    assert len(remote_certificates(iot)) == 1


def test_a_rerun_reuses_the_key_on_disk_and_adopts_the_certificate_aws_already_issued(
    run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle
) -> None:
    """Crashed after the key was written (t1), and after AWS issued the certificate (t2)."""
    application_header(tmp_path)
    folder = tmp_path / "certificates"
    folder.mkdir()
    iot = emulator.client("iot")
    for thing in ("t1", "t2"):
        key = generate_private_key("ec-p256")
        (folder / f"thing_private_key_{thing}.pem.key").write_bytes(private_key_pem(key))
        if thing == "t2":
            iot.create_certificate_from_csr(certificateSigningRequest=build_csr(key, thing).decode(), setAsActive=True)
        before = len(remote_certificates(iot))
        done = _json(run_cli("create-thing-only", "--thing_name", thing, *APP, "--yes", "--output", "json"))
        assert done["certificate_created"] is (thing == "t1")
        assert len(remote_certificates(iot)) == before + (thing == "t1")
        certificate = load_certificate((folder / f"thing_certificate_{thing}.pem.crt").read_bytes())
        assert same_key(certificate, key)
    assert remote_thing_names(iot) == {"t1", "t2"}


def test_key_source_aws_keeps_the_key_aws_made_private(run_cli: CliRunner, tmp_path: Path) -> None:
    application_header(tmp_path)
    done = _json(run_cli("create-thing-and-policy", "--thing_name", "t1", "--policy_name", "p1", *APP,
                         "--key-source", "aws", "-a", "creds", "--output", "json"))  # fmt: skip
    key = tmp_path / "creds" / "thing_private_key_t1.pem.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    certificate = (tmp_path / "creds" / "thing_certificate_t1.pem.crt").read_bytes()
    assert same_key(load_certificate(certificate), load_private_key(key.read_bytes()))
    assert done["files"][0].endswith("thing_certificate_t1.pem.crt")


def test_an_edited_header_is_overwritten_only_when_confirmed_and_otherwise_left_byte_for_byte(
    run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle
) -> None:
    edited = HEADER.replace("dummy_thingname", "someone_elses_board")
    header = application_header(tmp_path, text=edited)
    refused = run_cli("create-thing-and-policy", "--thing_name", "t1", "--policy_name", "p1", *APP)
    assert refused.returncode == 2
    assert "someone_elses_board" in refused.stderr
    assert "--yes" in refused.stderr
    assert header.read_bytes() == edited.encode()
    iot = emulator.client("iot")
    assert remote_thing_names(iot) == set()
    assert remote_certificates(iot) == []

    done = run_cli("create-thing-and-policy", "--thing_name", "t1", "--policy_name", "p1", *APP, "--yes")
    assert done.returncode == 0, done.stderr
    endpoint = iot.describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]
    assert header.read_bytes() == expected_header(
        endpoint, "t1", edited.replace("someone_elses_board", "dummy_thingname")
    )

    other = tmp_path / "my_header.h"
    other.write_bytes(HEADER.encode())
    explicit = run_cli("create-thing-only", "--thing_name", "t2", "--credentials_header", str(other))
    assert explicit.returncode == 0, explicit.stderr
    assert other.read_bytes() == expected_header(endpoint, "t2")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("create-thing-and-policy", "--thing_name", 'board"1', "--policy_name", "p", *APP), "contains a quote"),
        (("create-thing-only", "--thing_name", "t1"), "--target_application"),
        (("create-thing-only", *APP), "Missing option --thing_name"),
        (("create-thing-only", "--thing_name", "t1", "--target_application", "no-such-app"), "does not exist"),
        (("create-bucket-only", "--bucket_name", "My_OTA_Bucket"), "Try 'my-ota-bucket'"),
        (("bucket", "create", "--bucket-name", "ab"), "3 to 63 characters"),
        (("create-policy-only", "--policy_name", "p", "--existing_certificate_arn", "arn:nope"), "certificate ARN"),
        (("delete-thing", "-p"), "Missing option --thing_name"),
        (("create-iam-role-only", "--iam_role_name", "r", "--permissions_boundary", "Boundary"), "policy ARN"),
    ],
)
def test_bad_input_exits_2_before_any_remote_call(
    run_cli: CliRunner, bare_env: dict[str, str], tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    application_header(tmp_path)
    done = run_cli(*args, env=_offline(bare_env))
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr


def test_a_settings_file_with_the_seeds_default_bucket_name_exits_2_with_the_fix(
    run_cli: CliRunner, bare_env: dict[str, str], tmp_path: Path
) -> None:
    assert run_cli("create-settings-file", env=_offline(bare_env)).returncode == 0
    path = tmp_path / "tools" / "scripts" / "createIoTThings_settings.json"
    settings = json.loads(path.read_text())
    settings.update(thing_name="MyBoard", permissions_boundary="arn:aws:iam::123456789012:policy/B", role_prefix="Proj")
    settings.update(target_application="keyword-detection", bucket_name="")  # falls back to ${thing_name}_bucket
    path.write_text(json.dumps(settings))
    done = run_cli("create-update-simplified", env=_offline(bare_env))
    assert done.returncode == 2, done.stderr
    assert "MyBoard_bucket" in done.stderr
    assert '"${thing_name}{lower}-bucket"' in done.stderr
    assert "myboard-bucket" in done.stderr


def test_reusing_a_role_you_cannot_assume_explains_the_seeds_limitation(
    run_cli: CliRunner, emulator: EmulatorHandle
) -> None:
    role = ("create-iam-role-only", "--iam_role_name", "Proj-ota", "--bucket_name", "fw-bucket")
    made = _json(run_cli(*role, "--output", "json"))
    iam = emulator.client("iam")
    trust = iam.get_role(RoleName="Proj-ota")["Role"]["AssumeRolePolicyDocument"]
    trust["Statement"].append(  # as createIoTThings.py's roles: people assume them too
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "sts:AssumeRole"}
    )
    iam.update_assume_role_policy(RoleName="Proj-ota", PolicyDocument=json.dumps(trust))
    assert run_cli(*role).returncode == 0
    emulator.set_knobs(deny_actions=["sts:AssumeRole"])
    denied = run_cli(*role)
    assert denied.returncode == 6, denied.stderr
    assert "must be able to assume it" in denied.stderr
    assert "account that created the role" in denied.stderr
    assert f"role {made['name']}" in denied.stderr
