"""The Zerynth-seed project workflow, command by command, against the emulator over HTTP."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from iotforge.crypto import build_csr, generate_private_key, load_certificate, load_private_key, public_keys_equal
from tests.conftest import CliRunner
from tests.support.emulator import EmulatorHandle
from tests.support.fleet import assert_fleet_consistent, mode_of, remote_certificates, remote_thing_names


def _project(run_cli: CliRunner, tmp_path: Path, *extra: str) -> Path:
    done = run_cli("thing-project-from-template", "sensor", str(tmp_path), *extra)
    assert done.returncode == 0, done.stderr
    return tmp_path / "sensor"


def _add(run_cli: CliRunner, project: Path, *args: str) -> dict[str, Any]:
    done = run_cli("add-things", str(project), "--output", "json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_template_has_the_seed_files_endpoint_and_policy(
    run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle
) -> None:
    project = _project(run_cli, tmp_path, "--aws-policy-name", "sensor_policy")
    assert {p.name for p in project.iterdir()} >= {
        "main.py",
        "helpers.py",
        "readme.md",
        "thing.conf.json",
        ".gitignore",
    }
    config = json.loads((project / "thing.conf.json").read_text())
    endpoint = emulator.client("iot").describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]
    assert config["endpoint"] == endpoint
    assert config["policy_name"] == "sensor_policy"
    assert "thing.conf.json" in (project / "main.py").read_text()
    ignored = (project / ".gitignore").read_text()
    assert ".aws_things_resources/" in ignored
    assert "private.pem.key" in ignored


def test_template_refuses_a_non_empty_folder(run_cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "sensor").mkdir()
    (tmp_path / "sensor" / "mine.txt").write_text("keep me")
    done = run_cli("thing-project-from-template", "sensor", str(tmp_path), "--aws-endpoint", "x.example")
    assert done.returncode == 2
    assert "not empty" in done.stderr
    assert (tmp_path / "sensor" / "mine.txt").read_text() == "keep me"


def test_freertos_template_rewrites_the_credential_headers_on_activation(run_cli: CliRunner, tmp_path: Path) -> None:
    project = _project(run_cli, tmp_path, "--template", "freertos-c")
    _add(run_cli, project, "--things-base-name", "board", "--things-number", "2")
    header = (project / "aws_clientcredential.h").read_text()
    assert '"board_0"' in header
    keys = (project / "aws_clientcredential_keys.h").read_text()
    assert "-----BEGIN CERTIFICATE-----" in keys
    assert mode_of(project / "aws_clientcredential_keys.h") == 0o600
    run_cli("set-active-thing", str(project), "--thing-id", "1")
    assert '"board_1"' in (project / "aws_clientcredential.h").read_text()


def test_add_things_provisions_with_local_keys_modes_and_first_active(
    run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle
) -> None:
    project = _project(run_cli, tmp_path)
    result = _add(run_cli, project, "--things-base-name", "first_project_thing")
    assert result["things"] == ["first_project_thing_0"]
    assert result["active_thing"] == "first_project_thing_0"
    assert result["policy_created"] is True
    iot = emulator.client("iot")
    assert_fleet_consistent(iot, project, {"first_project_thing_0"})
    folder = project / ".aws_things_resources" / "first_project_thing_0"
    assert mode_of(folder / "private.pem.key") == 0o600
    assert mode_of(folder) == 0o700
    assert mode_of(project / ".aws_things_resources") == 0o700
    assert mode_of(project / "private.pem.key") == 0o600
    assert (project / "private.pem.key").read_bytes() == (folder / "private.pem.key").read_bytes()
    config = json.loads((project / "thing.conf.json").read_text())
    assert config["thingname"] == config["mqttid"] == "first_project_thing_0"
    assert config["cert_arn"].startswith("arn:aws:iot:")
    thing_conf = json.loads((folder / "thing.conf.json").read_text())
    assert thing_conf["cert_arn"] == config["cert_arn"]
    # The default policy is least privilege, scoped to the connecting thing.
    document = json.loads(iot.get_policy(policyName=result["policy_name"])["policyDocument"])
    text = json.dumps(document)
    assert "${iot:Connection.Thing.ThingName}" in text
    assert '"iot:*"' not in text
    assert '"Resource": "*"' not in text


def test_numbering_goes_on_and_a_new_base_name_is_honoured(
    run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle
) -> None:
    project = _project(run_cli, tmp_path)
    _add(run_cli, project, "--things-base-name", "first_project_thing")
    assert _add(run_cli, project, "--things-number", "3")["things"] == [f"first_project_thing_{i}" for i in (1, 2, 3)]
    assert _add(run_cli, project, "--things-number", "2", "--things-base-name", "production_thing")["things"] == [
        "production_thing_0",
        "production_thing_1",
    ]
    expected = {f"first_project_thing_{i}" for i in range(4)} | {"production_thing_0", "production_thing_1"}
    assert_fleet_consistent(emulator.client("iot"), project, expected)


@pytest.mark.parametrize("key_type", ["ec-p384", "rsa-2048", "rsa-3072"])
def test_each_key_type_gets_a_certificate_for_its_own_key(
    key_type: str, run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle
) -> None:
    project = _project(run_cli, tmp_path)
    _add(run_cli, project, "--things-base-name", "k", "--key-type", key_type)
    assert_fleet_consistent(emulator.client("iot"), project, {"k_0"})


def test_key_source_aws_writes_the_key_aws_made(run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle) -> None:
    project = _project(run_cli, tmp_path)
    _add(run_cli, project, "--things-base-name", "legacy", "--key-source", "aws")
    assert_fleet_consistent(emulator.client("iot"), project, {"legacy_0"})


def test_thing_groups_and_attributes(run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    iot.create_thing_group(thingGroupName="line-a")
    project = _project(run_cli, tmp_path)
    _add(
        run_cli,
        project,
        "--things-base-name",
        "g",
        "--things-number",
        "2",
        "--thing-group",
        "line-a",
        "--attribute",
        "color=red",
    )
    members = iot.list_things_in_thing_group(thingGroupName="line-a")["things"]
    assert sorted(members) == ["g_0", "g_1"]
    assert iot.describe_thing(thingName="g_1")["attributes"]["color"] == "red"


def test_set_active_thing_by_id_and_name(run_cli: CliRunner, tmp_path: Path) -> None:
    project = _project(run_cli, tmp_path)
    _add(run_cli, project, "--things-base-name", "dev", "--things-number", "3")
    done = run_cli("set-active-thing", str(project), "--thing-id", "2")
    assert done.returncode == 0, done.stderr
    folder = project / ".aws_things_resources" / "dev_2"
    assert (project / "private.pem.key").read_bytes() == (folder / "private.pem.key").read_bytes()
    assert (project / "certificate.pem.crt").read_bytes() == (folder / "certificate.pem.crt").read_bytes()
    assert mode_of(project / "private.pem.key") == 0o600
    key = load_private_key((project / "private.pem.key").read_bytes())
    assert public_keys_equal(load_certificate((project / "certificate.pem.crt").read_bytes()), key)
    config = json.loads((project / "thing.conf.json").read_text())
    assert config["thingname"] == "dev_2"
    assert config["wifi_ssid"] == "my-network"  # the template's own fields are kept
    assert run_cli("project", "set-active", str(project), "--thing-name", "dev_1").returncode == 0
    assert json.loads((project / "thing.conf.json").read_text())["mqttid"] == "dev_1"


def test_cleanup_removes_only_what_the_project_made(
    run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle
) -> None:
    iot = emulator.client("iot")
    # The user's own resources, before and beside the project.
    iot.create_thing(thingName="users_thing")
    theirs = iot.create_certificate_from_csr(
        certificateSigningRequest=build_csr(generate_private_key("ec-p256"), "u").decode(), setAsActive=True
    )
    iot.create_policy(
        policyName="users_policy",
        policyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "iot:Connect",
                        "Resource": "arn:aws:iot:us-east-1:123456789012:client/u",
                    }
                ],
            }
        ),
    )
    iot.attach_policy(policyName="users_policy", target=theirs["certificateArn"])
    project = _project(run_cli, tmp_path)
    _add(run_cli, project, "--things-base-name", "dev", "--things-number", "4")
    # Someone attaches their certificate to one of our things: detached on cleanup, never deleted.
    iot.attach_thing_principal(thingName="dev_1", principal=theirs["certificateArn"])
    dry = run_cli("iot-cleanup", str(project), "--dry-run", "--output", "json")
    assert json.loads(dry.stdout)["things_removed"] == ["dev_0", "dev_1", "dev_2", "dev_3"]
    assert remote_thing_names(iot) == {"users_thing", "dev_0", "dev_1", "dev_2", "dev_3"}
    done = run_cli("iot-cleanup", str(project), "--output", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["foreign_detached"] == [theirs["certificateArn"]]
    assert remote_thing_names(iot) == {"users_thing"}
    assert [c["certificateId"] for c in remote_certificates(iot)] == [theirs["certificateId"]]
    assert {p["policyName"] for p in iot.list_policies()["policies"]} == {"users_policy"}
    assert not (project / ".aws_things_resources").exists() or not any((project / ".aws_things_resources").iterdir())
    assert not (project / "private.pem.key").exists()
    assert "thingname" not in json.loads((project / "thing.conf.json").read_text())


def test_cleanup_keeps_local_files_when_remote_removal_fails(
    run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle
) -> None:
    project = _project(run_cli, tmp_path)
    _add(run_cli, project, "--things-base-name", "dev", "--things-number", "2")
    emulator.set_knobs(deny_actions=["iot:DeleteThing"])
    done = run_cli("iot-cleanup", str(project))
    assert done.returncode == 6
    assert "iot:DeleteThing" in done.stderr
    assert (project / ".aws_things_resources" / "dev_0" / "private.pem.key").exists()
    emulator.set_knobs(deny_actions=[])
    assert run_cli("iot-cleanup", str(project)).returncode == 0
    assert remote_thing_names(emulator.client("iot")) == set()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


BAD_INPUT = {
    "invalid characters": (["--things-base-name", "bad name"], "space"),
    "slash": (["--things-base-name", "a/b"], "'/'"),
    "too long at its index": (["--things-base-name", "x" * 126, "--things-number", "20"], "128"),
    "zero things": (["--things-base-name", "ok", "--things-number", "0"], "at least 1"),
    "bad policy name": (["--things-base-name", "ok", "--policy-name", "no spaces"], "policy"),
    "bad attribute": (["--things-base-name", "ok", "--attribute", "novalue"], "key=value"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_one_line_exit_2_and_no_remote_call(
    case: str, run_cli: CliRunner, tmp_path: Path, aws_env: dict[str, str]
) -> None:
    project = _project(run_cli, tmp_path)
    args, words = BAD_INPUT[case]
    # An unreachable endpoint: any remote call would end with exit 10, not 2.
    env = {**aws_env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{_closed_port()}"}
    done = run_cli("add-things", str(project), *args, env=env)
    assert done.returncode == 2, done.stderr
    assert words in done.stderr
    assert "Traceback" not in done.stderr
    assert not (project / ".aws_things_resources").exists()


def test_not_a_project_and_unknown_thing_id(run_cli: CliRunner, tmp_path: Path) -> None:
    done = run_cli("add-things", str(tmp_path), "--things-base-name", "x")
    assert done.returncode == 2
    assert "is not a project" in done.stderr
    project = _project(run_cli, tmp_path)
    _add(run_cli, project, "--things-base-name", "dev")
    missing = run_cli("set-active-thing", str(project), "--thing-id", "7")
    assert missing.returncode == 2
    assert "no thing with id 7" in missing.stderr


def test_an_existing_key_is_never_overwritten(run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle) -> None:
    project = _project(run_cli, tmp_path)
    folder = project / ".aws_things_resources" / "dev_0"
    folder.mkdir(parents=True)
    (folder / "private.pem.key").write_text("someone's key")
    done = run_cli("add-things", str(project), "--things-base-name", "dev")
    # dev_0 is taken locally, so numbering starts after it; the foreign key file stays as it was.
    assert done.returncode == 0, done.stderr
    assert (folder / "private.pem.key").read_text() == "someone's key"
    assert "dev_0" not in remote_thing_names(emulator.client("iot"))


def test_a_symlink_where_a_key_would_go_is_refused(run_cli: CliRunner, tmp_path: Path) -> None:
    project = _project(run_cli, tmp_path)
    resources = project / ".aws_things_resources"
    resources.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (resources / "dev_0").symlink_to(elsewhere)
    done = run_cli("add-things", str(project), "--things-base-name", "dev")
    assert done.returncode == 2
    assert "symlink" in done.stderr.lower() or "symbolic link" in done.stderr.lower()
    assert list(elsewhere.iterdir()) == []


def test_status_shows_things_and_the_active_one(run_cli: CliRunner, tmp_path: Path) -> None:
    project = _project(run_cli, tmp_path)
    _add(run_cli, project, "--things-base-name", "dev", "--things-number", "2")
    done = run_cli("project", "status", str(project), "--remote", "--output", "json")
    status = json.loads(done.stdout)
    assert status["active_thing"] == "dev_0"
    assert [(t["name"], t["remote_status"], t["complete"]) for t in status["things"]] == [
        ("dev_0", "ACTIVE", True),
        ("dev_1", "ACTIVE", True),
    ]
    assert status["incomplete_batch"] == []
