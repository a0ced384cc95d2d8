"""Where each top-level command lives, so `iotforge --help` lists them without importing them.

The index is data (command_index.json); a unit test rebuilds it from COMMAND_SOURCES and fails when
it is stale. Regenerate with `python -m iotforge.cli.command_index`.
"""

from __future__ import annotations

import json
from importlib import import_module
from pathlib import Path

import click

INDEX_FILE = Path(__file__).with_name("command_index.json")
SHORT_HELP_LIMIT = 60

# (module, attribute): a command, a group, an iterable of commands, or a dict of seed name -> command.
COMMAND_SOURCES: tuple[tuple[str, str], ...] = (
    ("iotforge.cli.commands.account", "COMMANDS"),
    ("iotforge.cli.commands.emulator", "emulator"),
    ("iotforge.cli.commands.project", "project_group"),
    ("iotforge.cli.commands.demo", "demo"),
    ("iotforge.cli.commands.project", "SEED_COMMANDS"),
    ("iotforge.cli.commands.audit", "COMMANDS"),
    ("iotforge.cli.commands.ota", "ota_group"),
    ("iotforge.cli.commands.device", "device_group"),
    ("iotforge.cli.commands.ota", "SEED_COMMANDS"),
    ("iotforge.cli.commands.compat", "NATIVE_GROUPS"),
    ("iotforge.cli.commands.compat", "ARM_COMMANDS"),
)


def commands_of(module: str, attribute: str) -> dict[str, click.Command]:
    found = getattr(import_module(module), attribute)
    if isinstance(found, click.Command):
        return {str(found.name): found}
    if isinstance(found, dict):
        return dict(found)
    return {str(command.name): command for command in found}


def build_index() -> dict[str, list[str]]:
    """name -> [module, attribute, short help], in registration order (a later source wins)."""
    index: dict[str, list[str]] = {}
    for module, attribute in COMMAND_SOURCES:
        for name, command in commands_of(module, attribute).items():
            index[name] = [module, attribute, command.get_short_help_str(SHORT_HELP_LIMIT)]
    return dict(sorted(index.items()))


def load_index() -> dict[str, list[str]]:
    loaded: dict[str, list[str]] = json.loads(INDEX_FILE.read_text())
    return loaded


def write_index() -> None:
    INDEX_FILE.write_text(json.dumps(build_index(), indent=1) + "\n")


if __name__ == "__main__":
    write_index()
