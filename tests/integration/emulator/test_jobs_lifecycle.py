"""Jobs whose status and counters follow their executions, driven by a device over iot-jobs-data."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulator.jobs_support import ACCOUNT, REGION, make_group, thing_arn, wait_for
from tests.support.emulator import EmulatorHandle

DOCUMENT = json.dumps({"operation": "reboot"})


def _counts(iot: object, job_id: str) -> dict[str, int]:
    details = iot.describe_job(jobId=job_id)["job"]["jobProcessDetails"]  # type: ignore[attr-defined]
    return {key: value for key, value in details.items() if key.startswith("numberOf") and value}


def test_snapshot_group_job_expands_members_and_completes_with_its_executions(emulator: EmulatorHandle) -> None:
    iot, device = emulator.client("iot"), emulator.client("iot-jobs-data")
    group = make_group(iot, "fleet", ["t1", "t2", "t3"])
    created = iot.create_job(jobId="reboot-1", targets=[group], document=DOCUMENT, description="reboot")
    assert created["jobArn"] == f"arn:aws:iot:{REGION}:{ACCOUNT}:job/reboot-1"
    iot.create_thing(thingName="late")
    iot.add_thing_to_thing_group(thingGroupName="fleet", thingName="late")

    job = iot.describe_job(jobId="reboot-1")["job"]
    assert (job["status"], job["targetSelection"], job["targets"]) == ("IN_PROGRESS", "SNAPSHOT", [group])
    assert _counts(iot, "reboot-1") == {"numberOfQueuedThings": 3}
    listed = iot.list_job_executions_for_job(jobId="reboot-1")["executionSummaries"]
    assert sorted(entry["thingArn"] for entry in listed) == [thing_arn("t1"), thing_arn("t2"), thing_arn("t3")]
    late = device.get_pending_job_executions(thingName="late")
    assert (late["inProgressJobs"], late["queuedJobs"]) == ([], [])

    pending = device.get_pending_job_executions(thingName="t1")
    assert [entry["jobId"] for entry in pending["queuedJobs"]] == ["reboot-1"]
    started = device.start_next_pending_job_execution(thingName="t1", statusDetails={"step": "download"})["execution"]
    assert (started["status"], started["statusDetails"], json.loads(started["jobDocument"])) == (
        "IN_PROGRESS",
        {"step": "download"},
        {"operation": "reboot"},
    )
    assert _counts(iot, "reboot-1") == {"numberOfQueuedThings": 2, "numberOfInProgressThings": 1}
    state = device.update_job_execution(
        jobId="reboot-1",
        thingName="t1",
        status="SUCCEEDED",
        expectedVersion=started["versionNumber"],
        includeJobExecutionState=True,
    )["executionState"]
    assert state["status"] == "SUCCEEDED"
    device.update_job_execution(jobId="reboot-1", thingName="t2", status="FAILED", statusDetails={"reason": "disk"})
    assert iot.describe_job(jobId="reboot-1")["job"]["status"] == "IN_PROGRESS"
    device.update_job_execution(jobId="reboot-1", thingName="t3", status="REJECTED")

    job = iot.describe_job(jobId="reboot-1")["job"]
    assert job["status"] == "COMPLETED"
    assert "completedAt" in job
    assert _counts(iot, "reboot-1") == {
        "numberOfSucceededThings": 1,
        "numberOfFailedThings": 1,
        "numberOfRejectedThings": 1,
    }
    failed = iot.list_job_executions_for_job(jobId="reboot-1", status="FAILED")["executionSummaries"]
    assert [entry["thingArn"] for entry in failed] == [thing_arn("t2")]
    execution = iot.describe_job_execution(jobId="reboot-1", thingName="t2")["execution"]
    assert execution["statusDetails"] == {"detailsMap": {"reason": "disk"}}
    for_thing = iot.list_job_executions_for_thing(thingName="t1")["executionSummaries"]
    assert [(entry["jobId"], entry["jobExecutionSummary"]["status"]) for entry in for_thing] == [
        ("reboot-1", "SUCCEEDED")
    ]
    assert json.loads(iot.get_job_document(jobId="reboot-1")["document"]) == {"operation": "reboot"}
    assert [job["jobId"] for job in iot.list_jobs(status="COMPLETED")["jobs"]] == ["reboot-1"]


def test_continuous_job_reaches_things_added_to_the_group_later(emulator: EmulatorHandle) -> None:
    iot, device = emulator.client("iot"), emulator.client("iot-jobs-data")
    group = make_group(iot, "rollout", ["first"])
    iot.create_job(jobId="always", targets=[group], document=DOCUMENT, targetSelection="CONTINUOUS")
    for name in ("second", "leaver"):
        iot.create_thing(thingName=name)
        iot.add_thing_to_thing_group(thingGroupName="rollout", thingName=name)

    assert [entry["jobId"] for entry in device.get_pending_job_executions(thingName="second")["queuedJobs"]] == [
        "always"
    ]
    iot.remove_thing_from_thing_group(thingGroupName="rollout", thingName="leaver")
    for name in ("first", "second"):
        device.update_job_execution(jobId="always", thingName=name, status="SUCCEEDED")

    job = iot.describe_job(jobId="always")["job"]
    assert job["status"] == "IN_PROGRESS"  # a CONTINUOUS job never completes by itself
    assert _counts(iot, "always") == {"numberOfSucceededThings": 2, "numberOfRemovedThings": 1}
    assert [job["jobId"] for job in iot.list_jobs(thingGroupName="rollout", targetSelection="CONTINUOUS")["jobs"]] == [
        "always"
    ]


def test_cancel_job_cancels_queued_executions_and_force_cancels_running_ones(emulator: EmulatorHandle) -> None:
    iot, device = emulator.client("iot"), emulator.client("iot-jobs-data")
    group = make_group(iot, "g", ["busy", "idle"])
    iot.create_job(jobId="stop-me", targets=[group], document=DOCUMENT)
    device.start_next_pending_job_execution(thingName="busy")

    iot.cancel_job(jobId="stop-me", reasonCode="BAD_BUILD", comment="wrong image")
    job = iot.describe_job(jobId="stop-me")["job"]
    assert (job["status"], job["reasonCode"], job["comment"], job["forceCanceled"]) == (
        "CANCELED",
        "BAD_BUILD",
        "wrong image",
        False,
    )
    assert _counts(iot, "stop-me") == {"numberOfCanceledThings": 1, "numberOfInProgressThings": 1}
    assert device.get_pending_job_executions(thingName="idle")["queuedJobs"] == []

    iot.cancel_job(jobId="stop-me", force=True)
    assert iot.describe_job(jobId="stop-me")["job"]["forceCanceled"] is True
    execution = iot.describe_job_execution(jobId="stop-me", thingName="busy")["execution"]
    assert (execution["status"], execution["forceCanceled"]) == ("CANCELED", True)
    with pytest.raises(ClientError) as raised:
        device.update_job_execution(jobId="stop-me", thingName="busy", status="SUCCEEDED")
    assert raised.value.response["Error"]["Code"] == "InvalidStateTransitionException"


def test_delete_job_needs_force_while_in_progress_then_passes_through_deletion(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    iot.create_thing(thingName="solo")
    iot.create_job(jobId="doomed", targets=[thing_arn("solo")], document=DOCUMENT)

    with pytest.raises(ClientError) as raised:
        iot.delete_job(jobId="doomed")
    assert raised.value.response["Error"]["Code"] == "InvalidStateTransitionException"
    iot.delete_job(jobId="doomed", force=True)
    assert iot.describe_job(jobId="doomed")["job"]["status"] == "DELETION_IN_PROGRESS"

    def gone() -> bool:
        try:
            iot.describe_job(jobId="doomed")
        except ClientError as error:
            return error.response["Error"]["Code"] == "ResourceNotFoundException"
        return False

    assert wait_for(gone)
    assert iot.list_jobs()["jobs"] == []


def test_execution_versions_transitions_cancel_and_delete(emulator: EmulatorHandle) -> None:
    iot, device = emulator.client("iot"), emulator.client("iot-jobs-data")
    group = make_group(iot, "g", ["a", "b", "c"])
    iot.create_job(jobId="strict", targets=[group], document=DOCUMENT)
    started = device.start_next_pending_job_execution(thingName="a")["execution"]

    def code_of(call: object, **kwargs: object) -> str:
        with pytest.raises(ClientError) as raised:
            call(**kwargs)  # type: ignore[operator]
        return str(raised.value.response["Error"]["Code"])

    update = device.update_job_execution
    assert code_of(
        update, jobId="strict", thingName="a", status="SUCCEEDED", expectedVersion=started["versionNumber"] + 5
    ) == ("VersionConflictException")
    assert code_of(update, jobId="strict", thingName="a", status="CANCELED") == "InvalidRequestException"
    assert code_of(update, jobId="strict", thingName="nobody", status="SUCCEEDED") == "ResourceNotFoundException"
    assert code_of(iot.cancel_job_execution, jobId="strict", thingName="a") == "InvalidStateTransitionException"
    iot.cancel_job_execution(jobId="strict", thingName="b")
    assert device.describe_job_execution(jobId="strict", thingName="b")["execution"]["status"] == "CANCELED"
    assert (
        code_of(iot.delete_job_execution, jobId="strict", thingName="a", executionNumber=1)
        == "InvalidStateTransitionException"
    )
    iot.delete_job_execution(jobId="strict", thingName="b", executionNumber=1)
    update(jobId="strict", thingName="a", status="SUCCEEDED")
    assert code_of(update, jobId="strict", thingName="a", status="FAILED") == "InvalidStateTransitionException"
    device.update_job_execution(jobId="strict", thingName="c", status="SUCCEEDED")

    assert _counts(iot, "strict") == {"numberOfSucceededThings": 2}
    assert iot.describe_job(jobId="strict")["job"]["status"] == "COMPLETED"


def test_create_job_checks_its_input_and_reads_documents_from_s3(emulator: EmulatorHandle) -> None:
    iot, s3 = emulator.client("iot"), emulator.client("s3")
    iot.create_thing(thingName="t")

    def code_of(**kwargs: object) -> str:
        with pytest.raises(ClientError) as raised:
            iot.create_job(**kwargs)
        return str(raised.value.response["Error"]["Code"])

    assert code_of(jobId="x", targets=[thing_arn("ghost")], document=DOCUMENT) == "ResourceNotFoundException"
    assert code_of(jobId="x", targets=[thing_arn("t")], document="not json") == "InvalidRequestException"
    assert code_of(jobId="x", targets=[thing_arn("t")]) == "InvalidRequestException"
    s3.create_bucket(Bucket="docs")
    s3.put_object(Bucket="docs", Key="jobs/update.json", Body=b'{"from": "s3"}')
    iot.create_job(
        jobId="from-s3", targets=[thing_arn("t")], documentSource="https://s3.amazonaws.com/docs/jobs/update.json"
    )
    assert iot.describe_job(jobId="from-s3")["documentSource"] == "https://s3.amazonaws.com/docs/jobs/update.json"
    assert json.loads(iot.get_job_document(jobId="from-s3")["document"]) == {"from": "s3"}
    assert code_of(jobId="from-s3", targets=[thing_arn("t")], document=DOCUMENT) == "ResourceAlreadyExistsException"


def test_deleting_a_thing_removes_its_queued_execution(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    group = make_group(iot, "g", ["stays", "goes"])
    iot.create_job(jobId="j", targets=[group], document=DOCUMENT)
    iot.remove_thing_from_thing_group(thingGroupName="g", thingName="goes")
    iot.delete_thing(thingName="goes")
    time.sleep(0.01)
    assert _counts(iot, "j") == {"numberOfQueuedThings": 1, "numberOfRemovedThings": 1}


def test_update_job_and_associate_targets_with_a_continuous_job(emulator: EmulatorHandle) -> None:
    iot, device = emulator.client("iot"), emulator.client("iot-jobs-data")
    iot.create_thing(thingName="one")
    group = make_group(iot, "extra", ["two", "three"])
    iot.create_job(jobId="grows", targets=[thing_arn("one")], document=DOCUMENT, targetSelection="CONTINUOUS")
    iot.update_job(jobId="grows", description="now with more", timeoutConfig={"inProgressTimeoutInMinutes": 10})

    iot.associate_targets_with_job(jobId="grows", targets=[group])
    job = iot.describe_job(jobId="grows")["job"]
    assert (job["description"], job["timeoutConfig"], job["targets"]) == (
        "now with more",
        {"inProgressTimeoutInMinutes": 10},
        [thing_arn("one"), group],
    )
    assert [entry["jobId"] for entry in device.get_pending_job_executions(thingName="three")["queuedJobs"]] == ["grows"]
    iot.create_job(jobId="fixed", targets=[thing_arn("one")], document=DOCUMENT)
    with pytest.raises(ClientError) as raised:
        iot.associate_targets_with_job(jobId="fixed", targets=[group])
    assert raised.value.response["Error"]["Code"] == "InvalidRequestException"
