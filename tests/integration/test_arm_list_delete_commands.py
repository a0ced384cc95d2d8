"""Listing and deleting in createIoTThings.py's vocabulary (and iotforge's), with the seed's -p and -f."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iotforge.crypto import build_csr, generate_private_key
from tests.conftest import CliRunner
from tests.support.arm_project import OTA_BINARY, signed_update
from tests.support.emulator import EmulatorHandle
from tests.support.fleet import remote_certificates, remote_thing_names


def _json(done: Any) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _certificate(iot: Any) -> str:
    key = generate_private_key("ec-p256")
    made = iot.create_certificate_from_csr(certificateSigningRequest=build_csr(key, "x").decode(), setAsActive=True)
    return str(made["certificateArn"])


def test_listings_read_every_page_and_show_at_most_max_listed(run_cli: CliRunner, emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    for index in range(60):  # more than one ListThings page
        iot.create_thing(thingName=f"fleet_{index}")
    listed = _json(run_cli("list-things", "--max_listed", "5", "--output", "json"))
    assert (listed["kind"], listed["total"], listed["truncated"], len(listed["items"])) == ("things", 60, True, 5)
    native = _json(run_cli("thing", "list", "--max-listed", "100", "--output", "json"))
    assert {item["name"] for item in native["items"]} == {f"fleet_{index}" for index in range(60)}

    everything = _json(run_cli("list-all", "--output", "json"))
    assert list(everything) == ["things", "policies", "roles", "ota-updates", "jobs", "buckets", "certificates"]
    assert everything["things"]["total"] == 60
    assert len(everything["things"]["items"]) == 15
    text = run_cli("list-all", "--max_listed", "2")
    assert "Things (2 of 60)" in text.stdout
    assert "No buckets found." in text.stdout


def test_prune_deletes_only_certificates_nothing_else_uses(run_cli: CliRunner, emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    iot.create_thing(thingName="t1")
    iot.create_policy(policyName="p1", policyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    only_thing, also_policy = _certificate(iot), _certificate(iot)
    for arn in (only_thing, also_policy):
        iot.attach_thing_principal(thingName="t1", principal=arn)
    iot.attach_policy(policyName="p1", target=also_policy)

    thing = _json(run_cli("delete-thing", "-p", "--thing_name", "t1", "--output", "json"))
    assert thing["deleted"] == ["thing t1", f"certificate {only_thing.rsplit('/', 1)[-1]}"]
    assert thing["kept"] == [f"certificate {also_policy.rsplit('/', 1)[-1]}"]
    policy = _json(run_cli("delete-policy", "--prune-certificate", "--policy-name", "p1", "--output", "json"))
    assert policy["deleted"] == ["policy p1", f"certificate {also_policy.rsplit('/', 1)[-1]}"]
    assert remote_certificates(iot) == []

    iot.create_thing(thingName="t2")
    kept = _certificate(iot)
    iot.attach_thing_principal(thingName="t2", principal=kept)
    assert run_cli("thing", "delete", "--thing-name", "t2").returncode == 0  # no -p: the certificate stays
    assert [c["certificateArn"] for c in remote_certificates(iot)] == [kept]
    assert run_cli("delete-thing", "--thing_name", "t2").returncode == 7


def test_delete_certificate_is_refused_while_attached_and_f_deletes_its_users(
    run_cli: CliRunner, emulator: EmulatorHandle
) -> None:
    iot = emulator.client("iot")
    arn = _certificate(iot)
    certificate = arn.rsplit("/", 1)[-1]
    iot.create_thing(thingName="t1")
    iot.attach_thing_principal(thingName="t1", principal=arn)
    iot.create_policy(policyName="p1", policyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    iot.attach_policy(policyName="p1", target=arn)
    refused = run_cli("delete-certificate", "--certificate_id", certificate)
    assert refused.returncode == 8
    assert "thing t1" in refused.stderr
    assert "policy p1" in refused.stderr
    assert iot.describe_certificate(certificateId=certificate)["certificateDescription"]["status"] == "ACTIVE"
    forced = _json(run_cli("cert", "delete", "--certificate-id", certificate, "-f", "--output", "json"))
    assert forced["deleted"] == ["policy p1", "thing t1", f"certificate {certificate}"]
    assert remote_certificates(iot) == []
    assert remote_thing_names(iot) == set()


def test_delete_bucket_needs_f_for_versions_and_delete_markers(run_cli: CliRunner, emulator: EmulatorHandle) -> None:
    assert run_cli("create-bucket-only", "--bucket_name", "fw-bucket").returncode == 0
    s3 = emulator.client("s3")
    assert s3.get_bucket_versioning(Bucket="fw-bucket")["Status"] == "Enabled"
    for body in (b"v1", b"v2"):
        s3.put_object(Bucket="fw-bucket", Key="image.bin", Body=body)
    s3.delete_object(Bucket="fw-bucket", Key="image.bin")  # a delete marker over two versions
    refused = run_cli("delete-bucket", "--bucket_name", "fw-bucket")
    assert refused.returncode == 8
    assert "-f" in refused.stderr
    assert run_cli("delete-bucket", "--bucket_name", "fw-bucket", "-f").returncode == 0
    assert s3.list_buckets()["Buckets"] == []


def test_jobs_create_list_delete(run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle) -> None:
    emulator.client("iot").create_thing(thingName="t1")
    (tmp_path / "doc.json").write_text('{"operation": "reboot"}')
    made = _json(run_cli("job", "create", "--job-id", "reboot-1", "--document", "doc.json", "--thing", "t1",
                         "--output", "json"))  # fmt: skip
    assert made["targets"][0].endswith(":thing/t1")
    listed = _json(run_cli("list-jobs", "--output", "json"))
    assert [item["name"] for item in listed["items"]] == ["reboot-1"]
    assert run_cli("delete-job", "--job_name", "reboot-1", "-f").returncode == 0
    assert _json(run_cli("job", "list", "--output", "json"))["total"] == 0


def test_roles_prefix_reuse_fit_checks_and_deleting_a_role_an_update_uses(
    run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle
) -> None:
    iot, iam = emulator.client("iot"), emulator.client("iam")
    iot.create_thing(thingName="t1")
    iot.create_policy(policyName="p1", policyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    role = _json(run_cli("create-iam-role-only", "--iam_role_name", "ota", "--role_prefix", "Proj",
                         "--bucket_name", "fw-a", "--output", "json"))  # fmt: skip
    assert role["name"] == "Proj-ota"
    assert role["created"] is True
    trust = iam.get_role(RoleName="Proj-ota")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "iot.amazonaws.com"}
    # Reused for another bucket: iotforge widens its own policy, and says so.
    again = run_cli("role", "create", "--iam-role-name", "Proj-ota", "--role-prefix", "Proj", "--bucket-name", "fw-b")
    assert again.returncode == 0
    assert "may now also read firmware from bucket fw-b" in again.stderr

    iam.create_role(RoleName="ec2-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))  # fmt: skip
    unfit = run_cli("create-iam-role-only", "--iam_role_name", "ec2-role", "--bucket_name", "fw-a")
    assert unfit.returncode == 1
    assert "does not trust iot.amazonaws.com" in unfit.stderr

    certificate = signed_update(tmp_path)
    assert run_cli("create-bucket-only", "--bucket_name", "fw-b").returncode == 0
    update = ("create-update-only", "--thing_name", "t1", "--policy_name", "p1", "--bucket_name", "fw-b",
              "--iam_role_name", "Proj-ota", "--ota_binary", OTA_BINARY, "--cert", str(certificate))  # fmt: skip
    created = _json(run_cli(*update, "--update_name", "u1", "--output", "json"))
    assert created["ota"]["status"] == "CREATE_COMPLETE"
    assert created["ota"]["signature_algorithm"] == "RSA"
    iot.create_job(jobId="AFR_OTA-u2", targets=[iot.describe_thing(thingName="t1")["thingArn"]], document="{}")
    failed = run_cli(*update, "--update_name", "u2")
    assert failed.returncode == 1
    assert "Job AFR_OTA-u2 already exists" in failed.stderr

    in_use = run_cli("delete-iam-role", "--iam_role_name", "Proj-ota", "-f")
    assert in_use.returncode == 2
    assert "OTA update(s) u1" in in_use.stderr
    assert run_cli("delete-iam-role", "--iam_role_name", "Proj-ota").returncode == 8
    assert run_cli("delete-iam-role", "--iam_role_name", "Proj-ota", "-f", "--yes").returncode == 0
    assert "Proj-ota" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
