"""Scenario 5: bulk registration (StartThingRegistrationTask) for fleets too big for per-call provisioning."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.context import Context
from benchmarks.emulator import EmulatorProcess
from benchmarks.measure import BenchmarkError
from benchmarks.model import Bound, Measurement, ScenarioResult
from iotforge.crypto import build_csr, generate_private_key, private_key_pem

KNOBS = {"latency_ms": 50, "quotas": "aws"}
BUCKET = "iotforge-bench-bulk"
INPUT_KEY = "bulk/input.jsonl"
ROLE_ARN = "arn:aws:iam::123456789012:role/IotforgeBenchBulkRegistration"
POLICY = "bench_policy"
POLL_SECONDS = 0.25
SOURCE = "https://docs.aws.amazon.com/iot/latest/developerguide/bulk-provisioning.html"
TEMPLATE = {
    "Parameters": {"ThingName": {"Type": "String"}, "CSR": {"Type": "String"}},
    "Resources": {
        "thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Ref": "ThingName"}}},
        "certificate": {
            "Type": "AWS::IoT::Certificate",
            "Properties": {"CertificateSigningRequest": {"Ref": "CSR"}, "Status": "ACTIVE"},
        },
        "policy": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": POLICY}},
    },
}
AWS_BOUND = Bound(
    15.0,
    "things/s",
    "on AWS: one bulk registration task at a time per account, and the task's own CreateThing, "
    "CreateCertificateFromCsr and AttachPolicy calls count against the account's 15/s quotas "
    f"(AWS IoT developer guide, Bulk registration: {SOURCE})",
)
TOOL = "boto3 + StartThingRegistrationTask"


def run(ctx: Context) -> list[ScenarioResult]:
    count = ctx.sizes.bulk_things
    result = ScenarioResult("bulk", f"Bulk registration of {count:,} things (emulator)", AWS_BOUND, KNOBS)
    phases: dict[str, list[float]] = {"prepare": [], "register": [], "reports": [], "total": []}
    with EmulatorProcess(KNOBS, ctx.work / "logs" / "emulator-bulk.log") as emulator:
        for round_number in range(1, ctx.runs + 1):
            ctx.log(f"bulk round {round_number}/{ctx.runs}: {count} things")
            emulator.reset(ctx.settle)
            _prepare_account(emulator)
            timings = _register(emulator, ctx.fresh_dir("bulk"), count)
            for phase, seconds in timings.items():
                phases[phase].append(seconds)
            ctx.log("  " + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in timings.items()))
    result.measurements += [
        Measurement(
            "prepare: keys, CSRs, JSON-lines file",
            "wall_seconds",
            "s",
            count,
            phases["prepare"],
            details={"keys_per_second": [count / seconds for seconds in phases["prepare"]]},
        ),
        Measurement("registration task (start to Completed)", "wall_seconds", "s", count, phases["register"]),
        Measurement("reports: certificates downloaded", "wall_seconds", "s", count, phases["reports"]),
        Measurement(f"{TOOL}, end to end", "wall_seconds", "s", count, phases["total"]),
        Measurement(
            f"{TOOL}, end to end",
            "throughput",
            "things/s",
            count,
            [count / seconds for seconds in phases["total"]],
            throughput=True,
        ),
    ]
    result.notes += [
        "End to end: make each key locally (kept on disk, 0600) and its CSR, write the JSON-lines input, upload it "
        "to S3, StartThingRegistrationTask, poll DescribeThingRegistrationTask every "
        f"{POLL_SECONDS:g} s until Completed, then fetch the RESULTS reports and write each certificate beside its "
        "key. Bucket and policy exist beforehand (account setup, not timed).",
        f"The emulator does not throttle the task's internal calls, so its end-to-end rate is not what AWS would "
        f"give: on AWS the same calls count against the 15/s quotas, so {count:,} things would take at least "
        f"{count / AWS_BOUND.value / 60:.1f} min (no ratio to the bound is reported for this reason).",
        f"Source for the AWS behaviour: {SOURCE} ('Only one bulk registration operation task can run at a time "
        "(per account)'; bulk registration 'call[s] other AWS IoT control plane API operations' that 'might exceed "
        "the AWS IoT Throttling Quotas').",
    ]
    result.sources.append(SOURCE)
    return [result]


def _prepare_account(emulator: EmulatorProcess) -> None:
    emulator.client("s3").create_bucket(Bucket=BUCKET)
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"}]}
    emulator.client("iot").create_policy(policyName=POLICY, policyDocument=json.dumps(document))


def _register(emulator: EmulatorProcess, folder: Path, count: int) -> dict[str, float]:
    iot, s3 = emulator.client("iot"), emulator.client("s3")
    started = time.perf_counter()
    names = [f"bulk_{index}" for index in range(count)]
    input_file = _prepare(folder, names)
    prepared = time.perf_counter()
    s3.put_object(Bucket=BUCKET, Key=INPUT_KEY, Body=input_file.read_bytes())
    task_id = iot.start_thing_registration_task(
        templateBody=json.dumps(TEMPLATE), inputFileBucket=BUCKET, inputFileKey=INPUT_KEY, roleArn=ROLE_ARN
    )["taskId"]
    task = _wait(iot, task_id, timeout=600 + count * 0.1)
    registered = time.perf_counter()
    if task["status"] != "Completed" or task["successCount"] != count:
        raise BenchmarkError(f"bulk registration ended {task['status']} with {task['successCount']}/{count}: {task}")
    written = _write_certificates(iot, task_id, folder, names)
    finished = time.perf_counter()
    if written != count:
        raise BenchmarkError(f"bulk registration reports held {written} certificates, not {count}")
    return {
        "prepare": prepared - started,
        "register": registered - prepared,
        "reports": finished - registered,
        "total": finished - started,
    }


def _prepare(folder: Path, names: list[str]) -> Path:
    """Keys on disk (0600), and the JSON-lines input naming each thing and its CSR."""
    keys = folder / "keys"
    keys.mkdir()
    lines = []
    for name in names:
        key = generate_private_key("ec-p256")
        descriptor = os.open(keys / f"{name}.pem.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(private_key_pem(key))
        lines.append(json.dumps({"ThingName": name, "CSR": build_csr(key, name).decode()}))
    input_file = folder / "input.jsonl"
    input_file.write_text("\n".join(lines) + "\n")
    return input_file


def _wait(iot: Any, task_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        task: dict[str, Any] = iot.describe_thing_registration_task(taskId=task_id)
        if task["status"] not in ("InProgress", "Cancelling"):
            return task
        if time.monotonic() > deadline:
            raise BenchmarkError(f"bulk registration task still {task['status']} after {timeout:.0f} s")
        time.sleep(POLL_SECONDS)


def _write_certificates(iot: Any, task_id: str, folder: Path, names: list[str]) -> int:
    certificates = folder / "certificates"
    certificates.mkdir()
    written = 0
    paginator = iot.get_paginator("list_thing_registration_task_reports")
    for page in paginator.paginate(taskId=task_id, reportType="RESULTS"):
        for link in page["resourceLinks"]:
            with urllib.request.urlopen(link, timeout=60) as response:  # noqa: S310 (the emulator, loopback)
                report = response.read().decode()
            for line in report.splitlines():
                if not line.strip():
                    continue
                entry = json.loads(line)
                pem = (entry.get("response") or {}).get("CertificatePem")
                if pem:
                    (certificates / f"{names[entry['lineNumber']]}.pem.crt").write_text(pem)
                    written += 1
    return written
