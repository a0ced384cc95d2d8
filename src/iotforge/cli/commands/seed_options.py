"""Options in both spellings Arm's createIoTThings.py users meet (`--thing_name` and `--thing-name`),
the seed's prompting rules, and confirmation questions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from iotforge.cli.runtime import Runtime
from iotforge.errors import BadInputError
from iotforge.workflows.resource_ports import Consent

F = TypeVar("F", bound=Callable[..., Any])


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


def need(runtime: Runtime, value: str | None, option: str, prompt: str) -> str:
    """The value, or ask for it on a terminal (not with --yes); else exit 2 naming the option."""
    if value:
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
