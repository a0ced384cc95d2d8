"""Global options, accepted before or after the command name: `iotforge -v doctor` = `iotforge doctor -v`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from iotforge.settings import parse_rate_scale

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


def _remember_rate_scale(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    return None if value is None else _remember(ctx, param, parse_rate_scale(value, "--rate-scale"))


def _global(*names: str, **kwargs: Any) -> Callable[[F], F]:
    kwargs.setdefault("callback", _remember)
    return click.option(*names, expose_value=False, **kwargs)


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
    _global(
        "--rate-scale",
        metavar="FACTOR",
        callback=_remember_rate_scale,
        help="Pace IoT calls at FACTOR x AWS's default quotas: 2 if AWS doubled yours, 0 for no pacing "
        "(the emulator without quotas). Default: 1, or IOTFORGE_RATE_SCALE.",
    ),
)


def global_options(command: F) -> F:
    for option in reversed(_GLOBAL_OPTIONS):
        command = option(command)
    return command


def given_globals(ctx: click.Context) -> dict[str, Any]:
    return dict(ctx.find_root().meta.get(GLOBALS_KEY, {}))
