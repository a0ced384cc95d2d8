"""Every command's --help runs offline and shows an example (definition of done)."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from iotforge.cli.command_index import build_index, load_index
from iotforge.cli.main import cli


def _leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        path = (*prefix, name)
        if isinstance(command, click.Group):
            yield from _leaf_commands(command, path)
        else:
            yield path


@pytest.mark.parametrize("path", list(_leaf_commands(cli)), ids=" ".join)
def test_every_command_help_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], env={"AWS_ACCESS_KEY_ID": ""})
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


def test_the_lazy_command_index_is_current() -> None:
    assert load_index() == build_index(), "stale: run `python -m iotforge.cli.command_index`"
