"""The Jobs data plane over HTTP (`iot-jobs-data`), as the emulator serves it.

Real devices authenticate HTTP Jobs calls with their X.509 certificate on the account's
`iot:Jobs` endpoint; the emulator takes SigV4 with the settings' credentials, so one shared,
thread-safe boto3 client (built by wiring.py) serves every simulated device.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from iotforge.device.models import JobExecution, PendingJobs
from iotforge.device.transport import TransportError, execution_from_wire, pending_from_wire


@contextmanager
def _translated(operation: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        details = error.response.get("Error", {})
        raise TransportError(str(details.get("Code") or "Unknown"), str(details.get("Message") or error)) from error
    except BotoCoreError as error:
        raise TransportError("Unreachable", f"{operation}: {error}") from error


class JobsHttpTransport:
    """One device's Jobs calls through a shared `iot-jobs-data` client."""

    def __init__(self, client: Any, thing_name: str) -> None:
        self._client = client
        self.thing_name = thing_name

    def get_pending(self) -> PendingJobs:
        with _translated("GetPendingJobExecutions"):
            answer = self._client.get_pending_job_executions(thingName=self.thing_name)
        return pending_from_wire(answer)

    def start_next(self, status_details: Mapping[str, str] | None = None) -> JobExecution | None:
        extra = {} if status_details is None else {"statusDetails": dict(status_details)}
        with _translated("StartNextPendingJobExecution"):
            answer = self._client.start_next_pending_job_execution(thingName=self.thing_name, **extra)
        execution = answer.get("execution")
        return execution_from_wire(execution) if execution else None

    def describe(self, job_id: str) -> JobExecution:
        with _translated("DescribeJobExecution"):
            answer = self._client.describe_job_execution(
                jobId=job_id, thingName=self.thing_name, includeJobDocument=True
            )
        return execution_from_wire(answer["execution"])

    def update(self, job_id: str, status: str, status_details: Mapping[str, str] | None = None) -> None:
        extra = {} if status_details is None else {"statusDetails": dict(status_details)}
        with _translated("UpdateJobExecution"):
            self._client.update_job_execution(jobId=job_id, thingName=self.thing_name, status=status, **extra)

    def close(self) -> None:
        return None  # the client is shared; wiring owns it
