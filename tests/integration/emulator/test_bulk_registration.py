"""Bulk registration: StartThingRegistrationTask over a provisioning template and a JSON-lines file."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.emulator import EmulatorHandle

BUCKET = "bulk-registration-input"
ROLE_ARN = "arn:aws:iam::123456789012:role/BulkRegistration"
INPUT = "input.jsonl"
BAD_CSR = "-----BEGIN CERTIFICATE REQUEST-----\nnot a CSR\n-----END CERTIFICATE REQUEST-----\n"
KEY = ec.generate_private_key(ec.SECP256R1())

POLICY_DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "iot:Publish",
            "Resource": {
                "Fn::Sub": "arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/devices/"
                "${!iot:Connection.Thing.ThingName}"
            },
        }
    ],
}
TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "SerialNumber": {"Type": "String"},
        "CSR": {"Type": "String"},
        "Location": {"Type": "String", "Default": "WA"},
        "Labels": {"Type": "String", "Default": "indoor,v2"},
        "Tier": {"Type": "String", "Default": "standard"},
    },
    "Mappings": {"Sites": {"WA": {"Site": "seattle"}, "OR": {"Site": "portland"}}},
    "Conditions": {
        "IsPremium": {"Fn::Equals": [{"Ref": "Tier"}, "premium"]},
        "IsRemotePremium": {
            "Fn::And": [{"Condition": "IsPremium"}, {"Fn::Not": [{"Fn::Equals": [{"Ref": "Location"}, "WA"]}]}]
        },
    },
    "Resources": {
        "thing": {
            "Type": "AWS::IoT::Thing",
            "Properties": {
                "ThingName": {"Fn::Join": ["-", ["sensor", {"Ref": "SerialNumber"}]]},
                "ThingTypeName": "sensor",
                "ThingGroups": [{"Ref": "Location"}],
                "AttributePayload": {
                    "serial": {"Ref": "SerialNumber"},
                    "label": {"Fn::Sub": "${SerialNumber}@${AWS::Region}"},
                    "generation": {"Fn::Select": [1, {"Fn::Split": [",", {"Ref": "Labels"}]}]},
                    "site": {"Fn::FindInMap": ["Sites", {"Ref": "Location"}, "Site"]},
                    "tier": {"Fn::If": ["IsPremium", "gold", "basic"]},
                    "remote": {"Fn::If": ["IsRemotePremium", "yes", {"Ref": "AWS::NoValue"}]},
                },
            },
        },
        "certificate": {
            "Type": "AWS::IoT::Certificate",
            "Properties": {"CertificateSigningRequest": {"Ref": "CSR"}, "Status": "ACTIVE"},
        },
        "policy": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": "DevicePolicy"}},
        "topicPolicy": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyDocument": POLICY_DOCUMENT}},
    },
}
SIMPLE_TEMPLATE: dict[str, Any] = {
    "Parameters": {"ThingName": {"Type": "String"}, "CSR": {"Type": "String"}},
    "Resources": {
        "thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Ref": "ThingName"}}},
        "certificate": {
            "Type": "AWS::IoT::Certificate",
            "Properties": {"CertificateSigningRequest": {"Ref": "CSR"}, "Status": "ACTIVE"},
        },
        "policy": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": "DevicePolicy"}},
    },
}


def make_csr(common_name: str) -> str:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    request = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(KEY, hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM).decode()


# One key, a handful of subjects: the throughput under test is the task's, not key generation's.
CSRS = [make_csr(f"device-{index}") for index in range(8)]


def public_der(key: Any) -> bytes:
    return bytes(key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def prepare_account(emulator: EmulatorHandle) -> tuple[Any, Any]:
    iot, s3 = emulator.client("iot"), emulator.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    iot.create_policy(
        policyName="DevicePolicy",
        policyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}]}
        ),
    )
    return iot, s3


def device_lines(count: int, prefix: str = "device") -> list[dict[str, Any]]:
    return [{"ThingName": f"{prefix}-{index:05d}", "CSR": CSRS[index % len(CSRS)]} for index in range(count)]


def start_task(iot: Any, s3: Any, template: dict[str, Any], lines: list[dict[str, Any]], key: str = INPUT) -> str:
    s3.put_object(Bucket=BUCKET, Key=key, Body="".join(json.dumps(line) + "\n" for line in lines).encode())
    started = iot.start_thing_registration_task(
        templateBody=json.dumps(template), inputFileBucket=BUCKET, inputFileKey=key, roleArn=ROLE_ARN
    )
    return str(started["taskId"])


def wait_for_end(iot: Any, task_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        task: dict[str, Any] = iot.describe_thing_registration_task(taskId=task_id)
        if task["status"] not in ("InProgress", "Cancelling"):
            return task
        assert time.monotonic() < deadline, f"task still {task['status']} after {timeout} s: {task}"
        time.sleep(0.1)


def report(iot: Any, task_id: str, report_type: str) -> list[dict[str, Any]]:
    """Every line of a task's report, downloaded from its presigned URLs with plain urllib."""
    entries: list[dict[str, Any]] = []
    paginator = iot.get_paginator("list_thing_registration_task_reports")
    # Small pages, so the 10,000-line task's report files span several.
    pages = paginator.paginate(taskId=task_id, reportType=report_type, PaginationConfig={"PageSize": 4})
    for page in pages:
        assert page["reportType"] == report_type
        for link in page["resourceLinks"]:
            assert "X-Amz-Signature=" in link
            with urllib.request.urlopen(link, timeout=30) as response:
                entries.extend(json.loads(line) for line in response.read().decode().splitlines() if line)
    return sorted(entries, key=lambda entry: entry["lineNumber"])


def test_registers_each_line_through_the_template(emulator: EmulatorHandle) -> None:
    iot, s3 = prepare_account(emulator)
    iot.create_thing_type(thingTypeName="sensor")
    for group in ("WA", "OR"):
        iot.create_thing_group(thingGroupName=group)
    lines = [
        {"SerialNumber": "001", "CSR": CSRS[0]},
        {"SerialNumber": "002", "CSR": CSRS[1], "Location": "OR", "Tier": "premium"},
    ]
    task_id = start_task(iot, s3, TEMPLATE, lines)

    task = wait_for_end(iot, task_id)
    assert task["status"] == "Completed"
    assert (task["successCount"], task["failureCount"], task["percentageProgress"]) == (2, 0, 100)
    assert json.loads(task["templateBody"]) == TEMPLATE
    assert (task["inputFileBucket"], task["inputFileKey"], task["roleArn"]) == (BUCKET, INPUT, ROLE_ARN)

    first = iot.describe_thing(thingName="sensor-001")
    assert first["thingTypeName"] == "sensor"
    assert first["attributes"] == {
        "serial": "001",
        "label": "001@us-east-1",
        "generation": "v2",
        "site": "seattle",
        "tier": "basic",
    }
    second = iot.describe_thing(thingName="sensor-002")
    assert second["attributes"]["site"] == "portland"
    assert (second["attributes"]["tier"], second["attributes"]["remote"]) == ("gold", "yes")
    assert [g["groupName"] for g in iot.list_thing_groups_for_thing(thingName="sensor-001")["thingGroups"]] == ["WA"]
    assert [g["groupName"] for g in iot.list_thing_groups_for_thing(thingName="sensor-002")["thingGroups"]] == ["OR"]

    results = report(iot, task_id, "RESULTS")
    assert [entry["lineNumber"] for entry in results] == [0, 1]
    assert [entry["offset"] for entry in results] == [0, len(json.dumps(lines[0])) + 1]
    assert all(entry["errorMessage"] is None for entry in results)
    assert report(iot, task_id, "ERRORS") == []

    # A policy given only by its document is created once, named after a hash of the document.
    topic_policy_arn = results[0]["response"]["ResourceArns"]["topicPolicy"]
    topic_policy_name = topic_policy_arn.split("/")[-1]
    assert re.fullmatch(r"[0-9a-f]{64}", topic_policy_name)
    topic_policy = iot.get_policy(policyName=topic_policy_name)
    assert "topic/devices/${iot:Connection.Thing.ThingName}" in topic_policy["policyDocument"]
    assert ":123456789012:topic/" in topic_policy["policyDocument"]
    assert len(iot.list_policies()["policies"]) == 2

    for thing_name, entry, csr in (("sensor-001", results[0], CSRS[0]), ("sensor-002", results[1], CSRS[1])):
        arns = entry["response"]["ResourceArns"]
        assert set(arns) == {"thing", "certificate", "policy", "topicPolicy"}
        assert arns["thing"] == iot.describe_thing(thingName=thing_name)["thingArn"]
        assert arns["policy"].endswith(":policy/DevicePolicy")
        assert arns["topicPolicy"] == topic_policy["policyArn"]
        certificate_id = arns["certificate"].split("/")[-1]
        certificate = iot.describe_certificate(certificateId=certificate_id)["certificateDescription"]
        assert certificate["status"] == "ACTIVE"
        assert certificate["certificatePem"] == entry["response"]["CertificatePem"]
        issued = x509.load_pem_x509_certificate(certificate["certificatePem"].encode())
        requested = x509.load_pem_x509_csr(csr.encode())
        assert public_der(issued.public_key()) == public_der(requested.public_key())
        assert iot.list_thing_principals(thingName=thing_name)["principals"] == [arns["certificate"]]
        attached = iot.list_attached_policies(target=arns["certificate"])["policies"]
        assert {p["policyName"] for p in attached} == {"DevicePolicy", topic_policy_name}


def test_bad_lines_land_in_errors_while_the_others_succeed(emulator: EmulatorHandle) -> None:
    iot, s3 = prepare_account(emulator)
    lines: list[dict[str, Any]] = [
        {"ThingName": "good-0", "CSR": CSRS[0]},
        {"ThingName": "bad-csr", "CSR": BAD_CSR},
        {"ThingName": "good-2", "CSR": CSRS[2]},
        {"CSR": CSRS[3]},
    ]
    task_id = start_task(iot, s3, SIMPLE_TEMPLATE, lines)

    task = wait_for_end(iot, task_id)
    assert task["status"] == "Completed"
    assert (task["successCount"], task["failureCount"]) == (2, 2)
    errors = report(iot, task_id, "ERRORS")
    assert [entry["lineNumber"] for entry in errors] == [1, 3]
    assert errors[0]["offset"] == len(json.dumps(lines[0])) + 1
    assert errors[0]["response"] is None
    assert "ResourceRegistrationFailureException" in errors[0]["errorMessage"]
    assert "certificate signing request is not valid" in errors[0]["errorMessage"]
    assert "ThingName" in errors[1]["errorMessage"]
    assert [entry["lineNumber"] for entry in report(iot, task_id, "RESULTS")] == [0, 2]
    # A failed line leaves nothing behind: the registration is all or nothing.
    things = {thing["thingName"] for thing in iot.list_things()["things"]}
    assert things == {"good-0", "good-2"}
    assert len(iot.list_certificates()["certificates"]) == 2


def test_missing_input_file_fails_the_task_with_the_reason(emulator: EmulatorHandle) -> None:
    iot, _ = prepare_account(emulator)
    started = iot.start_thing_registration_task(
        templateBody=json.dumps(SIMPLE_TEMPLATE), inputFileBucket=BUCKET, inputFileKey="missing.jsonl", roleArn=ROLE_ARN
    )

    task = wait_for_end(iot, started["taskId"])
    assert task["status"] == "Failed"
    assert f"s3://{BUCKET}/missing.jsonl" in task["message"]
    assert "does not exist" in task["message"]
    assert report(iot, started["taskId"], "RESULTS") == []


def test_invalid_template_is_refused_at_start(emulator: EmulatorHandle) -> None:
    iot, s3 = prepare_account(emulator)
    s3.put_object(Bucket=BUCKET, Key=INPUT, Body=b"{}\n")
    template = {"Resources": {"thing": {"Type": "AWS::IoT::Widget", "Properties": {}}}}

    with pytest.raises(ClientError) as raised:
        iot.start_thing_registration_task(
            templateBody=json.dumps(template), inputFileBucket=BUCKET, inputFileKey=INPUT, roleArn=ROLE_ARN
        )
    assert raised.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "AWS::IoT::Widget" in raised.value.response["Error"]["Message"]


def test_one_running_task_per_account_and_stop(emulator: EmulatorHandle) -> None:
    iot, s3 = prepare_account(emulator)
    running = start_task(iot, s3, SIMPLE_TEMPLATE, device_lines(3000))

    with pytest.raises(ClientError) as raised:
        start_task(iot, s3, SIMPLE_TEMPLATE, device_lines(1, prefix="second"), key="second.jsonl")
    assert raised.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "only one bulk registration task" in raised.value.response["Error"]["Message"]
    # The limit is per account, across regions.
    with pytest.raises(ClientError):
        emulator.client("iot", region="eu-west-1").start_thing_registration_task(
            templateBody=json.dumps(SIMPLE_TEMPLATE),
            inputFileBucket=BUCKET,
            inputFileKey=INPUT,
            roleArn=ROLE_ARN,
        )

    iot.stop_thing_registration_task(taskId=running)
    stopped = wait_for_end(iot, running)
    assert stopped["status"] == "Cancelled"
    processed = stopped["successCount"] + stopped["failureCount"]
    assert processed < 3000
    assert stopped["percentageProgress"] < 100
    assert len(report(iot, running, "RESULTS")) == stopped["successCount"]
    with pytest.raises(ClientError) as raised:
        iot.stop_thing_registration_task(taskId="no-such-task")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"

    second = start_task(iot, s3, SIMPLE_TEMPLATE, device_lines(1, prefix="second"), key="second.jsonl")
    assert wait_for_end(iot, second)["status"] == "Completed"
    assert iot.describe_thing(thingName="second-00000")["thingName"] == "second-00000"


def test_list_tasks_filters_by_status_and_paginates(emulator: EmulatorHandle) -> None:
    iot, s3 = prepare_account(emulator)
    completed = []
    for index in range(3):
        task_id = start_task(iot, s3, SIMPLE_TEMPLATE, device_lines(1, prefix=f"batch{index}"), key=f"in-{index}.jsonl")
        assert wait_for_end(iot, task_id)["status"] == "Completed"
        completed.append(task_id)
    failed = iot.start_thing_registration_task(
        templateBody=json.dumps(SIMPLE_TEMPLATE), inputFileBucket=BUCKET, inputFileKey="absent.jsonl", roleArn=ROLE_ARN
    )["taskId"]
    assert wait_for_end(iot, failed)["status"] == "Failed"

    first_page = iot.list_thing_registration_tasks(maxResults=2)
    assert first_page["taskIds"] == completed[:2]
    second_page = iot.list_thing_registration_tasks(maxResults=2, nextToken=first_page["nextToken"])
    assert second_page["taskIds"] == [completed[2], failed]
    assert "nextToken" not in second_page
    paginator = iot.get_paginator("list_thing_registration_tasks")
    every = [task_id for page in paginator.paginate(PaginationConfig={"PageSize": 1}) for task_id in page["taskIds"]]
    assert every == [*completed, failed]
    assert iot.list_thing_registration_tasks(status="Completed")["taskIds"] == completed
    assert iot.list_thing_registration_tasks(status="Failed")["taskIds"] == [failed]
    assert iot.list_thing_registration_tasks(status="InProgress")["taskIds"] == []
    assert emulator.client("iot", region="eu-west-1").list_thing_registration_tasks()["taskIds"] == []
    with pytest.raises(ClientError) as raised:
        iot.describe_thing_registration_task(taskId="no-such-task")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_existing_things_follow_override_settings(emulator: EmulatorHandle) -> None:
    iot, s3 = prepare_account(emulator)
    iot.create_thing(thingName="kept", attributePayload={"attributes": {"owner": "ops", "color": "red"}})
    iot.create_thing(thingName="guarded")
    template = json.loads(json.dumps(SIMPLE_TEMPLATE))
    template["Resources"]["thing"]["Properties"]["AttributePayload"] = {"color": "blue", "batch": "7"}
    template["Resources"]["thing"]["OverrideSettings"] = {"AttributePayload": "MERGE"}
    task_id = start_task(iot, s3, template, [{"ThingName": "kept", "CSR": CSRS[0]}])
    assert wait_for_end(iot, task_id)["status"] == "Completed"
    assert iot.describe_thing(thingName="kept")["attributes"] == {"owner": "ops", "color": "blue", "batch": "7"}

    template["Resources"]["thing"]["OverrideSettings"] = {"AttributePayload": "FAIL"}
    task_id = start_task(iot, s3, template, [{"ThingName": "guarded", "CSR": CSRS[1]}], key="guarded.jsonl")
    task = wait_for_end(iot, task_id)
    assert (task["successCount"], task["failureCount"]) == (0, 1)
    assert "ResourceConflictsException" in report(iot, task_id, "ERRORS")[0]["errorMessage"]
    assert iot.describe_thing(thingName="guarded")["attributes"] == {}
    assert iot.list_thing_principals(thingName="guarded")["principals"] == []


@pytest.mark.slow
def test_registers_10000_lines_while_the_emulator_keeps_answering(emulator: EmulatorHandle) -> None:
    iot, s3 = prepare_account(emulator)
    lines = device_lines(10_000)
    began = time.monotonic()
    task_id = start_task(iot, s3, SIMPLE_TEMPLATE, lines)

    slowest_answer = 0.0
    while True:
        asked = time.monotonic()
        task = iot.describe_thing_registration_task(taskId=task_id)
        iot.describe_thing(thingName="device-00000") if task["successCount"] else iot.list_thing_types()
        slowest_answer = max(slowest_answer, time.monotonic() - asked)
        if task["status"] != "InProgress":
            break
        assert time.monotonic() - began < 180, f"10,000 lines not done after 180 s: {task}"
        time.sleep(0.5)
    elapsed = time.monotonic() - began
    print(f"bulk registration of 10,000 lines: {elapsed:.1f} s; slowest answer meanwhile {slowest_answer:.2f} s")

    assert task["status"] == "Completed"
    assert (task["successCount"], task["failureCount"], task["percentageProgress"]) == (10_000, 0, 100)
    assert slowest_answer < 5, "the task must not hold the emulator's lock for long stretches"
    results = report(iot, task_id, "RESULTS")
    assert [entry["lineNumber"] for entry in results] == list(range(10_000))
    assert len({entry["response"]["ResourceArns"]["certificate"] for entry in results}) == 10_000
    last = iot.describe_thing(thingName="device-09999")
    assert results[-1]["response"]["ResourceArns"]["thing"] == last["thingArn"]
    assert len(iot.list_thing_principals(thingName="device-09999")["principals"]) == 1
