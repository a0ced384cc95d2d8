"""AWS IoT provisioning templates, as bulk registration and JITP read them.

A template has Parameters (with optional Default), optional Mappings and Conditions, and Resources
of type AWS::IoT::Thing, AWS::IoT::Certificate and AWS::IoT::Policy. Values may use the intrinsics
the AWS IoT docs list: Ref, Fn::Join, Fn::Select, Fn::Split, Fn::Sub, Fn::FindInMap, plus Fn::If
over the Conditions section (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition) and AWS::NoValue.
`render` resolves one set of parameter values into plain resource declarations.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

THING = "AWS::IoT::Thing"
CERTIFICATE = "AWS::IoT::Certificate"
POLICY = "AWS::IoT::Policy"
RESOURCE_TYPES = (THING, CERTIFICATE, POLICY)
OVERRIDE_ACTIONS = ("DO_NOTHING", "REPLACE", "FAIL", "MERGE")
NO_VALUE = "AWS::NoValue"
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class TemplateError(ValueError):
    """The template, or the parameter values given to it, cannot be resolved."""


@dataclass(frozen=True)
class ThingResource:
    logical_name: str
    thing_name: str
    attributes: dict[str, str] | None
    thing_type_name: str | None
    thing_groups: tuple[str, ...] | None
    billing_group: str | None
    overrides: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CertificateResource:
    logical_name: str
    csr: str | None
    certificate_id: str | None
    certificate_pem: str | None
    ca_certificate_pem: str | None
    status: str
    overrides: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicyResource:
    logical_name: str
    policy_name: str
    policy_document: str | None  # None: the policy must already exist


Resource = ThingResource | CertificateResource | PolicyResource


class _Omitted:
    """What {"Ref": "AWS::NoValue"} resolves to: the property is left out."""


_OMITTED = _Omitted()


@dataclass(frozen=True)
class ProvisioningTemplate:
    parameters: Mapping[str, Mapping[str, Any]]
    mappings: Mapping[str, Any]
    conditions: Mapping[str, Any]
    resources: Mapping[str, Mapping[str, Any]]

    @classmethod
    def parse(cls, body: str) -> ProvisioningTemplate:
        """The template in `body`, checked for the shape AWS requires; TemplateError if not."""
        try:
            document = json.loads(body)
        except ValueError as error:
            raise TemplateError(f"The template body is not valid JSON: {error}") from None
        if not isinstance(document, dict):
            raise TemplateError("The template body must be a JSON object")
        sections = {name: document.get(name, {}) for name in ("Parameters", "Mappings", "Conditions", "Resources")}
        for name, section in sections.items():
            if not isinstance(section, dict):
                raise TemplateError(f"The template's {name} section must be a JSON object")
        resources: dict[str, Any] = sections["Resources"]
        if not resources:
            raise TemplateError("The template declares no Resources")
        counts = dict.fromkeys(RESOURCE_TYPES, 0)
        for logical_name, resource in resources.items():
            kind = resource.get("Type") if isinstance(resource, dict) else None
            if kind not in RESOURCE_TYPES:
                raise TemplateError(f"Resource {logical_name} has unsupported Type {kind!r}")
            if not isinstance(resource.get("Properties", {}), dict):
                raise TemplateError(f"Resource {logical_name} has Properties that are not an object")
            counts[kind] += 1
        for kind in (THING, CERTIFICATE):
            if counts[kind] > 1:
                raise TemplateError(f"A template declares at most one {kind}")
        for name, parameter in sections["Parameters"].items():
            if not isinstance(parameter, dict):
                raise TemplateError(f"Parameter {name} must be an object")
        return cls(
            parameters=sections["Parameters"],
            mappings=sections["Mappings"],
            conditions=sections["Conditions"],
            resources=resources,
        )

    def render(self, values: Mapping[str, Any], pseudo_parameters: Mapping[str, str]) -> list[Resource]:
        """The resources this template declares for one device's parameter `values`."""
        scope = _Scope(self, {**pseudo_parameters, **self._parameter_values(values)})
        rendered: list[Resource] = []
        for logical_name, resource in self.resources.items():
            condition = resource.get("Condition")
            if condition is not None and not scope.condition(condition):
                continue
            properties = scope.resolve(resource.get("Properties", {}))
            overrides = _overrides(logical_name, resource.get("OverrideSettings", {}))
            kind = resource["Type"]
            if kind == THING:
                rendered.append(_thing(logical_name, properties, overrides))
            elif kind == CERTIFICATE:
                rendered.append(_certificate(logical_name, properties, overrides))
            else:
                rendered.append(_policy(logical_name, properties))
        return rendered

    def _parameter_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        resolved: dict[str, Any] = dict(values)
        for name, declaration in self.parameters.items():
            if name in values:
                continue
            if "Default" not in declaration:
                raise TemplateError(f"Parameter {name} has no value and no Default")
            resolved[name] = declaration["Default"]
        return resolved


class _Scope:
    """One rendering: the parameter values, and conditions evaluated once each."""

    def __init__(self, template: ProvisioningTemplate, parameters: dict[str, Any]) -> None:
        self.template = template
        self.parameters = parameters
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.resolve(item) for item in node]
            return [item for item in items if item is not _OMITTED]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((name, argument),) = node.items()
            function = _FUNCTIONS.get(name)
            if function is not None:
                return function(self, argument)
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not _OMITTED}

    def condition(self, name: Any) -> bool:
        if not isinstance(name, str) or name not in self.template.conditions:
            raise TemplateError(f"Condition {name!r} is not declared in Conditions")
        if name not in self._conditions:
            if name in self._evaluating:
                raise TemplateError(f"Condition {name} refers to itself")
            self._evaluating.add(name)
            self._conditions[name] = self.truth(self.template.conditions[name])
            self._evaluating.discard(name)
        return self._conditions[name]

    def truth(self, node: Any) -> bool:
        value = self.resolve(node)
        if not isinstance(value, bool):
            raise TemplateError(f"A condition must evaluate to true or false, not {value!r}")
        return value

    def text(self, node: Any, where: str) -> str:
        value = self.resolve(node)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise TemplateError(f"{where} needs a string, got {value!r}")
        return str(value)

    def reference(self, name: Any) -> Any:
        if name == NO_VALUE:
            return _OMITTED
        if not isinstance(name, str) or name not in self.parameters:
            raise TemplateError(f"Ref to {name!r}: no such parameter")
        return self.parameters[name]


def _arguments(argument: Any, count: int, function: str) -> list[Any]:
    if not isinstance(argument, list) or len(argument) != count:
        raise TemplateError(f"{function} takes a list of {count} arguments")
    return argument


def _ref(scope: _Scope, argument: Any) -> Any:
    return scope.reference(argument)


def _join(scope: _Scope, argument: Any) -> str:
    delimiter, items = _arguments(argument, 2, "Fn::Join")
    values = scope.resolve(items)
    if not isinstance(values, list):
        raise TemplateError("Fn::Join needs a list of values to join")
    return scope.text(delimiter, "Fn::Join").join(scope.text(value, "Fn::Join") for value in values)


def _select(scope: _Scope, argument: Any) -> Any:
    index, items = _arguments(argument, 2, "Fn::Select")
    position = scope.resolve(index)
    values = scope.resolve(items)
    try:
        chosen = values[int(position)]
    except (TypeError, ValueError, IndexError, KeyError):
        raise TemplateError(f"Fn::Select: no element {position!r} in {values!r}") from None
    if chosen is None:
        raise TemplateError("Fn::Select chose a null value")
    return chosen


def _split(scope: _Scope, argument: Any) -> list[str]:
    delimiter, source = _arguments(argument, 2, "Fn::Split")
    return scope.text(source, "Fn::Split").split(scope.text(delimiter, "Fn::Split"))


def _sub(scope: _Scope, argument: Any) -> str:
    if isinstance(argument, str):
        source, variables = argument, {}
    else:
        source, variables = _arguments(argument, 2, "Fn::Sub")
        if not isinstance(source, str) or not isinstance(variables, dict):
            raise TemplateError("Fn::Sub takes a string, or a string and an object of variables")

    def substitute(found: re.Match[str]) -> str:
        name = found.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return scope.text(variables[name], f"Fn::Sub variable {name}")
        return scope.text(scope.reference(name), f"Fn::Sub variable {name}")

    return _SUB_VARIABLE.sub(substitute, source)


def _find_in_map(scope: _Scope, argument: Any) -> Any:
    names = [scope.text(part, "Fn::FindInMap") for part in _arguments(argument, 3, "Fn::FindInMap")]
    try:
        return scope.template.mappings[names[0]][names[1]][names[2]]
    except (KeyError, TypeError):
        raise TemplateError(f"Fn::FindInMap: no value at {' / '.join(names)}") from None


def _if(scope: _Scope, argument: Any) -> Any:
    name, when_true, when_false = _arguments(argument, 3, "Fn::If")
    return scope.resolve(when_true if scope.condition(name) else when_false)


def _equals(scope: _Scope, argument: Any) -> bool:
    first, second = _arguments(argument, 2, "Fn::Equals")
    return bool(scope.resolve(first) == scope.resolve(second))


def _not(scope: _Scope, argument: Any) -> bool:
    (operand,) = _arguments(argument, 1, "Fn::Not")
    return not scope.truth(operand)


def _and(scope: _Scope, argument: Any) -> bool:
    if not isinstance(argument, list) or len(argument) < 2:
        raise TemplateError("Fn::And takes a list of at least 2 conditions")
    return all(scope.truth(operand) for operand in argument)


def _or(scope: _Scope, argument: Any) -> bool:
    if not isinstance(argument, list) or len(argument) < 2:
        raise TemplateError("Fn::Or takes a list of at least 2 conditions")
    return any(scope.truth(operand) for operand in argument)


def _condition(scope: _Scope, argument: Any) -> bool:
    return scope.condition(argument)


_FUNCTIONS = {
    "Ref": _ref,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::Sub": _sub,
    "Fn::FindInMap": _find_in_map,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::Not": _not,
    "Fn::And": _and,
    "Fn::Or": _or,
    "Condition": _condition,
}


def _overrides(logical_name: str, settings: Any) -> dict[str, str]:
    if not isinstance(settings, dict):
        raise TemplateError(f"Resource {logical_name}: OverrideSettings must be an object")
    for setting, action in settings.items():
        if action not in OVERRIDE_ACTIONS:
            raise TemplateError(
                f"Resource {logical_name}: OverrideSettings {setting} must be one of {OVERRIDE_ACTIONS}"
            )
    return dict(settings)


def _optional_text(properties: Mapping[str, Any], name: str, logical_name: str) -> str | None:
    value = properties.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TemplateError(f"Resource {logical_name}: {name} must be a string")
    return str(value)


def _thing(logical_name: str, properties: Mapping[str, Any], overrides: dict[str, str]) -> ThingResource:
    thing_name = _optional_text(properties, "ThingName", logical_name)
    if not thing_name:
        raise TemplateError(f"Resource {logical_name}: ThingName is required")
    payload = properties.get("AttributePayload")
    if payload is not None and not isinstance(payload, dict):
        raise TemplateError(f"Resource {logical_name}: AttributePayload must be an object")
    groups = properties.get("ThingGroups")
    if groups is not None and (not isinstance(groups, list) or not all(isinstance(g, str) for g in groups)):
        raise TemplateError(f"Resource {logical_name}: ThingGroups must be a list of group names")
    return ThingResource(
        logical_name=logical_name,
        thing_name=thing_name,
        attributes=None if payload is None else {str(key): str(value) for key, value in payload.items()},
        thing_type_name=_optional_text(properties, "ThingTypeName", logical_name),
        thing_groups=None if groups is None else tuple(groups),
        billing_group=_optional_text(properties, "BillingGroup", logical_name),
        overrides=overrides,
    )


def _certificate(logical_name: str, properties: Mapping[str, Any], overrides: dict[str, str]) -> CertificateResource:
    csr = _optional_text(properties, "CertificateSigningRequest", logical_name)
    certificate_id = _optional_text(properties, "CertificateId", logical_name)
    certificate_pem = _optional_text(properties, "CertificatePem", logical_name)
    if sum(value is not None for value in (csr, certificate_id, certificate_pem)) != 1:
        raise TemplateError(
            f"Resource {logical_name}: give exactly one of CertificateSigningRequest, CertificateId, CertificatePem"
        )
    status = (_optional_text(properties, "Status", logical_name) or "ACTIVE").upper()
    if status not in ("ACTIVE", "INACTIVE"):
        raise TemplateError(f"Resource {logical_name}: Status must be ACTIVE or INACTIVE")
    return CertificateResource(
        logical_name=logical_name,
        csr=csr,
        certificate_id=certificate_id,
        certificate_pem=certificate_pem,
        ca_certificate_pem=_optional_text(properties, "CACertificatePem", logical_name),
        status=status,
        overrides=overrides,
    )


def _policy(logical_name: str, properties: Mapping[str, Any]) -> PolicyResource:
    name = _optional_text(properties, "PolicyName", logical_name)
    document = properties.get("PolicyDocument")
    if (name is None) == (document is None):
        raise TemplateError(f"Resource {logical_name}: give PolicyName or PolicyDocument, not both")
    if document is None:
        return PolicyResource(logical_name=logical_name, policy_name=str(name), policy_document=None)
    text = document if isinstance(document, str) else json.dumps(document)
    # AWS names a policy declared only by its document after a hash of that document.
    return PolicyResource(
        logical_name=logical_name,
        policy_name=hashlib.sha256(text.encode()).hexdigest(),
        policy_document=text,
    )
