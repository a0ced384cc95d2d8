"""`iotforge job create`: an IoT job with your own document for things and thing groups."""

from __future__ import annotations

import json
from dataclasses import dataclass

from iotforge.errors import BadInputError
from iotforge.workflows.naming import check_job_id
from iotforge.workflows.ota_checks import check_targets
from iotforge.workflows.ota_models import JobSpec
from iotforge.workflows.ports import OtaControl

MAX_DOCUMENT_BYTES = 32 * 1024  # AWS IoT's limit on a job document


@dataclass(frozen=True)
class JobRequest:
    job_id: str
    document: str
    things: tuple[str, ...] = ()
    thing_groups: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class JobCreated:
    job_id: str
    job_arn: str
    targets: tuple[str, ...]


def create_plain_job(ota: OtaControl, request: JobRequest) -> JobCreated:
    """Check the id, targets and document, then create the job (SNAPSHOT)."""
    check_job_id(request.job_id)
    check_targets(request.things, request.thing_groups)
    if len(request.document.encode()) > MAX_DOCUMENT_BYTES:
        raise BadInputError(
            f"The job document is {len(request.document.encode())} bytes; AWS IoT allows {MAX_DOCUMENT_BYTES}.",
            "Put large data in S3 and reference it from the document.",
        )
    try:
        json.loads(request.document)
    except json.JSONDecodeError as error:
        raise BadInputError(
            f"The job document is not JSON (line {error.lineno}, column {error.colno}: {error.msg}).",
            "Fix the JSON, e.g. with `python -m json.tool FILE`.",
        ) from error
    targets = tuple(ota.thing_arn(name) for name in dict.fromkeys(request.things)) + tuple(
        ota.thing_group_arn(name) for name in dict.fromkeys(request.thing_groups)
    )
    arn = ota.create_job(JobSpec(request.job_id, targets, request.document, description=request.description))
    return JobCreated(request.job_id, arn, targets)
