"""Expand the settings file's fields: defaults, format variables that refer to each other, loops."""

from __future__ import annotations

from collections.abc import Mapping

from iotforge.errors import BadInputError
from iotforge.local.settings_fields import (
    BUILTIN_DEFAULTS,
    DEFAULT_SUFFIX,
    FORMAT_VARS,
    KNOWN_FIELDS,
    TARGET_APPLICATION,
    target_application_hint,
)
from iotforge.local.settings_formatter import VARIABLE_NAME, parse_template, render


class FieldResolver:
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
        """Return the field formatted, resolving the variables it uses first."""
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
                parts = parse_template(template, name)
            except BadInputError as exc:
                raise BadInputError(f"{self._source}: {exc.message}", exc.hint) from exc
            result = render(parts, lambda variable: self._variable(name, variable))
        finally:
            self._active.pop()
        self._done[name] = result
        return result

    def _variable(self, field: str, name: str) -> str:
        if name == TARGET_APPLICATION:
            if self._target_application is None:
                raise BadInputError(
                    f'{self._source}: "{field}" uses ${{target_application}}, but no target application was given',
                    target_application_hint(),
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


def format_variables(values: Mapping[str, str], source: str) -> frozenset[str]:
    """Return the variables values may use: those `format_vars` lists, checked, and target_application."""
    declared = values.get(FORMAT_VARS) or values.get(FORMAT_VARS + DEFAULT_SUFFIX)
    declared = declared or BUILTIN_DEFAULTS[FORMAT_VARS]
    names = {name.strip() for name in declared.split(";") if name.strip()}
    for name in sorted(names):
        if not VARIABLE_NAME.fullmatch(name):
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
