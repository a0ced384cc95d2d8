"""Input checks shared by OTA updates and FOTA jobs: each raises BadInputError before any remote call."""

from __future__ import annotations

from collections.abc import Sequence

from iotforge.errors import BadInputError
from iotforge.workflows.naming import check_thing_name
from iotforge.workflows.ota_models import JobSettings

# AWS IoT Jobs limits (CreateJob / CreateOTAUpdate API reference).
MAX_ROLLOUT_PER_MINUTE = 1000
MIN_INCREMENT_FACTOR, MAX_INCREMENT_FACTOR = 1.1, 5.0
MAX_IN_PROGRESS_MINUTES = 10080  # 7 days
MIN_PRESIGNED_SECONDS, MAX_PRESIGNED_SECONDS = 60, 3600
PROTOCOLS = ("MQTT", "HTTP")


def check_targets(things: Sequence[str], groups: Sequence[str]) -> None:
    if not things and not groups:
        raise BadInputError("No targets: the update would reach no device.", "Pass --thing NAME or --thing-group NAME.")
    for name in things:
        check_thing_name(name)
    for name in groups:
        try:
            check_thing_name(name)
        except BadInputError as error:
            hint = (error.hint or "").replace("thing name", "thing group name") or None
            raise BadInputError(error.message.replace("thing name", "thing group name"), hint) from error


def check_presigned_seconds(seconds: int, option: str = "--duration") -> int:
    """AWS accepts presigned URL lifetimes of 60 to 3600 seconds."""
    if not MIN_PRESIGNED_SECONDS <= seconds <= MAX_PRESIGNED_SECONDS:
        raise BadInputError(
            f"{option} {seconds} is outside {MIN_PRESIGNED_SECONDS}..{MAX_PRESIGNED_SECONDS} seconds, "
            "the lifetimes AWS IoT allows for presigned URLs.",
            f"Pass {option} between {MIN_PRESIGNED_SECONDS} and {MAX_PRESIGNED_SECONDS}.",
        )
    return seconds


def check_protocols(protocols: Sequence[str]) -> None:
    if not protocols:
        raise BadInputError("No protocol given.", "Pass --protocol MQTT and/or --protocol HTTP.")
    unknown = [protocol for protocol in protocols if protocol not in PROTOCOLS]
    if unknown or len(set(protocols)) != len(protocols):
        raise BadInputError(f"Protocols {', '.join(protocols)}: each of MQTT, HTTP at most once.", None)


def check_job_settings(settings: JobSettings) -> None:
    """Rollout, abort and timeout values AWS IoT accepts."""
    if settings.target_selection not in ("SNAPSHOT", "CONTINUOUS"):
        raise BadInputError(f"Target selection {settings.target_selection!r} is not SNAPSHOT or CONTINUOUS.", None)
    if settings.max_per_minute is not None and not 1 <= settings.max_per_minute <= MAX_ROLLOUT_PER_MINUTE:
        raise BadInputError(
            f"--max-per-minute {settings.max_per_minute} is outside 1..{MAX_ROLLOUT_PER_MINUTE}.",
            f"Pass a rollout rate between 1 and {MAX_ROLLOUT_PER_MINUTE} things per minute.",
        )
    exponential = settings.exponential
    if exponential is not None:
        if not 1 <= exponential.base_rate_per_minute <= MAX_ROLLOUT_PER_MINUTE:
            raise BadInputError(
                f"The exponential base rate {exponential.base_rate_per_minute} is outside 1..{MAX_ROLLOUT_PER_MINUTE}.",
                None,
            )
        if not MIN_INCREMENT_FACTOR <= exponential.increment_factor <= MAX_INCREMENT_FACTOR:
            raise BadInputError(
                f"The exponential increment factor {exponential.increment_factor} is outside "
                f"{MIN_INCREMENT_FACTOR}..{MAX_INCREMENT_FACTOR}.",
                None,
            )
        steps = [step for step in (exponential.notified_things, exponential.succeeded_things) if step is not None]
        if len(steps) != 1 or steps[0] < 1:
            raise BadInputError(
                "An exponential rollout raises its rate after a number of notified or of succeeded things.",
                "Give exactly one of --exponential-after-notified N and --exponential-after-succeeded N (N >= 1).",
            )
    for criterion in settings.abort:
        if not 0 < criterion.threshold_percent <= 100:
            raise BadInputError(
                f"--abort-failure-percent {criterion.threshold_percent} is outside (0, 100].",
                "Pass the failure percentage that cancels the job, e.g. --abort-failure-percent 20.",
            )
        if criterion.min_executed < 1:
            raise BadInputError(
                f"--abort-min-executed {criterion.min_executed} must be at least 1.",
                "Pass how many things must have run before the abort criterion applies.",
            )
    timeout = settings.in_progress_timeout_minutes
    if timeout is not None and not 1 <= timeout <= MAX_IN_PROGRESS_MINUTES:
        raise BadInputError(
            f"--in-progress-timeout {timeout} is outside 1..{MAX_IN_PROGRESS_MINUTES} minutes.",
            "Pass how long a device may take, in minutes (at most 7 days).",
        )


def check_permissions_boundary(boundary: str | None) -> None:
    if boundary is not None and not (boundary.startswith("arn:") and ":policy/" in boundary):
        raise BadInputError(
            f"Permissions boundary {boundary!r} is not a policy ARN.",
            "Write it as arn:aws:iam::ACCOUNT:policy/NAME.",
        )
