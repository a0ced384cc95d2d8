"""`iotforge audit`: every kind of finding, exit 3, and --fix touching only what is safe to touch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from iotforge.crypto import build_csr, generate_private_key
from tests.conftest import CliRunner
from tests.support.emulator import EmulatorHandle
from tests.support.fleet import remote_certificates
from tests.support.network import closed_port_url

ACCOUNT = "123456789012"
ARN = f"arn:aws:iot:us-east-1:{ACCOUNT}"


def _policy(statement: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]})


def _trust(principal: Any, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _certificate(iot: Any) -> dict[str, Any]:
    csr = build_csr(generate_private_key("ec-p256"), "someone").decode()
    found: dict[str, Any] = iot.create_certificate_from_csr(certificateSigningRequest=csr, setAsActive=True)
    return found


def _ota_bucket(emulator: EmulatorHandle, name: str, targets: list[str], *, protected: bool) -> None:
    s3, iot = emulator.client("s3"), emulator.client("iot")
    s3.create_bucket(Bucket=name)
    if protected:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
    s3.put_object(Bucket=name, Key="fw.bin", Body=b"firmware")
    iot.create_ota_update(
        otaUpdateId=f"update-{name}",
        targets=targets,
        files=[{"fileName": "fw.bin", "fileLocation": {"s3Location": {"bucket": name, "key": "fw.bin"}}}],
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/ota",
    )


def _findings(done: subprocess.CompletedProcess[str]) -> set[tuple[str, str]]:
    return {(finding["check"], finding["resource"]) for finding in json.loads(done.stdout)["findings"]}


def test_account_audit_reports_every_kind_of_finding(
    run_cli: CliRunner, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    iot, iam = emulator.client("iot"), emulator.client("iam")
    iot.create_thing(thingName="bare")
    orphan = _certificate(iot)
    shared = _certificate(iot)
    for twin in ("twin_a", "twin_b"):
        iot.create_thing(thingName=twin)
        iot.attach_thing_principal(thingName=twin, principal=shared["certificateArn"])
    thing = "${iot:Connection.Thing.ThingName}"
    iot.create_policy(policyName="star_action", policyDocument=_policy({"Action": "iot:*", "Resource": f"{ARN}:x"}))
    iot.create_policy(policyName="star_resource", policyDocument=_policy({"Action": "iot:Connect", "Resource": "*"}))
    iot.create_policy(
        policyName="client_id",
        policyDocument=_policy({"Action": "iot:Connect", "Resource": f"{ARN}:client/${{iot:ClientId}}"}),
    )
    attached = {"Bool": {"iot:Connection.Thing.IsAttached": "true"}}
    iot.create_policy(
        policyName="good",
        policyDocument=_policy({"Action": "iot:Connect", "Resource": f"{ARN}:client/{thing}", "Condition": attached}),
    )
    iam.create_role(RoleName="trust_any", AssumeRolePolicyDocument=_trust({"AWS": "*"}))
    iam.create_role(RoleName="trust_root", AssumeRolePolicyDocument=_trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    two = {"Service": ["iot.amazonaws.com", "lambda.amazonaws.com"]}
    iam.create_role(RoleName="trust_two", AssumeRolePolicyDocument=_trust(two))
    source = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    iam.create_role(RoleName="ota", AssumeRolePolicyDocument=_trust({"Service": "iot.amazonaws.com"}, source))
    _ota_bucket(emulator, "fw-open", [f"{ARN}:thing/bare"], protected=False)
    _ota_bucket(emulator, "fw-closed", [f"{ARN}:thing/bare"], protected=True)
    emulator.client("s3").create_bucket(Bucket="not-for-ota")

    done = run_cli("audit", "--output", "json")

    assert done.returncode == 3, done.stderr
    assert _findings(done) == {
        ("thing-without-certificate", "bare"),
        ("orphan-certificate", orphan["certificateArn"]),
        ("shared-certificate", shared["certificateArn"]),
        ("policy-wildcard-action", "star_action"),
        ("policy-wildcard-resource", "star_resource"),
        ("policy-client-id", "client_id"),
        ("role-trust-any", "trust_any"),
        ("role-trust-account", "trust_root"),
        ("role-trust-services", "trust_two"),
        ("bucket-versioning", "fw-open"),
        ("bucket-public-access", "fw-open"),
    }
    report = json.loads(done.stdout)
    assert all(f["severity"] in ("high", "medium", "low") and f["fix"] for f in report["findings"])
    # Without a project nothing is iotforge's to delete: only the bucket protections are fixable.
    fixable = {(f["check"], f["resource"]) for f in report["findings"] if f["fixable"]}
    assert fixable == {("bucket-versioning", "fw-open"), ("bucket-public-access", "fw-open")}
    text = run_cli("audit")
    assert text.returncode == 3
    for column in ("severity", "check", "resource", "problem", "fix"):
        assert column in text.stdout

    fixed = run_cli("audit", "--fix", "--yes", "--output", "json")
    assert fixed.returncode == 3, fixed.stderr  # the rest needs a person's judgement
    assert {(f["check"], f["resource"], f["fixed"]) for f in json.loads(fixed.stdout)["fixes"]} == {
        ("bucket-versioning", "fw-open", True),
        ("bucket-public-access", "fw-open", True),
    }
    s3 = emulator.client("s3")
    assert s3.get_bucket_versioning(Bucket="fw-open")["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket="fw-open")["PublicAccessBlockConfiguration"].values())
    assert iot.describe_certificate(certificateId=orphan["certificateId"])["certificateDescription"]["status"] == (
        "ACTIVE"
    )
    assert "bucket-versioning" not in {check for check, _ in _findings(run_cli("audit", "--output", "json"))}


def _project_with_things(run_cli: CliRunner, tmp_path: Path, count: int) -> Path:
    assert run_cli("thing-project-from-template", "p", str(tmp_path), "--aws-endpoint", "e.example").returncode == 0
    project = tmp_path / "p"
    done = run_cli("add-things", str(project), "--things-base-name", "dev", "--things-number", str(count))
    assert done.returncode == 0, done.stderr
    return project


def test_project_audit_and_fix_touch_only_the_project(
    run_cli: CliRunner, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    iot = emulator.client("iot")
    project = _project_with_things(run_cli, tmp_path, 3)
    clean = run_cli("audit", str(project), "--output", "json")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout)["findings"] == []

    users_orphan = _certificate(iot)  # not the project's: out of its scope
    ours = iot.list_thing_principals(thingName="dev_1")["principals"][0]
    iot.detach_thing_principal(thingName="dev_1", principal=ours)
    foreign = _certificate(iot)
    iot.attach_thing_principal(thingName="dev_2", principal=foreign["certificateArn"])
    _ota_bucket(emulator, "fw-project", [f"{ARN}:thing/dev_0"], protected=False)
    _ota_bucket(emulator, "fw-elsewhere", [f"{ARN}:thing/someone_else"], protected=False)

    done = run_cli("audit", str(project), "--output", "json")
    assert done.returncode == 3, done.stderr
    assert _findings(done) == {
        ("thing-without-certificate", "dev_1"),
        ("orphan-certificate", ours),
        ("certificate-key-mismatch", foreign["certificateArn"]),
        ("bucket-versioning", "fw-project"),
        ("bucket-public-access", "fw-project"),
    }

    fixed = run_cli("audit", str(project), "--fix", "--yes", "--output", "json")
    assert fixed.returncode == 3, fixed.stderr
    assert {(f["check"], f["fixed"]) for f in json.loads(fixed.stdout)["fixes"]} == {
        ("orphan-certificate", True),
        ("bucket-versioning", True),
        ("bucket-public-access", True),
    }
    remaining = {certificate["certificateArn"] for certificate in remote_certificates(iot)}
    assert ours not in remaining
    assert {users_orphan["certificateArn"], foreign["certificateArn"]} <= remaining
    status = iot.describe_certificate(certificateId=users_orphan["certificateId"])["certificateDescription"]["status"]
    assert status == "ACTIVE"
    assert emulator.client("s3").get_bucket_versioning(Bucket="fw-elsewhere").get("Status") is None
    journal = (project / ".iotforge" / "journal.jsonl").read_text()
    assert '"audit-deleted"' in journal
    after = run_cli("audit", str(project), "--output", "json")
    assert _findings(after) == {
        ("thing-without-certificate", "dev_1"),
        ("certificate-key-mismatch", foreign["certificateArn"]),
    }


def test_fix_without_a_terminal_or_yes_is_refused_before_any_call(run_cli: CliRunner, aws_env: dict[str, str]) -> None:
    done = run_cli("audit", "--fix", env={**aws_env, "AWS_ENDPOINT_URL": closed_port_url()})
    assert done.returncode == 2, done.stderr
    assert "--yes" in done.stderr


def test_fix_asks_on_a_terminal_and_a_no_changes_nothing(
    aws_env: dict[str, str], emulator: EmulatorHandle, tmp_path: Path
) -> None:
    _ota_bucket(emulator, "fw-ask", [f"{ARN}:thing/x"], protected=False)
    for answer, expected in (("n", None), ("y", "Enabled")):
        primary, secondary = os.openpty()
        try:
            done = _run_on_terminal(aws_env, tmp_path, primary, secondary, answer)
        finally:
            os.close(primary)
        assert "Apply 2 fixes?" in done.stderr
        assert emulator.client("s3").get_bucket_versioning(Bucket="fw-ask").get("Status") == expected


def _run_on_terminal(
    env: dict[str, str], cwd: Path, primary: int, secondary: int, answer: str
) -> subprocess.CompletedProcess[str]:
    """Run audit --fix with a pseudo-terminal as stdin and type `answer` at the prompt."""
    os.write(primary, f"{answer}\n".encode())
    try:
        return subprocess.run(
            [sys.executable, "-m", "iotforge", "audit", "--fix", "--output", "json"],
            env=env,
            stdin=secondary,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=cwd,
            check=False,
        )
    finally:
        os.close(secondary)


def test_not_a_project_is_bad_input(run_cli: CliRunner, aws_env: dict[str, str], tmp_path: Path) -> None:
    done = run_cli("audit", str(tmp_path), env={**aws_env, "AWS_ENDPOINT_URL": closed_port_url()})
    assert done.returncode == 2
    assert "is not a project" in done.stderr


def test_a_part_the_caller_may_not_read_is_reported_not_passed(run_cli: CliRunner, emulator: EmulatorHandle) -> None:
    emulator.set_knobs(deny_actions=["iam:ListRoles"])
    done = run_cli("audit", "--output", "json")
    assert done.returncode == 3, done.stderr
    report = json.loads(done.stdout)
    assert report["findings"] == []
    assert "iam:ListRoles" in report["skipped"]["roles"]
    assert "not audited: roles" in done.stderr
