"""Set the endpoint, thing name and credentials in a FreeRTOS project's C headers.

Only the string literals of the named macros change; every other byte, from line endings to
comments and alignment, stays as the project had it, so the edit is a clean one-line diff.
Both spellings found in FreeRTOS trees are understood: `#define NAME "..."` (also inside
`#ifndef NAME` guards) and the older `static const char NAME[] = "...";`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from iotforge.errors import BadInputError

ENDPOINT_MACRO = "clientcredentialMQTT_BROKER_ENDPOINT"
THING_NAME_MACRO = "clientcredentialIOT_THING_NAME"
CERTIFICATE_MACRO = "keyCLIENT_CERTIFICATE_PEM"
PRIVATE_KEY_MACRO = "keyCLIENT_PRIVATE_KEY_PEM"

# The placeholders shipped by Arm's iot-reference-arm-corstone3xx ("dummy..."), by FreeRTOS
# 2020 and later (empty) and by older amazon-freertos releases ("Paste ... here.").
PRISTINE_ENDPOINTS = frozenset({"", "dummy.endpointid.amazonaws.com", "Paste AWS IoT Broker endpoint here."})
TEMPLATE_NAMES = ("aws_clientcredential.h", "aws_clientcredential_keys.h")
PRISTINE_THING_NAMES = frozenset({"", "dummy_thingname", "Paste AWS IoT Thing name here."})

_STRING_LITERAL = re.compile(r'"((?:[^"\\\r\n]|\\.)*)"')
_C_SKIPPED = re.compile(r"//[^\r\n]*|/\*.*?(?:\*/|\Z)|\"(?:\\.|[^\"\\\r\n])*\"|'(?:\\.|[^'\\\r\n])*'", re.DOTALL)
_CONTINUATION = re.compile(r"\\\r?\n")
_PEM_BOUNDARY = re.compile(r"-----(BEGIN|END) ([A-Z0-9 ]+)-----")


@dataclass(frozen=True)
class HeaderValues:
    """The broker endpoint and thing name an aws_clientcredential.h holds."""

    endpoint: str
    thing_name: str


@dataclass(frozen=True)
class _Span:
    start: int
    end: int


def header_template(name: str) -> str:
    """Return the text of a shipped header template: aws_clientcredential.h or ..._keys.h."""
    if name not in TEMPLATE_NAMES:
        raise BadInputError(f"no header template named {name!r}", f"Use one of {TEMPLATE_NAMES}.")
    template = resources.files("iotforge.local").joinpath("templates", "freertos-c", name)
    return template.read_text(encoding="utf-8")


def read_header_values(text: str) -> HeaderValues:
    """Return the endpoint and thing name defined in the text of aws_clientcredential.h."""
    endpoints, names = _credential_spans(text)
    return HeaderValues(
        endpoint=_single_value(text, ENDPOINT_MACRO, endpoints),
        thing_name=_single_value(text, THING_NAME_MACRO, names),
    )


def is_pristine(values: HeaderValues) -> bool:
    """Tell whether both values are still the placeholders a fresh SDK ships."""
    return values.endpoint in PRISTINE_ENDPOINTS and values.thing_name in PRISTINE_THING_NAMES


def rewrite_header(text: str, endpoint: str, thing_name: str) -> str:
    """Return `text` with the endpoint and thing name macros set; nothing else changes.

    An empty value is written as `""`, the unconfigured state FreeRTOS ships.
    """
    _check_c_text("endpoint", endpoint)
    _check_c_text("thing name", thing_name)
    endpoints, names = _credential_spans(text)
    edits = [(span, endpoint) for span in endpoints] + [(span, thing_name) for span in names]
    return _apply(text, edits)


def render_keys_header(template_text: str, certificate_pem: str, private_key_pem: str | None = None) -> str:
    """Return aws_clientcredential_keys.h with the PEMs written in as C string literals.

    Without `private_key_pem` the private key macro is left exactly as it was, for devices
    whose key never leaves secure storage.
    """
    wanted = [(CERTIFICATE_MACRO, _pem_lines("certificate", certificate_pem, private=False))]
    if private_key_pem is not None:
        wanted.append((PRIVATE_KEY_MACRO, _pem_lines("private key", private_key_pem, private=True)))
    spans = {macro: _value_spans(template_text, macro) for macro, _ in wanted}
    _require_macros("aws_clientcredential_keys.h", spans)
    edits: list[tuple[_Span, str]] = []
    for macro, lines in wanted:
        for span in spans[macro]:
            edits.append((span, _c_literal_block(template_text, span, lines)))
    return _apply(template_text, edits)


def _credential_spans(text: str) -> tuple[list[_Span], list[_Span]]:
    spans = {macro: _literal_spans(text, macro) for macro in (ENDPOINT_MACRO, THING_NAME_MACRO)}
    _require_macros("aws_clientcredential.h", spans)
    return spans[ENDPOINT_MACRO], spans[THING_NAME_MACRO]


def _literal_spans(text: str, macro: str) -> list[_Span]:
    """Find the contents of the string literal each definition of `macro` assigns."""
    spans: list[_Span] = []
    for value in _value_spans(text, macro):
        literal = _STRING_LITERAL.match(text, value.start, value.end)
        trailing = text[literal.end() : value.end] if literal else ""
        if literal is None or trailing.strip(" \t;") or "\\" in trailing:
            found = text[value.start : value.end].strip() or "nothing"
            raise BadInputError(
                f"aws_clientcredential.h defines {macro} as {found[:60]!r}, not as one string literal",
                f'Restore the line to #define {macro} "" and retry.',
            )
        spans.append(_Span(literal.start() + 1, literal.end() - 1))
    return spans


def _value_spans(text: str, macro: str) -> list[_Span]:
    """Find what each live (not commented out) definition of `macro` sets it to."""
    comments = [m.span() for m in _C_SKIPPED.finditer(text) if m.group().startswith("/")]
    name = re.escape(macro)
    definition = re.compile(
        rf"^[ \t]*#[ \t]*define[ \t]+{name}(?![A-Za-z0-9_])"
        rf"|^[ \t]*(?:static[ \t]+)?const[ \t]+char[ \t]+{name}[ \t]*\[[ \t]*\][ \t]*=",
        re.MULTILINE,
    )
    spans = []
    for match in definition.finditer(text):
        if any(start <= match.start() < end for start, end in comments):
            continue
        start = _skip_blanks(text, match.end())
        spans.append(_Span(start, _end_of_value(text, start)))
    return spans


def _skip_blanks(text: str, position: int) -> int:
    while position < len(text):
        continuation = _CONTINUATION.match(text, position)
        if continuation:
            position = continuation.end()
        elif text[position] in " \t":
            position += 1
        else:
            break
    return position


def _end_of_value(text: str, position: int) -> int:
    """Return where the macro's value ends: at the end of the logical line or a comment."""
    end = position
    while position < len(text):
        char = text[position]
        if char == '"':
            literal = _STRING_LITERAL.match(text, position)
            position = literal.end() if literal else position + 1
            end = position
        elif text.startswith(("//", "/*"), position) or char in "\r\n":
            break
        elif continuation := _CONTINUATION.match(text, position):
            position = continuation.end()
        else:
            position += 1
            if char not in " \t":
                end = position
    return end


def _single_value(text: str, macro: str, spans: list[_Span]) -> str:
    values = {text[span.start : span.end] for span in spans}
    if len(values) > 1:
        shown = ", ".join(repr(value) for value in sorted(values))
        raise BadInputError(
            f"aws_clientcredential.h defines {macro} {len(spans)} times with different values ({shown})",
            "Keep one definition, or give them the same value.",
        )
    return values.pop()


def _require_macros(file_name: str, spans: dict[str, list[_Span]]) -> None:
    missing = [macro for macro, found in spans.items() if not found]
    if missing:
        raise BadInputError(
            f"{file_name} does not define {' or '.join(missing)}",
            "Restore the file from your SDK, or add " + " and ".join(f'#define {macro} ""' for macro in missing) + ".",
        )


def _check_c_text(what: str, value: str) -> None:
    """Refuse values that would end, escape or garble a C string literal; empty is allowed."""
    for index, char in enumerate(value):
        problem = None
        if char == '"':
            problem = "a double quote"
        elif char == "\\":
            problem = "a backslash"
        elif char in "\r\n":
            problem = "a line break"
        elif not (" " <= char <= "~"):
            problem = f"the character U+{ord(char):04X}, which is not printable ASCII"
        if problem:
            raise BadInputError(
                f"the {what} {value[:60]!r} contains {problem} at position {index + 1}, which "
                "cannot go into a C string",
                f"Check the {what}; AWS IoT names and endpoints are plain ASCII.",
            )
    if "??" in value:
        raise BadInputError(
            f"the {what} {value[:60]!r} contains '??', which C compilers may read as a trigraph",
            f"Check the {what}.",
        )


def _pem_lines(what: str, pem: str, *, private: bool) -> list[str]:
    lines = [line.strip() for line in pem.replace("\r\n", "\n").strip().split("\n")]
    first, last = _PEM_BOUNDARY.fullmatch(lines[0]), _PEM_BOUNDARY.fullmatch(lines[-1])
    label_ok = (
        first is not None
        and last is not None
        and first.group(1) == "BEGIN"
        and last.group(1) == "END"
        and first.group(2) == last.group(2)
        and (first.group(2).endswith("PRIVATE KEY") if private else first.group(2) == "CERTIFICATE")
    )
    if not label_ok:
        expected = "-----BEGIN ... PRIVATE KEY-----" if private else "-----BEGIN CERTIFICATE-----"
        raise BadInputError(
            f"the {what} is not PEM text starting with {expected} and ending with the matching END line",
            f"Pass the {what} file's PEM text as it is.",
        )
    for line in lines:
        _check_c_text(f"{what} PEM", line)
    return lines


def _c_literal_block(text: str, span: _Span, lines: list[str]) -> str:
    """Spell `lines` as a C string over continued lines, in the file's own line endings."""
    line_start = text.rfind("\n", 0, span.start) + 1
    indent = text[line_start : span.start]
    indent = indent[: len(indent) - len(indent.lstrip(" \t"))] + "    "
    newline_at = text.find("\n", span.start)
    eol = "\r\n" if newline_at > 0 and text[newline_at - 1] == "\r" else "\n"
    if newline_at < 0 and "\r\n" in text:
        eol = "\r\n"
    literals = [f'"{line}\\n"' for line in lines]
    lead = "" if span.start == line_start or text[span.start - 1] in " \t" else " "
    return lead + f" \\{eol}{indent}".join(literals)


def _apply(text: str, edits: Iterable[tuple[_Span, str]]) -> str:
    result = text
    for span, replacement in sorted(edits, key=lambda edit: edit[0].start, reverse=True):
        result = result[: span.start] + replacement + result[span.end :]
    return result
