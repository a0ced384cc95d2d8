"""The formatter of createIoTThings.py settings: `${name}`, `${name}{lower}`, `${name}{replace A with B}`.

A template is literal text and references to variables, each with at most one modifier:

    ${thing_name}{lower}                 the value in lowercase
    ${thing_name}{replace my with some}  the value with every "my" replaced by "some"
    ${thing_name}                        the value

Formatters do not chain. `{replace{my with some}}`, the spelling createIoTThings.py itself
parses, is accepted too. Anything else with a brace in it is refused, naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from iotforge.errors import BadInputError

VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CHAINED = "chained formatters"


def format_value(template: str, variables: Mapping[str, str], *, field: str = "value") -> str:
    """Expand `${name}`, `${name}{lower}` and `${name}{replace A with B}` in `template`."""

    def lookup(name: str) -> str:
        if name not in variables:
            raise BadInputError(
                f'"{field}" uses ${{{name}}}, which is not a format variable',
                f"Known variables: {', '.join(sorted(variables)) or 'none'}.",
            )
        return variables[name]

    return render(parse_template(template, field), lookup)


@dataclass(frozen=True)
class Reference:
    """`${name}`, lowercased or with one replacement when a modifier follows it."""

    name: str
    lower: bool = False
    replace: tuple[str, str] | None = None


# A template is literal text and references, in order.
Part = str | Reference


def parse_template(template: str, field: str) -> list[Part]:
    """Split `template` into its parts, refusing any brace outside a reference; `field` names it in errors."""
    parts: list[Part] = []
    position = 0
    while position < len(template):
        start = template.find("${", position)
        literal = template[position:] if start < 0 else template[position:start]
        brace = next((i for i, ch in enumerate(literal) if ch in "{}"), None)
        if brace is not None:
            raise BadInputError(
                f'"{field}" has an unbalanced {literal[brace]!r} at character '
                f"{position + brace + 1}: braces are only allowed in ${{name}}{{...}}",
                "Remove the brace; the formatter supports ${name}, ${name}{lower} and ${name}{replace A with B}.",
            )
        if literal:
            parts.append(literal)
        if start < 0:
            break
        close = template.find("}", start + 2)
        if close < 0:
            raise BadInputError(
                f'"{field}" has an unclosed "${{" at character {start + 1}',
                "Close the variable with '}', as in ${thing_name}.",
            )
        name = template[start + 2 : close]
        if not VARIABLE_NAME.fullmatch(name):
            raise BadInputError(
                f'"{field}" refers to ${{{name}}}, which is not a variable name',
                "Variable names are letters, digits and '_', as in ${thing_name}.",
            )
        position = close + 1
        reference = Reference(name)
        if template.startswith("{", position):
            reference, position = _parse_modifier(template, position, name, field)
            if template.startswith("{", position):
                raise BadInputError(
                    f'"{field}" uses {_CHAINED} after ${{{name}}}; only one of {{lower}} or '
                    "{replace A with B} may follow a variable",
                    "Split the work across two settings, or pick one formatter.",
                )
        parts.append(reference)
    return parts


def _parse_modifier(template: str, position: int, name: str, field: str) -> tuple[Reference, int]:
    """Parse the `{...}` at `position`; allow one nested pair for `{replace{A with B}}`."""
    depth, end = 0, position
    while end < len(template):
        if template[end] == "{":
            depth += 1
        elif template[end] == "}":
            depth -= 1
            if depth == 0:
                break
        end += 1
    if depth != 0:
        raise BadInputError(
            f'"{field}" has an unbalanced "{{" after ${{{name}}} at character {position + 1}',
            "Close the formatter, as in ${thing_name}{lower}.",
        )
    body = template[position + 1 : end]
    if body == "lower":
        return Reference(name, lower=True), end + 1
    if body.startswith("replace{") and body.endswith("}"):
        body = "replace " + body[len("replace{") : -1]
    if "{" in body or "}" in body:
        raise BadInputError(
            f'"{field}" uses {_CHAINED} or nested braces in {{{body}}} after ${{{name}}}',
            "Only ${name}{lower} and ${name}{replace A with B} are supported, one at a time.",
        )
    if body.startswith("replace "):
        old, separator, new = body[len("replace ") :].partition(" with ")
        if not separator:
            raise BadInputError(
                f'"{field}" has {{{body}}} without " with ": cannot tell what to replace',
                "Write it as ${thing_name}{replace old with new}.",
            )
        if not old:
            raise BadInputError(
                f'"{field}" has {{{body}}} with nothing to replace',
                "Write it as ${thing_name}{replace old with new}.",
            )
        return Reference(name, replace=(old, new)), end + 1
    raise BadInputError(
        f'"{field}" uses the unknown formatter {{{body}}} after ${{{name}}}',
        "The formatter supports ${name}, ${name}{lower} and ${name}{replace A with B}.",
    )


def render(parts: list[Part], lookup: Callable[[str], str]) -> str:
    """Join the parts, each reference replaced by `lookup(name)` and its modifier applied."""
    pieces: list[str] = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(part)
            continue
        value = lookup(part.name)
        if part.lower:
            value = value.lower()
        elif part.replace is not None:
            value = value.replace(*part.replace)
        pieces.append(value)
    return "".join(pieces)
