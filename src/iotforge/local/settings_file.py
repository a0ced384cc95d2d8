"""Read the JSON settings file of Arm's createIoTThings.py: parse, default, format, check.

The file maps each setting to a string. An empty value falls back to `<field>_DEFAULT` in the
same file, and then to the defaults the seed documents (`settings_fields`), so a file holding
only the three required fields works. Values may refer to the variables listed in `format_vars`
(and always to `target_application`) in the three forms `settings_formatter` describes, and only
those; `settings_resolver` expands them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast

from iotforge.errors import BadInputError
from iotforge.local.files import read_text
from iotforge.local.settings_fields import (
    BUILTIN_DEFAULTS,
    CREATE_NEW_CERTIFICATE,
    DEFAULT_SUFFIX,
    FORMAT_VARS,
    KNOWN_FIELDS,
    REQUIRED_FIELDS,
    REQUIRED_HELP,
    RESOLVED_FIELDS,
    SEED_TARGET_APPLICATIONS,
    TARGET_APPLICATION,
    CleanBuild,
    target_application_hint,
)
from iotforge.local.settings_formatter import format_value
from iotforge.local.settings_resolver import FieldResolver, format_variables
from iotforge.workflows import naming

# Callers and tests read the fields and the formatter through this module, the file's public face.
__all__ = [
    "BUILTIN_DEFAULTS",
    "CREATE_NEW_CERTIFICATE",
    "KNOWN_FIELDS",
    "REQUIRED_FIELDS",
    "SAMPLE_NAME",
    "ResolvedSettings",
    "format_value",
    "load_settings",
    "parse_settings_text",
    "resolve_settings",
    "sample_settings_text",
]

SAMPLE_NAME = "aws-configs.json"

_TARGET_APPLICATION_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_CERTIFICATE_ARN = re.compile(r"arn:aws[a-z-]*:iot:[a-z0-9-]+:\d{12}:cert/[0-9a-f]{64}")
_BOUNDARY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[A-Za-z0-9_+=,.@/-]+")


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
                target_application_hint(),
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
    variables = format_variables(values, source)
    resolver = FieldResolver(values, variables, target_application, source)

    for name in REQUIRED_FIELDS:
        if not resolver.raw(name):
            raise BadInputError(
                f'{source}: the required field "{name}" is missing or empty',
                f'Set "{name}" in {source}; {REQUIRED_HELP[name]}',
            )
        if re.search(r"<[^>]*>", resolver.raw(name)):
            raise BadInputError(
                f'{source}: "{name}" still holds the example value {resolver.raw(name)!r}',
                f"Replace it with your own value; {REQUIRED_HELP[name]}",
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
