"""The root command, its global options, and the single error boundary."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import Any

import click

from iotforge import __version__
from iotforge.cli.command_index import commands_of, load_index
from iotforge.cli.options import given_globals, global_options
from iotforge.cli.render import Renderer
from iotforge.cli.runtime import RUNTIME_KEY, Runtime, settings_from_context
from iotforge.errors import ExitCode, IotforgeError
from iotforge.settings import Settings

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs or shows its own help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._index = load_index()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self._index) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self._index.get(cmd_name)
        if cmd_name in self.commands or entry is None:
            return self.commands.get(cmd_name)
        return commands_of(entry[0], entry[1]).get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self._index[name][2]) for name in self.list_commands(ctx) if name in self._index]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@global_options
@click.version_option(__version__, prog_name="iotforge")
def cli() -> None:
    """Take a firmware project to a fleet of AWS IoT devices and keep it updated.

    \b
    Quick start (no AWS account needed):
      iotforge emulator start --background     # a local AWS IoT stand-in
      iotforge doctor                          # check credentials and access
    """


def _renderer_for_errors(ctx: click.Context | None) -> tuple[Renderer, bool]:
    if ctx is not None:
        runtime: Runtime | None = ctx.find_root().meta.get(RUNTIME_KEY)
        if runtime is not None:
            return runtime.render, runtime.settings.verbose
        try:
            settings = settings_from_context(ctx)
        except IotforgeError:  # the environment itself is the error being reported (e.g. IOTFORGE_RATE_SCALE)
            settings = Settings(output=given_globals(ctx).get("output") or "text")
        return Renderer(settings), settings.verbose

    return Renderer(Settings()), "-v" in sys.argv or "--verbose" in sys.argv


def run(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `iotforge` script: run, then exit with the documented code."""
    ctx: click.Context | None = None
    try:
        with cli.make_context("iotforge", list(argv if argv is not None else sys.argv[1:])) as ctx:
            result = cli.invoke(ctx)
        sys.exit(int(result) if isinstance(result, int) else ExitCode.OK)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(ExitCode.BAD_INPUT if error.exit_code == 2 else error.exit_code)
    except click.exceptions.Abort:
        sys.stderr.write("Aborted.\n")
        sys.exit(ExitCode.INTERRUPTED)
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted; run the same command again to resume.\n")
        sys.exit(ExitCode.INTERRUPTED)
    except IotforgeError as error:
        render, verbose = _renderer_for_errors(ctx)
        render.error(error, verbose)
        if verbose and error.__cause__ is not None:
            traceback.print_exception(error.__cause__, file=sys.stderr)
        sys.exit(error.exit_code)
    except Exception as error:  # a bug: one line by default, the traceback with -v
        render, verbose = _renderer_for_errors(ctx)
        render.error(
            IotforgeError(
                f"iotforge hit an unexpected error: {type(error).__name__}: {error}",
                "Run again with -v for the traceback, and please report it.",
            ),
            verbose,
        )
        if verbose:
            traceback.print_exception(error, file=sys.stderr)
        sys.exit(ExitCode.FAILURE)


__all__ = ["cli", "given_globals", "run"]
