"""Rollout rates, abort criteria and timeouts of jobs, with job minutes shrunk by the emulator's time scale."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.integration.emulator.jobs_support import TIME_SCALE_PATH, make_group, set_seconds_per_minute, thing_arn
from tests.support.emulator import EmulatorHandle

DOCUMENT = json.dumps({"operation": "update"})


def _offered(device: Any, things: list[str]) -> list[str]:
    """The things whose device is offered a queued job."""
    return [name for name in things if device.get_pending_job_executions(thingName=name)["queuedJobs"]]


def _status(iot: Any, job_id: str, thing: str) -> str:
    return str(iot.describe_job_execution(jobId=job_id, thingName=thing)["execution"]["status"])


def test_time_scale_route_answers_signed_and_unsigned_calls(emulator: EmulatorHandle) -> None:
    assert set_seconds_per_minute(emulator, 0.25) == {"seconds_per_minute": 0.25}
    env = emulator.env
    request = AWSRequest(method="GET", url=emulator.url + TIME_SCALE_PATH)
    SigV4Auth(Credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]), "iot", "us-east-1").add_auth(request)
    signed = urllib.request.Request(request.url, headers=dict(request.headers.items()), method="GET")
    with urllib.request.urlopen(signed, timeout=10) as response:
        assert json.loads(response.read()) == {"seconds_per_minute": 0.25}
    emulator.reset()
    with urllib.request.urlopen(emulator.url + TIME_SCALE_PATH, timeout=10) as response:
        assert json.loads(response.read()) == {"seconds_per_minute": 60.0}


def test_maximum_per_minute_holds_back_executions_until_the_rate_allows(emulator: EmulatorHandle) -> None:
    iot, device = emulator.client("iot"), emulator.client("iot-jobs-data")
    set_seconds_per_minute(emulator, 0.6)
    things = [f"d{index}" for index in range(5)]
    group = make_group(iot, "wave", things)
    iot.create_job(jobId="slow", targets=[group], document=DOCUMENT, jobExecutionsRolloutConfig={"maximumPerMinute": 2})

    assert len(_offered(device, things)) == 2
    statuses = iot.list_job_executions_for_job(jobId="slow")["executionSummaries"]
    assert [entry["jobExecutionSummary"]["status"] for entry in statuses] == ["QUEUED"] * 5
    held_back = next(name for name in things if name not in _offered(device, things))
    with pytest.raises(ClientError):
        device.describe_job_execution(jobId="slow", thingName=held_back)
    time.sleep(0.65)
    assert len(_offered(device, things)) == 4
    time.sleep(0.65)
    assert len(_offered(device, things)) == 5


def test_exponential_rate_grows_as_things_succeed(emulator: EmulatorHandle) -> None:
    iot, device = emulator.client("iot"), emulator.client("iot-jobs-data")
    things = [f"e{index}" for index in range(5)]
    group = make_group(iot, "exp", things)
    rollout = {
        "exponentialRate": {
            "baseRatePerMinute": 1,
            "incrementFactor": 3,
            "rateIncreaseCriteria": {"numberOfSucceededThings": 1},
        }
    }
    iot.create_job(jobId="grow", targets=[group], document=DOCUMENT, jobExecutionsRolloutConfig=rollout)

    first = _offered(device, things)
    assert len(first) == 1
    device.update_job_execution(jobId="grow", thingName=first[0], status="SUCCEEDED")
    assert len(_offered(device, things)) == 2  # rate 3 per minute, one already used this minute


def test_abort_criteria_cancel_the_job_and_its_queued_executions(emulator: EmulatorHandle) -> None:
    iot, device = emulator.client("iot"), emulator.client("iot-jobs-data")
    group = make_group(iot, "risky", ["f1", "f2", "busy", "waiting"])
    abort = {
        "criteriaList": [
            {"failureType": "FAILED", "action": "CANCEL", "thresholdPercentage": 50, "minNumberOfExecutedThings": 2}
        ]
    }
    iot.create_job(jobId="guarded", targets=[group], document=DOCUMENT, abortConfig=abort)
    device.start_next_pending_job_execution(thingName="busy")

    device.update_job_execution(jobId="guarded", thingName="f1", status="FAILED")
    assert iot.describe_job(jobId="guarded")["job"]["status"] == "IN_PROGRESS"  # 1 executed < minimum 2
    device.update_job_execution(jobId="guarded", thingName="f2", status="FAILED")

    job = iot.describe_job(jobId="guarded")["job"]
    assert (job["status"], job["reasonCode"], job["forceCanceled"]) == ("CANCELED", "ABORT_CRITERIA_MET", False)
    assert "abort" in job["comment"]
    assert [_status(iot, "guarded", name) for name in ("f1", "f2", "busy", "waiting")] == [
        "FAILED",
        "FAILED",
        "IN_PROGRESS",
        "CANCELED",
    ]
    assert device.get_pending_job_executions(thingName="waiting")["queuedJobs"] == []


def test_in_progress_timeout_times_executions_out(emulator: EmulatorHandle) -> None:
    iot, device = emulator.client("iot"), emulator.client("iot-jobs-data")
    set_seconds_per_minute(emulator, 0.05)
    iot.create_thing(thingName="sleepy")
    iot.create_job(
        jobId="timed", targets=[thing_arn("sleepy")], document=DOCUMENT, timeoutConfig={"inProgressTimeoutInMinutes": 3}
    )
    started = device.start_next_pending_job_execution(thingName="sleepy")["execution"]
    assert 0 < started["approximateSecondsBeforeTimedOut"] <= 180

    time.sleep(0.2)
    assert _status(iot, "timed", "sleepy") == "TIMED_OUT"
    with pytest.raises(ClientError) as raised:
        device.update_job_execution(jobId="timed", thingName="sleepy", status="SUCCEEDED")
    assert raised.value.response["Error"]["Code"] == "InvalidStateTransitionException"
    job = iot.describe_job(jobId="timed")["job"]
    assert (job["status"], job["jobProcessDetails"]["numberOfTimedOutThings"]) == ("COMPLETED", 1)


def test_step_timeouts_are_reset_cleared_and_enforced(emulator: EmulatorHandle) -> None:
    iot, device = emulator.client("iot"), emulator.client("iot-jobs-data")
    set_seconds_per_minute(emulator, 0.05)
    group = make_group(iot, "steps", ["careful", "stuck"])
    iot.create_job(jobId="stepped", targets=[group], document=DOCUMENT)

    device.start_next_pending_job_execution(thingName="careful", stepTimeoutInMinutes=2)
    device.update_job_execution(jobId="stepped", thingName="careful", status="IN_PROGRESS", stepTimeoutInMinutes=20)
    device.start_next_pending_job_execution(thingName="stuck", stepTimeoutInMinutes=1)
    time.sleep(0.15)
    assert [_status(iot, "stepped", name) for name in ("careful", "stuck")] == ["IN_PROGRESS", "TIMED_OUT"]
    device.update_job_execution(jobId="stepped", thingName="careful", status="IN_PROGRESS", stepTimeoutInMinutes=-1)
    time.sleep(1.05)
    assert _status(iot, "stepped", "careful") == "IN_PROGRESS"
    device.update_job_execution(jobId="stepped", thingName="careful", status="SUCCEEDED")
    assert iot.describe_job(jobId="stepped")["job"]["status"] == "COMPLETED"
