"""The one interface between a simulated device and AWS IoT Jobs: the four data-plane operations.

`JobsHttpTransport` (http_transport.py) speaks the `iot-jobs-data` HTTP API (the emulator);
`JobsMqttTransport` (mqtt_transport.py) the Jobs MQTT topics over mutual TLS (real AWS IoT).
Both turn the service's answers into the same models with the helpers below, so the device
logic (agent.py) is written once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from iotforge.device.models import DeviceIdentity, JobExecution, PendingJobs

# Error codes (HTTP "...Exception" names and MQTT rejected codes alike) meaning the execution is over:
# the job was canceled, the execution timed out or was removed. The device drops the job.
_GONE_CODES = frozenset({"InvalidStateTransition", "ResourceNotFound", "TerminalStateReached", "TerminalState"})


class TransportError(Exception):
    """A Jobs call that failed: `code` is the service's error code without the "Exception" suffix."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code.removesuffix("Exception")
        self.message = message

    @property
    def execution_gone(self) -> bool:
        """True when the execution ended elsewhere, so retrying cannot help."""
        return self.code in _GONE_CODES


class JobsTransport(Protocol):
    """One device's connection to AWS IoT Jobs (each transport is bound to one thing)."""

    def get_pending(self) -> PendingJobs: ...

    def start_next(self, status_details: Mapping[str, str] | None = None) -> JobExecution | None: ...

    def describe(self, job_id: str) -> JobExecution: ...

    def update(self, job_id: str, status: str, status_details: Mapping[str, str] | None = None) -> None: ...

    def close(self) -> None: ...


TransportFactory = Callable[[DeviceIdentity], JobsTransport]


def pending_from_wire(answer: Mapping[str, Any]) -> PendingJobs:
    """GetPendingJobExecutions' answer (HTTP body or MQTT accepted payload)."""
    return PendingJobs(
        in_progress=tuple(str(entry["jobId"]) for entry in answer.get("inProgressJobs") or ()),
        queued=tuple(str(entry["jobId"]) for entry in answer.get("queuedJobs") or ()),
    )


def execution_from_wire(execution: Mapping[str, Any]) -> JobExecution:
    """A JobExecution from either API: HTTP carries the document as a string, MQTT as an object."""
    document = execution.get("jobDocument")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            document = {"_unparsable": document}
    details = execution.get("statusDetails") or {}
    if isinstance(details, Mapping) and isinstance(details.get("detailsMap"), Mapping):
        details = details["detailsMap"]
    return JobExecution(
        job_id=str(execution["jobId"]),
        status=str(execution.get("status", "")),
        version=_int_or_none(execution.get("versionNumber")),
        execution_number=_int_or_none(execution.get("executionNumber")),
        document=document if isinstance(document, Mapping) else None,
        status_details={str(key): str(value) for key, value in details.items()},
    )


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
