"""Bad input through the CLI: a clear one-line message, exit 2, and no remote call.

AWS_ENDPOINT_URL points at a closed 127.0.0.1 port, so any remote call would end with exit 10:
exit 2 proves the input was refused first. The commands run in-process through the real entry
point (`iotforge.cli.main.run`), which keeps some fifty cases fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import clean_environment
from tests.support.inprocess import Ran, run_iotforge
from tests.support.network import closed_port_url

LONG = "x" * 129
BOUNDARY = "arn:aws:iam::123456789012:policy/Boundary"


@pytest.fixture
def offline(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {
        **clean_environment(home),
        "AWS_ENDPOINT_URL": closed_port_url(),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "IOTFORGE_MAX_ATTEMPTS": "1",
    }


@pytest.fixture
def project(tmp_path: Path, offline: dict[str, str]) -> Path:
    made = run_iotforge(
        ["thing-project-from-template", "p", str(tmp_path), "--aws-endpoint", "e.example"], offline, tmp_path
    )
    assert made.returncode == 0, made.stderr
    return tmp_path / "p"


def _refused(done: Ran, *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ")
    for word in words:
        assert word in done.stderr, done.stderr


# --things-base-name: every way a pasted or typed name goes wrong, named in the message.
BASE_NAMES = {
    "empty": ([""], "is empty"),
    "too long": ([LONG], "129 characters"),
    "slash": (["a/b"], "'/'"),
    "dot dot": (["a..b"], "'..'"),
    "space": (["a b"], "space"),
    "single quote": (["a'b"], "quote"),
    "double quote": (['a"b'], "quote"),
    "newline": (["a\nb"], "line break"),
    "non-ASCII": (["café"], "non-ASCII"),
    "longest index passes 128": (["x" * 126, "--things-number", "20"], "128"),
}


@pytest.mark.parametrize("case", sorted(BASE_NAMES))
def test_thing_base_names(case: str, project: Path, offline: dict[str, str]) -> None:
    name, *more = BASE_NAMES[case][0]
    done = run_iotforge(["add-things", str(project), "--things-base-name", name, *more], offline, project)
    _refused(done, BASE_NAMES[case][1])
    assert not (project / ".aws_things_resources").exists()
    assert not (project / ".iotforge" / "journal.jsonl").exists()


OTHER_NAMES = {
    "policy name": (
        ["add-things", "{project}", "--things-base-name", "ok", "--policy-name", "my policy"],
        "policy name",
    ),
    "empty policy name": (["add-things", "{project}", "--things-base-name", "ok", "--policy-name", ""], "is empty"),
    "thing name": (["create-thing-only", "--thing_name", "a/b"], "thing name"),
    "role name": (["create-iam-role-only", "--iam_role_name", "ota role", "--bucket_name", "fw-bucket"], "role name"),
    "project name": (["thing-project-from-template", "my project", "{project}"], "project name"),
}


@pytest.mark.parametrize("case", sorted(OTHER_NAMES))
def test_other_names(case: str, project: Path, offline: dict[str, str]) -> None:
    args, words = OTHER_NAMES[case]
    done = run_iotforge([arg.format(project=project) for arg in args], offline, project)
    _refused(done, words)


# One case per S3 naming rule, through `create-bucket-only` (unit tests: tests/unit/test_naming.py).
BUCKET_RULES = {
    "empty": ("", "--bucket_name is empty."),
    "line break": ("my\nbucket", "line break"),
    "capital letters": ("MyBucket", "capital letters"),
    "invalid character": ("my_bucket", "'_'"),
    "too short": ("ab", "3 to 63"),
    "too long": ("b" * 64, "3 to 63"),
    "starts with a non-alphanumeric": ("-bucket", "starts with '-'"),
    "ends with a non-alphanumeric": ("bucket-", "ends with '-'"),
    "adjacent periods": ("my..bucket", "two adjacent periods"),
    "IP address": ("192.168.5.4", "IP address"),
    "prefix xn--": ("xn--bucket", "'xn--'"),
    "prefix sthree-": ("sthree-bucket", "'sthree-'"),
    "prefix amzn-s3-demo-": ("amzn-s3-demo-bucket", "'amzn-s3-demo-'"),
    "suffix -s3alias": ("bucket-s3alias", "access point aliases"),
    "suffix --ol-s3": ("bucket--ol-s3", "Object Lambda"),
    "suffix .mrap": ("bucket.mrap", "Multi-Region"),
    "suffix --x-s3": ("bucket--x-s3", "directory buckets"),
    "suffix --table-s3": ("bucket--table-s3", "table buckets"),
}


@pytest.mark.parametrize("rule", sorted(BUCKET_RULES))
def test_bucket_naming_rules(rule: str, tmp_path: Path, offline: dict[str, str]) -> None:
    name, words = BUCKET_RULES[rule]
    _refused(run_iotforge(["create-bucket-only", "--bucket_name", name], offline, tmp_path), words)


@pytest.mark.parametrize("command", ["create-bucket-only", "bucket create"])
def test_an_empty_bucket_name_is_not_a_missing_option(command: str, tmp_path: Path, offline: dict[str, str]) -> None:
    done = run_iotforge([*command.split(), "--bucket-name", ""], offline, tmp_path)
    _refused(done, "--bucket_name is empty.", "hint: Pass --bucket_name VALUE, e.g. --bucket_name board1-ota-bucket.")
    assert "Missing option" not in done.stderr


# A value given wrongly is named before an option left out (which a terminal would ask for).
GIVEN_BEFORE_MISSING = {
    "create-policy-only: bad policy name, no thing name": (
        ["create-policy-only", "--policy_name", "my policy"],
        "policy name 'my policy' contains a space",
    ),
    "create-policy-only: empty policy name, no thing name": (
        ["create-policy-only", "--policy_name", ""],
        "--policy_name is empty",
    ),
    "create-policy-only: bad thing name, no policy name": (
        ["create-policy-only", "--thing_name", "a/b"],
        "thing name 'a/b'",
    ),
    "create-policy-only: bad certificate ARN, no policy name": (
        ["create-policy-only", "--use_existing_certificate_arn", "arn:aws:iot:us-east-1:1:cert/x"],
        "is neither CREATE_NEW_CERTIFICATE nor a certificate ARN",
    ),
    "create-thing-and-policy: bad policy name, no thing name": (
        ["create-thing-and-policy", "--policy_name", "my policy"],
        "policy name 'my policy'",
    ),
    "create-thing-and-policy: bad thing name, no policy name": (
        ["create-thing-and-policy", "--thing_name", "a/b"],
        "thing name 'a/b'",
    ),
    "create-thing-only: empty thing name": (["create-thing-only", "--thing_name", ""], "--thing_name is empty"),
    "create-update-only: empty bucket name, no thing name": (
        ["create-update-only", "--bucket_name", ""],
        "--bucket_name is empty",
    ),
    "create-update-only: bad update name, no policy name": (
        ["create-update-only", "--update_name", "my update"],
        "update name 'my update'",
    ),
    "create-bucket-role-update: empty bucket name, no thing name": (
        ["create-bucket-role-update", "--bucket-name", "", "--iam_role_name", "ota_role"],
        "--bucket_name is empty",
    ),
}


@pytest.mark.parametrize("case", sorted(GIVEN_BEFORE_MISSING))
def test_a_wrong_value_is_named_before_a_missing_option(case: str, tmp_path: Path, offline: dict[str, str]) -> None:
    args, words = GIVEN_BEFORE_MISSING[case]
    done = run_iotforge(args, offline, tmp_path)
    _refused(done, words)
    assert "Missing option" not in done.stderr


# `--option ""` through need(): every command that would ask for a missing value calls it empty instead.
EMPTY_VALUES = {
    "delete-thing": (["delete-thing", "--thing_name", ""], "thing_name", "board1"),
    "thing delete": (["thing", "delete", "--thing-name", "", "-p"], "thing_name", "board1"),
    "delete-policy": (["delete-policy", "--policy_name", ""], "policy_name", "board1_policy"),
    "delete-certificate": (["delete-certificate", "--certificate_id", "", "-f"], "certificate_id", None),
    "delete-iam-role": (["delete-iam-role", "--iam_role_name", "", "-f"], "iam_role_name", "ota_role"),
    "delete-bucket": (["delete-bucket", "--bucket_name", "", "-f"], "bucket_name", "board1-ota-bucket"),
    "delete-job": (["delete-job", "--job_name", ""], "job_name", "AFR_OTA-board1_update"),
    "delete-ota-update": (["delete-ota-update", "--ota_update_name", ""], "ota_update_name", "board1_update"),
    "cert create": (["cert", "create", "--thing-name", ""], "thing_name", "board1"),
    "create-iam-role-only: empty role name": (
        ["create-iam-role-only", "--iam_role_name", "", "--bucket_name", "fw-bucket"],
        "iam_role_name",
        "ota_role",
    ),
    "create-iam-role-only: empty bucket name": (
        ["create-iam-role-only", "--iam_role_name", "ota_role", "--bucket_name", ""],
        "bucket_name",
        "board1-ota-bucket",
    ),
    "create-iam-role-only: empty bucket name, no role name": (
        ["create-iam-role-only", "--bucket_name", ""],
        "bucket_name",
        "board1-ota-bucket",
    ),
    "create-update-only: empty update name": (
        [
            "create-update-only",
            *("--thing_name", "board1", "--policy_name", "board1_policy", "--bucket_name", "fw-bucket"),
            *("--iam_role_name", "ota_role", "--update_name", ""),
        ],
        "update_name",
        "board1_update",
    ),
}


@pytest.mark.parametrize("case", sorted(EMPTY_VALUES))
def test_an_empty_value_is_named_as_empty_not_missing(case: str, tmp_path: Path, offline: dict[str, str]) -> None:
    args, option, example = EMPTY_VALUES[case]
    done = run_iotforge(args, offline, tmp_path)
    hint = f"hint: Pass --{option} VALUE" + (f", e.g. --{option} {example}." if example else ".")
    _refused(done, f"error: --{option} is empty.", hint)
    assert "Missing option" not in done.stderr


def _settings(**fields: str) -> str:
    base = {
        "thing_name": "sensor",
        "permissions_boundary": BOUNDARY,
        "role_prefix": "Proj",
        "target_application": "keyword-detection",
    }
    return json.dumps({**base, **fields})


SETTINGS_FILES = {
    "not JSON": ("thing_name: sensor", "not valid JSON"),
    "missing required field": (json.dumps({"thing_name": "sensor", "role_prefix": "Proj"}), "permissions_boundary"),
    "unknown format variable": (_settings(policy_name="${nope}_policy"), "${nope}"),
    "unclosed variable": (_settings(policy_name="${thing_name_policy"), "unclosed"),
    "unbalanced formatter brace": (_settings(policy_name="${thing_name}{lower"), "unbalanced"),
}


@pytest.mark.parametrize("case", sorted(SETTINGS_FILES))
def test_settings_files(case: str, tmp_path: Path, offline: dict[str, str]) -> None:
    text, words = SETTINGS_FILES[case]
    (tmp_path / "settings.json").write_text(text)
    done = run_iotforge(["create-update-simplified", "--config_file_path", "settings.json"], offline, tmp_path)
    _refused(done, "settings.json", words)


FIRMWARE = {
    "missing": (None, "does not exist"),
    "empty": ("", "is empty"),
    "not the expected JSON": ('{"image": "AAAA"}', "no bcbin"),
    "base64 that does not decode": ('{"bcbin": "!!not base64!!", "bc_idx": 0}', "not valid base64"),
}


@pytest.mark.parametrize("case", sorted(FIRMWARE))
def test_firmware_files(case: str, tmp_path: Path, offline: dict[str, str]) -> None:
    text, words = FIRMWARE[case]
    if text is not None:
        (tmp_path / "fw.json").write_text(text)
    done = run_iotforge(["iot-fota-start", "dev_0", "fw.json", "s3://fw-bucket", "ota-role"], offline, tmp_path)
    _refused(done, "fw.json", words)


@pytest.mark.parametrize("duration", ["59", "3601", "0"])
def test_duration_outside_60_to_3600(duration: str, tmp_path: Path, offline: dict[str, str]) -> None:
    (tmp_path / "fw.json").write_text('{"bcbin": "AAAA", "bc_idx": 0}')
    args = ["iot-fota-start", "dev_0", "fw.json", "s3://fw-bucket", "ota-role", "--duration", duration]
    _refused(run_iotforge(args, offline, tmp_path), "--duration", "60..3600")


@pytest.mark.parametrize(
    "command",
    [
        ["add-things", "{path}", "--things-base-name", "dev"],
        ["set-active-thing", "{path}", "--thing-id", "0"],
        ["iot-cleanup", "{path}"],
        ["each", "{path}", "--", "true"],
        ["project", "status", "{path}"],
        ["project", "resume", "{path}"],
        ["audit", "{path}"],
    ],
    ids=lambda command: " ".join(command[:2]).replace(" {path}", ""),
)
def test_a_path_that_is_not_a_project(command: list[str], tmp_path: Path, offline: dict[str, str]) -> None:
    done = run_iotforge([arg.format(path=tmp_path) for arg in command], offline, tmp_path)
    _refused(done, "is not a project", "thing-project-from-template")


def test_a_header_without_the_expected_defines(tmp_path: Path, offline: dict[str, str]) -> None:
    (tmp_path / "aws_clientcredential.h").write_text("#define SOMETHING_ELSE 1\n")
    args = ["create-thing-only", "--thing_name", "sensor", "--credentials_header", "aws_clientcredential.h"]
    _refused(
        run_iotforge(args, offline, tmp_path), "clientcredentialMQTT_BROKER_ENDPOINT", "clientcredentialIOT_THING_NAME"
    )


def test_a_thing_folder_that_is_a_symlink(project: Path, offline: dict[str, str], tmp_path: Path) -> None:
    resources = project / ".aws_things_resources"
    resources.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (resources / "dev_0").symlink_to(elsewhere)
    done = run_iotforge(["add-things", str(project), "--things-base-name", "dev"], offline, project)
    _refused(done, "symbolic link")
    assert list(elsewhere.iterdir()) == []


def test_a_resources_folder_that_is_a_symlink(project: Path, offline: dict[str, str], tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / ".aws_things_resources").symlink_to(elsewhere)
    done = run_iotforge(["add-things", str(project), "--things-base-name", "dev"], offline, project)
    _refused(done, "symbolic link")
    assert list(elsewhere.iterdir()) == []


KEY_PATHS = {
    "existing key file that is not a key": ("thing_private_key_sensor.pem.key", "not a private key"),
    "key path is a symlink": ("thing_private_key_sensor.pem.key", "symbolic link"),
    "certificate path is a folder": ("thing_certificate_sensor.pem.crt", "not a regular file"),
    "public key path is a symlink": ("thing_public_key_sensor.pem.key", "symbolic link"),
}


@pytest.mark.parametrize("kind", sorted(KEY_PATHS))
@pytest.mark.parametrize("key_source", ["local", "aws"])
def test_arm_key_paths_that_exist_or_are_links(
    kind: str, key_source: str, tmp_path: Path, offline: dict[str, str]
) -> None:
    """Refused before the endpoint look-up (create-thing-only's first remote call), and nothing is made."""
    certificates = tmp_path / "certificates"
    certificates.mkdir()
    name, words = KEY_PATHS[kind]
    path = certificates / name
    elsewhere = tmp_path / "elsewhere.pem"
    if "symlink" in kind:
        path.symlink_to(elsewhere)
    elif "folder" in kind:
        path.mkdir()
    else:
        path.write_text("someone's key")
    header = '#define clientcredentialMQTT_BROKER_ENDPOINT ""\n#define clientcredentialIOT_THING_NAME ""\n'
    (tmp_path / "aws_clientcredential.h").write_text(header)
    args = ["create-thing-only", "--thing_name", "sensor", "--credentials_header", "aws_clientcredential.h"]
    done = run_iotforge([*args, "--key-source", key_source], offline, tmp_path)
    _refused(done, name, words)
    assert sorted(child.name for child in certificates.iterdir()) == [name]
    assert not elsewhere.exists()
    assert (tmp_path / "aws_clientcredential.h").read_text() == header
    if "not a key" in kind:
        assert path.read_text() == "someone's key"


# --rate-scale / IOTFORGE_RATE_SCALE: pacing factors that make no sense are refused before any call.
@pytest.mark.parametrize("value", ["-1", "fast", "nan", "inf", ""])
def test_a_bad_rate_scale_option_is_refused(project: Path, offline: dict[str, str], tmp_path: Path, value: str) -> None:
    done = run_iotforge(
        ["add-things", str(project), "--things-base-name", "d", "--rate-scale", value], offline, tmp_path
    )
    _refused(done, "--rate-scale must be a number >= 0", f"(got {value!r})", "0 to turn pacing off")


def test_a_bad_rate_scale_variable_is_refused_in_json_too(
    project: Path, offline: dict[str, str], tmp_path: Path
) -> None:
    environment = {**offline, "IOTFORGE_RATE_SCALE": "-2"}
    done = run_iotforge(
        ["add-things", str(project), "--things-base-name", "d", "--output", "json"], environment, tmp_path
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    error = json.loads(done.stdout)["error"]
    assert error["message"] == "IOTFORGE_RATE_SCALE must be a number >= 0 (got '-2')."
    assert error["exit_code"] == 2
