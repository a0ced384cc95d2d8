"""What a command gets to work with: settings, the renderer, and the wiring that builds gateways."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from iotforge.cli.options import given_globals
from iotforge.cli.render import Renderer
from iotforge.settings import Settings

if TYPE_CHECKING:
    from iotforge.wiring import Wiring

RUNTIME_KEY = "iotforge.runtime"


@dataclass
class Runtime:
    settings: Settings
    render: Renderer
    wiring: Wiring


def settings_from_context(ctx: click.Context) -> Settings:
    given = given_globals(ctx)
    interactive = sys.stdin.isatty() and not given.get("assume_yes", False)
    return Settings.from_environment(
        profile=given.get("profile"),
        region=given.get("region"),
        endpoint_url=given.get("endpoint_url"),
        output=given.get("output"),
        assume_yes=given.get("assume_yes"),
        verbose=given.get("verbose"),
        show_progress=not given.get("no_progress", False),
        interactive=interactive,
        rate_scale=given.get("rate_scale"),
    )


def get_runtime(ctx: click.Context) -> Runtime:
    """Build the runtime once per invocation, after every global option has been parsed."""
    root = ctx.find_root()
    found: Runtime | None = root.meta.get(RUNTIME_KEY)
    if found is None:
        from iotforge.wiring import Wiring

        settings = settings_from_context(ctx)
        found = Runtime(settings=settings, render=Renderer(settings), wiring=Wiring(settings))
        root.meta[RUNTIME_KEY] = found
    return found


pass_runtime = click.make_pass_decorator(Runtime)
