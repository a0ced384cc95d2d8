"""What the noun groups (thing, policy, cert, bucket, role, job) share: the seed's `delete-<noun>` shape and the
`create|list|delete` group."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console

from iotforge.cli.commands.listing import LIST_COMMANDS
from iotforge.cli.commands.seed_options import log_level_option, need, seed_option
from iotforge.cli.options import global_options
from iotforge.cli.runtime import Runtime, get_runtime
from iotforge.workflows.listing import ResourceKind
from iotforge.workflows.removal import Removal

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
DeleteRun = Callable[[Runtime, str, bool], None]


def delete_command(
    name: str, option: str, *spellings: str, help: str, prompt: str, flag: Decorator
) -> Callable[[DeleteRun], click.Command]:
    """The seed's `delete-<noun>`: the decorated function's docstring is the help, and it runs with the name
    (`--option`, asked for on a terminal when missing, see `need`) and the value of `flag` (-f or -p)."""

    def decorate(run: DeleteRun) -> click.Command:
        def callback(ctx: click.Context, /, **values: Any) -> None:
            runtime = get_runtime(ctx)
            given = need(runtime, values.pop(option), option, prompt)
            [flag_value] = values.values()  # the flag is the only other parameter the command exposes
            run(runtime, given, flag_value)

        callback.__doc__ = run.__doc__
        command: Callable[..., Any] = click.pass_context(callback)
        for decorator in reversed((seed_option(option, *spellings, help=help), flag, log_level_option, global_options)):
            command = decorator(command)
        return click.command(name)(command)

    return decorate


def show_removal(runtime: Runtime, removal: Removal) -> None:
    def human(console: Console) -> None:
        for item in removal.deleted:
            console.print(f"deleted {item}")
        for item in removal.kept:
            console.print(f"kept {item} (still in use)")

    runtime.render.document(dataclasses.asdict(removal), human)


def noun_group(
    name: str, create: click.Command, listing: ResourceKind, delete: click.Command
) -> Callable[[Callable[[], None]], click.Group]:
    """`iotforge <name> create|list|delete`: the same command objects as the seed's names; the docstring is the help."""

    def decorate(describe: Callable[[], None]) -> click.Group:
        group = click.group(name)(describe)
        for verb, command in (("create", create), ("list", LIST_COMMANDS[listing]), ("delete", delete)):
            group.add_command(command, verb)
        return group

    return decorate
