"""Read the JSON settings file of Arm's createIoTThings.py and apply its formatter.

The file maps each setting to a string. An empty value falls back to `<field>_DEFAULT` in the
same file, and then to the defaults the seed documents, so a file holding only the three
required fields works. Values may refer to the variables listed in `format_vars` (and always
to `target_application`) in three forms, and only these:

    ${thing_name}{lower}                 the value in lowercase
    ${thing_name}{replace my with some}  the value with every "my" replaced by "some"
    ${thing_name}                        the value

Formatters do not chain. `{replace{my with some}}`, the spelling createIoTThings.py itself
parses, is accepted too. Anything else with a brace in it is refused, naming the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

from iotforge.errors import BadInputError
from iotforge.local.files import read_text
from iotforge.workflows import naming

CREATE_NEW_CERTIFICATE = "CREATE_NEW_CERTIFICATE"
SAMPLE_NAME = "aws-configs.json"
TARGET_APPLICATION = "target_application"
FORMAT_VARS = "format_vars"
DEFAULT_SUFFIX = "_DEFAULT"
REQUIRED_FIELDS = ("thing_name", "permissions_boundary", "role_prefix")
SEED_TARGET_APPLICATIONS = ("keyword-detection", "object-detection", "speech-recognition")
CleanBuild = Literal["auto", "true", "false"]

# Used when a field and its _DEFAULT are both empty or absent. They are the seed's _DEFAULT
# values, except where the seed's default is empty (then its example value) and for the
# bucket, whose seed default "${thing_name}_bucket" is not a valid S3 name.
BUILTIN_DEFAULTS: Mapping[str, str] = {
    "format_vars": "thing_name;role_prefix;target_application;credentials_path",
    "policy_name": "${thing_name}_policy",
    "bucket_name": "${thing_name}{lower}-bucket",
    "iam_role_name": "${role_prefix}-${thing_name}_role",
    "update_name": "${thing_name}_update",
    "existing_certificate_arn": CREATE_NEW_CERTIFICATE,
    "credentials_path": "certificates",
    "build_dir": "build",
    "ota_binary": "${target_application}-update_signed.bin",
    "skip_build": "false",
    "build_script_path": "./tools/scripts/build.sh",
    "private_key_path": "${credentials_path}/thing_private_key_${thing_name}.pem.key",
    "certificate_path": "${credentials_path}/thing_certificate_${thing_name}.pem.crt",
    "target_platform": "corstone315",
    "inference": "SOFTWARE",
    "audio": "ROM",
    "toolchain": "GNU",
    "clean_build": "auto",
}
# Settings createIoTThings.py knows but the simplified flow never reads.
IGNORED_SEED_FIELDS = ("max_listed", "force_delete")
KNOWN_FIELDS = frozenset({*REQUIRED_FIELDS, TARGET_APPLICATION, *BUILTIN_DEFAULTS, *IGNORED_SEED_FIELDS})
# The fields ResolvedSettings carries, each formatted before it is checked.
RESOLVED_FIELDS = (*REQUIRED_FIELDS, *(name for name in BUILTIN_DEFAULTS if name != FORMAT_VARS))

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TARGET_APPLICATION_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_CERTIFICATE_ARN = re.compile(r"arn:aws[a-z-]*:iot:[a-z0-9-]+:\d{12}:cert/[0-9a-f]{64}")
_BOUNDARY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[A-Za-z0-9_+=,.@/-]+")
_CHAINED = "chained formatters"


@dataclass(frozen=True)
class ResolvedSettings:
    """Every setting of the file, formatted, defaulted and checked."""

    thing_name: str
    permissions_boundary: str
    role_prefix: str
    target_application: str | None
    policy_name: str
    bucket_name: str
    iam_role_name: str
    update_name: str
    existing_certificate_arn: str | None
    credentials_path: Path
    build_dir: Path
    ota_binary: str
    skip_build: bool
    build_script_path: Path
    private_key_path: Path
    certificate_path: Path
    target_platform: str
    inference: str
    audio: str
    toolchain: str
    clean_build: CleanBuild
    bucket_name_template: str = ""
    ignored_keys: tuple[str, ...] = ()
    source: str = "settings"

    def require_target_application(self) -> str:
        """Return the target application, or explain how to give one."""
        if self.target_application is None:
            raise BadInputError(
                f"{self.source}: no target application was given",
                _target_application_hint(),
            )
        return self.target_application

    def bucket_name_problem(self) -> BadInputError | None:
        """Explain why S3 would refuse the bucket name, with a fix for the file; None if valid."""
        problem = naming.bucket_name_problem(self.bucket_name)
        if problem is None:
            return None
        suggestion = naming.suggest_bucket_name(self.bucket_name)
        lowered = f"{self.thing_name.lower()}-bucket"
        if naming.bucket_name_problem(lowered) is None:
            fix = f'set "bucket_name" to "${{thing_name}}{{lower}}-bucket" (gives "{lowered}")'
        else:
            fix = f'set "bucket_name" to "{suggestion}"'
        origin = f' (from "{self.bucket_name_template}")' if self.bucket_name_template else ""
        return BadInputError(f"{self.source}: {problem}{origin}", f"In {self.source}, {fix}.")


def sample_settings_text() -> str:
    """Return the sample settings file iotforge ships, with the seed's fields and defaults."""
    sample = resources.files("iotforge.local").joinpath("templates", "settings", SAMPLE_NAME)
    return sample.read_text(encoding="utf-8")


def load_settings(path: str | Path, target_application_override: str | None = None) -> ResolvedSettings:
    """Read, format and check the settings file at `path`; the command line's target wins."""
    text = read_text(path)
    raw = parse_settings_text(text, source=str(path))
    return resolve_settings(raw, target_application_override=target_application_override, source=str(path))


def parse_settings_text(text: str, *, source: str = "settings") -> dict[str, Any]:
    """Parse the file's JSON, refusing duplicate keys and explaining the seed's # comments."""
    try:
        raw = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_refuse_duplicates)
    except json.JSONDecodeError as exc:
        lines = text.splitlines()
        bad_line = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else ""
        hint = (
            "JSON has no comments: delete the lines starting with '#' "
            "(the seed's documentation shows them only to explain the fields)."
            if bad_line.lstrip().startswith("#")
            else "Fix the JSON at that position; every value is a string in double quotes."
        )
        raise BadInputError(
            f"{source} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            hint,
        ) from exc
    except _DuplicateKeyError as exc:
        raise BadInputError(
            f'{source}: the key "{exc.key}" appears more than once',
            "Keep one of them; JSON readers silently use the last.",
        ) from exc
    if not isinstance(raw, dict):
        raise BadInputError(
            f"{source} must hold a JSON object ({{...}}), not a {type(raw).__name__}",
            'Start from the sample: {"thing_name": "...", "permissions_boundary": "...", ...}.',
        )
    return raw


def resolve_settings(
    raw: Mapping[str, Any],
    *,
    target_application_override: str | None = None,
    source: str = "settings",
) -> ResolvedSettings:
    """Apply defaults and the formatter to the parsed file, then check every value."""
    values = _string_values(raw, source)
    target_application = _pick_target_application(values, target_application_override, source)
    variables = _format_variables(values, source)
    resolver = _Resolver(values, variables, target_application, source)

    for name in REQUIRED_FIELDS:
        if not resolver.raw(name):
            raise BadInputError(
                f'{source}: the required field "{name}" is missing or empty',
                f'Set "{name}" in {source}; {_REQUIRED_HELP[name]}',
            )
        if re.search(r"<[^>]*>", resolver.raw(name)):
            raise BadInputError(
                f'{source}: "{name}" still holds the example value {resolver.raw(name)!r}',
                f"Replace it with your own value; {_REQUIRED_HELP[name]}",
            )

    text = {name: resolver.value(name) for name in RESOLVED_FIELDS}
    role_prefix = _checked(source, "role_prefix", naming.check_role_prefix, text["role_prefix"])
    boundary = text["permissions_boundary"]
    if not _BOUNDARY_ARN.fullmatch(boundary):
        raise BadInputError(
            f'{source}: "permissions_boundary" is {boundary!r}, not the ARN of an IAM policy',
            "Use the ARN your administrators gave you, like arn:aws:iam::123456789012:policy/ProjectBoundary.",
        )
    certificate = text["existing_certificate_arn"]
    if certificate != CREATE_NEW_CERTIFICATE and not _CERTIFICATE_ARN.fullmatch(certificate):
        raise BadInputError(
            f'{source}: "existing_certificate_arn" is {certificate!r}, neither '
            f"{CREATE_NEW_CERTIFICATE} nor a certificate ARN",
            f"Use {CREATE_NEW_CERTIFICATE} to create a certificate, or an ARN like "
            "arn:aws:iot:eu-west-1:123456789012:cert/<64 hex digits>.",
        )
    return ResolvedSettings(
        thing_name=_checked(source, "thing_name", naming.check_thing_name, text["thing_name"]),
        permissions_boundary=boundary,
        role_prefix=role_prefix,
        target_application=target_application,
        policy_name=_checked(source, "policy_name", naming.check_policy_name, text["policy_name"]),
        bucket_name=text["bucket_name"],
        iam_role_name=_checked(source, "iam_role_name", naming.check_role_name, text["iam_role_name"]),
        update_name=_checked(source, "update_name", naming.check_update_name, text["update_name"]),
        existing_certificate_arn=None if certificate == CREATE_NEW_CERTIFICATE else certificate,
        credentials_path=Path(text["credentials_path"]),
        build_dir=Path(text["build_dir"]),
        ota_binary=text["ota_binary"],
        skip_build=_boolean(source, "skip_build", text["skip_build"]),
        build_script_path=Path(text["build_script_path"]),
        private_key_path=Path(text["private_key_path"]),
        certificate_path=Path(text["certificate_path"]),
        target_platform=text["target_platform"],
        inference=text["inference"],
        audio=text["audio"],
        toolchain=text["toolchain"],
        clean_build=_clean_build(source, text["clean_build"]),
        bucket_name_template=resolver.raw("bucket_name"),
        ignored_keys=tuple(sorted(_ignored_keys(values, variables))),
        source=source,
    )


def format_value(template: str, variables: Mapping[str, str], *, field: str = "value") -> str:
    """Expand `${name}`, `${name}{lower}` and `${name}{replace A with B}` in `template`."""

    def lookup(name: str) -> str:
        if name not in variables:
            raise BadInputError(
                f'"{field}" uses ${{{name}}}, which is not a format variable',
                f"Known variables: {', '.join(sorted(variables)) or 'none'}.",
            )
        return variables[name]

    return _render(_parse_template(template, field), lookup)


# The template language: literal text, and references with at most one modifier.


@dataclass(frozen=True)
class _Reference:
    name: str
    lower: bool = False
    replace: tuple[str, str] | None = None


_Part = str | _Reference


def _parse_template(template: str, field: str) -> list[_Part]:
    parts: list[_Part] = []
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
        if not _VARIABLE_NAME.fullmatch(name):
            raise BadInputError(
                f'"{field}" refers to ${{{name}}}, which is not a variable name',
                "Variable names are letters, digits and '_', as in ${thing_name}.",
            )
        position = close + 1
        reference = _Reference(name)
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


def _parse_modifier(template: str, position: int, name: str, field: str) -> tuple[_Reference, int]:
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
        return _Reference(name, lower=True), end + 1
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
        return _Reference(name, replace=(old, new)), end + 1
    raise BadInputError(
        f'"{field}" uses the unknown formatter {{{body}}} after ${{{name}}}',
        "The formatter supports ${name}, ${name}{lower} and ${name}{replace A with B}.",
    )


def _render(parts: list[_Part], lookup: Callable[[str], str]) -> str:
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


class _Resolver:
    """Resolve fields lazily, so variables may refer to variables, and loops are caught."""

    def __init__(
        self,
        values: Mapping[str, str],
        variables: frozenset[str],
        target_application: str | None,
        source: str,
    ) -> None:
        self._values = values
        self._variables = variables
        self._target_application = target_application
        self._source = source
        self._done: dict[str, str] = {}
        self._active: list[str] = []

    def raw(self, name: str) -> str:
        """Return the unformatted value: the field, else its _DEFAULT, else the built-in."""
        for key in (name, name + DEFAULT_SUFFIX):
            if self._values.get(key):
                return self._values[key]
        return BUILTIN_DEFAULTS.get(name, "")

    def value(self, name: str) -> str:
        if name in self._done:
            return self._done[name]
        if name in self._active:
            loop = " -> ".join([*self._active[self._active.index(name) :], name])
            raise BadInputError(
                f"{self._source}: format variables refer to each other in a loop: {loop}",
                "Define one of them without referring to the others.",
            )
        self._active.append(name)
        try:
            template = self.raw(name)
            try:
                parts = _parse_template(template, name)
            except BadInputError as exc:
                raise BadInputError(f"{self._source}: {exc.message}", exc.hint) from exc
            result = _render(parts, lambda variable: self._variable(name, variable))
        finally:
            self._active.pop()
        self._done[name] = result
        return result

    def _variable(self, field: str, name: str) -> str:
        if name == TARGET_APPLICATION:
            if self._target_application is None:
                raise BadInputError(
                    f'{self._source}: "{field}" uses ${{target_application}}, but no target application was given',
                    _target_application_hint(),
                )
            return self._target_application
        if name not in self._variables:
            raise BadInputError(
                f'{self._source}: "{field}" uses ${{{name}}}, which is not in "format_vars"',
                f'Append ";{name}" to "format_vars", or fix the spelling.',
            )
        value = self.value(name)
        if not value:
            raise BadInputError(
                f'{self._source}: "{field}" uses ${{{name}}}, which is empty',
                f'Give "{name}" a value.',
            )
        return value


def _string_values(raw: Mapping[str, Any], source: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in raw.items():
        if value is None:
            values[key] = ""
        elif isinstance(value, bool):
            values[key] = "true" if value else "false"
        elif isinstance(value, str):
            values[key] = value
        elif isinstance(value, int):
            values[key] = str(value)
        else:
            raise BadInputError(
                f'{source}: "{key}" must be a string, not {json.dumps(value)[:40]}',
                f'Write it in double quotes, as in "{key}": "...".',
            )
    return values


def _pick_target_application(values: Mapping[str, str], override: str | None, source: str) -> str | None:
    chosen = override or values.get(TARGET_APPLICATION) or None
    if chosen is None:
        return None
    origin = "--target-application" if override else f'"{TARGET_APPLICATION}" in {source}'
    if not _TARGET_APPLICATION_VALUE.fullmatch(chosen):
        raise BadInputError(
            f"{origin} is {chosen!r}, which is not an application name",
            f"Use one of {', '.join(SEED_TARGET_APPLICATIONS)} (letters, digits, '-' and '_').",
        )
    return chosen


def _format_variables(values: Mapping[str, str], source: str) -> frozenset[str]:
    declared = values.get(FORMAT_VARS) or values.get(FORMAT_VARS + DEFAULT_SUFFIX)
    declared = declared or BUILTIN_DEFAULTS[FORMAT_VARS]
    names = {name.strip() for name in declared.split(";") if name.strip()}
    for name in sorted(names):
        if not _VARIABLE_NAME.fullmatch(name):
            raise BadInputError(
                f'{source}: "format_vars" lists {name!r}, which is not a variable name',
                'Separate names with ";", as in "thing_name;role_prefix".',
            )
        if name == FORMAT_VARS:
            raise BadInputError(f'{source}: "format_vars" cannot list itself', "Remove it from the list.")
        if not {name, name + DEFAULT_SUFFIX} & (KNOWN_FIELDS | values.keys()):
            raise BadInputError(
                f'{source}: "format_vars" lists {name!r}, but no setting has that name',
                f'Add a "{name}" setting, or remove it from "format_vars".',
            )
    return frozenset(names | {TARGET_APPLICATION})


def _ignored_keys(values: Mapping[str, str], variables: frozenset[str]) -> set[str]:
    known = KNOWN_FIELDS | variables | {FORMAT_VARS}
    return {key for key in values if key not in known and key.removesuffix(DEFAULT_SUFFIX) not in known}


def _checked(source: str, name: str, check: Callable[[str], str], value: str) -> str:
    try:
        return check(value)
    except BadInputError as exc:
        raise BadInputError(f'{source}: "{name}": {exc.message}', exc.hint) from exc


def _boolean(source: str, name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in {"true", "false"}:
        raise BadInputError(
            f'{source}: "{name}" is {value!r}; it must be "true" or "false"',
            f'Set "{name}" to "true" or "false", or leave it empty for the default.',
        )
    return lowered == "true"


def _clean_build(source: str, value: str) -> CleanBuild:
    lowered = value.strip().lower()
    if lowered not in {"auto", "true", "false"}:
        raise BadInputError(
            f'{source}: "clean_build" is {value!r}; it must be "auto", "true" or "false"',
            '"auto" rebuilds from clean only when aws_clientcredential.h changed.',
        )
    return cast(CleanBuild, lowered)


def _target_application_hint() -> str:
    return (
        "Pass --target-application (one of "
        f'{", ".join(SEED_TARGET_APPLICATIONS)}) or set "target_application" in the file.'
    )


_REQUIRED_HELP = {
    "thing_name": "it names your AWS IoT thing, e.g. my_device.",
    "permissions_boundary": "it is the ARN of your roles' permissions boundary policy.",
    "role_prefix": "your account's role names start with it, e.g. Proj.",
}


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result
