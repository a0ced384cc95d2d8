"""The CLI foundation against the emulator: help, doctor, endpoint, error translation, JSON output."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from tests.conftest import CliRunner
from tests.support.emulator import EmulatorHandle


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    "args",
    [["--help"], ["doctor", "--help"], ["endpoint", "--help"], ["emulator", "--help"], ["emulator", "start", "--help"]],
)
def test_help_needs_no_credentials_no_network_and_no_boto3(args: list[str], bare_env: dict[str, str]) -> None:
    env = {**bare_env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{_closed_port()}"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "iotforge", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Usage: iotforge" in done.stdout
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert not {name for name in imported if name.split(".")[0] in ("boto3", "botocore", "moto")}


def test_doctor_is_green_on_the_emulator(run_cli: CliRunner) -> None:
    done = run_cli("doctor", "--output", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True
    names = {check["name"] for check in report["checks"]}
    assert {"region", "identity (sts)", "iot data endpoint", "iot access", "iam access", "s3 access"} <= names
    identity = next(check for check in report["checks"] if check["name"] == "identity (sts)")
    assert "123456789012" in identity["detail"]


def test_doctor_reports_a_failed_check_with_a_hint_and_exit_3(run_cli: CliRunner, emulator: EmulatorHandle) -> None:
    emulator.set_knobs(deny_actions=["iam:ListRoles"])
    done = run_cli("doctor", "--output", "json")
    assert done.returncode == 3
    checks = {check["name"]: check for check in json.loads(done.stdout)["checks"]}
    assert checks["iam access"]["ok"] is False
    assert "iam:ListRoles" in checks["iam access"]["detail"]
    assert checks["iam access"]["hint"]
    assert checks["iot access"]["ok"] is True


def test_doctor_table_in_text_mode(run_cli: CliRunner) -> None:
    done = run_cli("doctor")
    assert done.returncode == 0
    assert "All checks passed." in done.stdout
    assert "iot data endpoint" in done.stdout


def test_endpoint_prints_the_ats_endpoint_for_the_region(run_cli: CliRunner, aws_env: dict[str, str]) -> None:
    done = run_cli("endpoint", env={**aws_env, "AWS_REGION": "eu-central-1"})
    assert done.returncode == 0, done.stderr
    address = done.stdout.strip()
    assert address.endswith("-ats.iot.eu-central-1.amazonaws.com")
    flagged = run_cli("--region", "ap-south-1", "endpoint")
    assert flagged.stdout.strip().endswith("-ats.iot.ap-south-1.amazonaws.com")


@pytest.mark.parametrize("placement", ["before", "after"])
def test_global_options_work_before_or_after_the_command(run_cli: CliRunner, placement: str) -> None:
    args = ["--output", "json", "endpoint"] if placement == "before" else ["endpoint", "--output", "json"]
    done = run_cli(*args)
    assert done.returncode == 0
    assert json.loads(done.stdout)["type"] == "iot:Data-ATS"


def test_endpoint_url_option_replaces_the_environment_variable(run_cli: CliRunner, aws_env: dict[str, str]) -> None:
    env = {key: value for key, value in aws_env.items() if key != "AWS_ENDPOINT_URL"}
    done = run_cli("--endpoint-url", aws_env["AWS_ENDPOINT_URL"], "endpoint", "--output", "json")
    assert done.returncode == 0, done.stderr
    done_env_less = run_cli("endpoint", "--endpoint-url", aws_env["AWS_ENDPOINT_URL"], env=env)
    assert done_env_less.returncode == 0, done_env_less.stderr


ERROR_CASES = {
    "no credentials": (4, "No AWS credentials were found", "aws configure"),
    "expired token": (5, "session token has expired", "Refresh your credentials"),
    "no region": (4, "No AWS region is configured", "--region"),
    "access denied": (6, "you may not perform iot:DescribeEndpoint", "administrator"),
    "unreachable": (10, "Cannot reach", "--endpoint-url"),
}


def _error_environment(case: str, aws_env: dict[str, str], emulator: EmulatorHandle) -> dict[str, str]:
    env = dict(aws_env)
    if case == "no credentials":
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    elif case == "expired token":
        emulator.set_knobs(expire_credentials_after=0)
        env["AWS_SESSION_TOKEN"] = "an-old-session-token"
    elif case == "no region":
        del env["AWS_REGION"]
    elif case == "access denied":
        emulator.set_knobs(deny_actions=["iot:DescribeEndpoint"])
    elif case == "unreachable":
        env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{_closed_port()}"
    return env


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_expected_aws_errors_are_one_line_with_hint_and_exit_code(
    case: str, run_cli: CliRunner, aws_env: dict[str, str], emulator: EmulatorHandle
) -> None:
    exit_code, message, hint = ERROR_CASES[case]
    env = _error_environment(case, aws_env, emulator)
    done = run_cli("endpoint", env=env)
    assert done.returncode == exit_code, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    error_line, hint_line = done.stderr.strip().splitlines()[:2]
    assert error_line.startswith("error: ")
    assert message in error_line
    assert hint_line.strip().startswith("hint: ")
    assert hint in hint_line


def test_verbose_adds_details_to_an_expected_error(
    run_cli: CliRunner, aws_env: dict[str, str], emulator: EmulatorHandle
) -> None:
    emulator.set_knobs(deny_actions=["iot:DescribeEndpoint"])
    done = run_cli("-v", "endpoint")
    assert done.returncode == 6
    assert "details: DescribeEndpoint: AccessDeniedException" in done.stderr


def test_json_output_on_error_is_still_one_document_on_stdout(run_cli: CliRunner, emulator: EmulatorHandle) -> None:
    emulator.set_knobs(deny_actions=["iot:DescribeEndpoint"])
    done = run_cli("endpoint", "--output", "json")
    assert done.returncode == 6
    document = json.loads(done.stdout)
    assert document["ok"] is False
    assert document["error"]["exit_code"] == 6
    assert document["error"]["code"] == "AccessDeniedException"


def test_bad_usage_exits_2_without_traceback(run_cli: CliRunner) -> None:
    done = run_cli("endpoint", "--type", "iot:Nonsense")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "iot:Nonsense" in done.stderr


def test_library_api_runs_the_same_doctor(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    from iotforge import Settings, api

    for key, value in emulator.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    report = api.doctor(Settings(region="eu-west-1", endpoint_url=emulator.url))
    assert report.ok
    assert api.endpoint(Settings(region="eu-west-1", endpoint_url=emulator.url)).endswith("eu-west-1.amazonaws.com")
