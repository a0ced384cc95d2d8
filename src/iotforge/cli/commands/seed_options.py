"""Options in both spellings Arm's createIoTThings.py users meet (`--thing_name` and `--thing-name`),
the seed's prompting rules, and confirmation questions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from iotforge.cli.runtime import Runtime
from iotforge.errors import BadInputError
from iotforge.workflows.naming import check_bucket_name, check_policy_name, check_thing_name, check_update_name
from iotforge.workflows.resource_ports import Consent
from iotforge.workflows.thing_setup import CREATE_NEW_CERTIFICATE, check_certificate_arn

F = TypeVar("F", bound=Callable[..., Any])

# An example value for the hint of each option that names something.
_EXAMPLES = {
    "thing_name": "board1",
    "policy_name": "board1_policy",
    "bucket_name": "board1-ota-bucket",
    "iam_role_name": "ota_role",
    "update_name": "board1_update",
    "ota_update_name": "board1_update",
    "job_name": "AFR_OTA-board1_update",
    "job_id": "reboot-1",
    "existing_certificate_arn": CREATE_NEW_CERTIFICATE,
}
# The local check of a value given, for the options that have one.
_CHECKS: dict[str, Callable[[str], str]] = {
    "thing_name": check_thing_name,
    "policy_name": check_policy_name,
    "bucket_name": check_bucket_name,
    "update_name": check_update_name,
    "existing_certificate_arn": check_certificate_arn,
}


def seed_option(name: str, *extra: str, **kwargs: Any) -> Callable[[F], F]:
    """`--name_with_underscores` and `--name-with-hyphens` (and any `extra` spellings) for one parameter."""
    underscore, hyphen = f"--{name}", f"--{name.replace('_', '-')}"
    spellings = [*extra, underscore, *([hyphen] if hyphen != underscore else [])]
    return click.option(*spellings, name, **kwargs)


def force_option(help: str) -> Callable[[F], F]:
    """The seed's -f of its delete commands; `help` says what forcing means for that resource."""
    return click.option("-f", "--force-delete", "--force_delete", "force", is_flag=True, help=help)


def prune_option(help: str) -> Callable[[F], F]:
    """The seed's -p: also delete certificates the deletion leaves unused."""
    return click.option("-p", "--prune-certificate", "--prune_certificate", "prune", is_flag=True, help=help)


def log_level_option(command: F) -> F:
    """The seed's --log_level: accepted so its scripts run; iotforge's output does not change with it."""
    return click.option(
        "--log_level", "--log-level", expose_value=False, hidden=True, help="Accepted for compatibility."
    )(command)


def project_root_option(command: F) -> F:
    return seed_option(
        "project_root",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("."),
        show_default=True,
        help="The firmware repository's root: relative paths (applications/, build/, certificates/) start here.",
    )(command)


def unused_seed_options(command: F) -> F:
    """--build_dir and --ota_binary, which the seed accepts on commands that do not use them."""
    for name in ("ota_binary", "build_dir"):
        command = click.option(
            f"--{name}", f"--{name.replace('_', '-')}", expose_value=False, hidden=True, help="Unused."
        )(command)
    return command


def refuse_empty(option: str, value: str | None) -> None:
    """`--option ""` is a mistake of its own (exit 2), not the option left out: never asked for, never skipped."""
    if value == "":
        example = _EXAMPLES.get(option)
        raise BadInputError(
            f"--{option} is empty.",
            f"Pass --{option} VALUE" + (f", e.g. --{option} {example}." if example else "."),
        )


def check_given(**values: str | None) -> None:
    """Check every value the user typed (an empty one too), in order, before asking for any that is missing.

    A value given wrongly is the mistake to name first, not an option left out that would be asked
    for (or reported) afterwards. A value left out is None; the default CREATE_NEW_CERTIFICATE passes.
    """
    for option, value in values.items():
        if value is None or value == CREATE_NEW_CERTIFICATE:
            continue
        refuse_empty(option, value)
        check = _CHECKS.get(option)
        if check is not None:
            check(value)


def need(runtime: Runtime, value: str | None, option: str, prompt: str) -> str:
    """The value, or ask for it on a terminal (not with --yes); else exit 2 naming the option.

    An empty value (`--option ""`) is refused as empty, not asked for or reported missing.
    """
    refuse_empty(option, value)
    if value is not None:
        return value
    if runtime.settings.interactive:
        answer: str = click.prompt(prompt, err=True)
        return answer
    raise BadInputError(
        f"Missing option --{option}.",
        f"Pass --{option} VALUE (iotforge asks for it only on a terminal, and never with --yes).",
    )


def consent(runtime: Runtime) -> Consent:
    """Yes with --yes; ask on a terminal; without either, refuse (exit 2) with the question."""

    def ask(question: str) -> bool:
        if runtime.settings.assume_yes:
            return True
        if runtime.settings.interactive:
            return bool(click.confirm(question, default=False, err=True))
        raise BadInputError(
            f"Needs confirmation, and there is no terminal to ask on: {question}",
            "Rerun with --yes to confirm.",
        )

    return ask
