"""Options shared by `ota create` and `ota fota-start`: targets, rollout, abort criteria, timeouts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from iotforge.errors import BadInputError
from iotforge.workflows.ota_models import AbortCriterion, ExponentialRollout, JobSettings

F = TypeVar("F", bound=Callable[..., Any])

_TARGETS = (
    click.option("--thing", "things", multiple=True, metavar="NAME", help="Target thing (repeatable)."),
    click.option("--thing-group", "thing_groups", multiple=True, metavar="NAME", help="Target group (repeatable)."),
)
_JOB_SETTINGS = (
    click.option(
        "--target-selection",
        type=click.Choice(["SNAPSHOT", "CONTINUOUS"]),
        default="SNAPSHOT",
        show_default=True,
        help="CONTINUOUS also updates things that join a target group later.",
    ),
    click.option("--max-per-minute", type=int, help="Rollout: at most N devices notified per minute (1..1000)."),
    click.option("--exponential-base-rate", type=int, help="Exponential rollout: start at N per minute."),
    click.option("--exponential-factor", type=float, help="Exponential rollout: multiply the rate by F (1.1..5)."),
    click.option("--exponential-after-notified", type=int, help="... each time N more devices were notified."),
    click.option("--exponential-after-succeeded", type=int, help="... each time N more devices succeeded."),
    click.option("--abort-failure-percent", type=float, help="Cancel the job once this % of executed devices failed."),
    click.option(
        "--abort-min-executed",
        type=int,
        default=10,
        show_default=True,
        help="... counting only after this many devices ran it.",
    ),
    click.option("--in-progress-timeout", type=int, metavar="MINUTES", help="A device that takes longer times out."),
)


def target_options(command: F) -> F:
    for option in reversed(_TARGETS):
        command = option(command)
    return command


def job_settings_options(command: F) -> F:
    for option in reversed(_JOB_SETTINGS):
        command = option(command)
    return command


def job_settings(options: dict[str, Any]) -> JobSettings:
    """JobSettings from the options `job_settings_options` added (popping them from `options`)."""
    base = options.pop("exponential_base_rate")
    factor = options.pop("exponential_factor")
    notified = options.pop("exponential_after_notified")
    succeeded = options.pop("exponential_after_succeeded")
    exponential = None
    if any(value is not None for value in (base, factor, notified, succeeded)):
        if base is None or factor is None:
            raise BadInputError(
                "An exponential rollout needs a base rate and a factor.",
                "Pass --exponential-base-rate N --exponential-factor F and one --exponential-after-... option.",
            )
        exponential = ExponentialRollout(base, factor, notified, succeeded)
    percent = options.pop("abort_failure_percent")
    minimum = options.pop("abort_min_executed")
    abort = (AbortCriterion(percent, minimum),) if percent is not None else ()
    continuous = options.pop("target_selection") == "CONTINUOUS"
    return JobSettings(
        target_selection="CONTINUOUS" if continuous else "SNAPSHOT",
        max_per_minute=options.pop("max_per_minute"),
        exponential=exponential,
        abort=abort,
        in_progress_timeout_minutes=options.pop("in_progress_timeout"),
    )
