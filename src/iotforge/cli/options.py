"""Global options, accepted before or after the command name: `iotforge -v doctor` = `iotforge doctor -v`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from click.core import ParameterSource

GLOBALS_KEY = "iotforge.globals"
F = TypeVar("F", bound=Callable[..., Any])


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if param.name is None or ctx.get_parameter_source(param.name) in (
        ParameterSource.DEFAULT,
        None,
    ):
        return value
    ctx.find_root().meta.setdefault(GLOBALS_KEY, {})[param.name] = value
    return value


def _global(*names: str, **kwargs: Any) -> Callable[[F], F]:
    return click.option(*names, expose_value=False, callback=_remember, **kwargs)


_GLOBAL_OPTIONS = (
    _global(
        "--profile",
        metavar="NAME",
        help="AWS profile to use (default: AWS_PROFILE or the default chain).",
    ),
    _global(
        "--region",
        metavar="REGION",
        help="AWS region (default: AWS_REGION / AWS_DEFAULT_REGION / profile).",
    ),
    _global(
        "--endpoint-url",
        metavar="URL",
        help="Send AWS calls to this URL, e.g. the emulator (default: AWS_ENDPOINT_URL).",
    ),
    _global(
        "--output",
        type=click.Choice(["text", "json"]),
        help="text (tables, default) or json (one document on stdout).",
    ),
    _global(
        "-y",
        "--yes",
        "assume_yes",
        is_flag=True,
        default=False,
        help="Never prompt: use defaults or fail.",
    ),
    _global("-v", "--verbose", is_flag=True, default=False, help="Show error details (code, operation, cause)."),
    _global("--no-progress", is_flag=True, default=False, help="Hide progress bars."),
)


def global_options(command: F) -> F:
    for option in reversed(_GLOBAL_OPTIONS):
        command = option(command)
    return command


def given_globals(ctx: click.Context) -> dict[str, Any]:
    return dict(ctx.find_root().meta.get(GLOBALS_KEY, {}))
