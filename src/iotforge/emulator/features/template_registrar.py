"""Create in moto what a rendered provisioning template declares, as AWS IoT's RegisterThing does.

One registration is all or nothing: everything is checked before anything changes, and what a
failing registration created is removed again. The caller holds the emulator's moto lock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from iotforge.emulator.features.provisioning_template import (
    CertificateResource,
    PolicyResource,
    Resource,
    ThingResource,
)

# When a template names a thing or certificate that already exists and gives no OverrideSettings
# for a property: things keep what they have; a certificate takes the template's Status (the
# fleet provisioning flow relies on that to activate the certificate it just created).
_THING_DEFAULT_ACTION = "DO_NOTHING"
_STATUS_DEFAULT_ACTION = "REPLACE"
REGISTRATION_FAILURE = "ResourceRegistrationFailureException"
_THING_NAME = re.compile(r"[a-zA-Z0-9:_-]{1,128}")
_ATTRIBUTE_NAME = re.compile(r"[a-zA-Z0-9_.,@/:#-]{1,128}")
_ATTRIBUTE_VALUE = re.compile(r"[a-zA-Z0-9_.,@/:#=\[\]-]{0,800}")
RESOURCE_CONFLICT = "ResourceConflictsException"


class RegistrationFailure(Exception):
    """A registration AWS would refuse; `code` is the AWS error code."""

    def __init__(self, message: str, code: str = REGISTRATION_FAILURE) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Registered:
    resource_arns: dict[str, str]  # logical name -> ARN
    certificate_pem: str | None


def register(backend: Any, resources: Sequence[Resource]) -> Registered:
    """Register `resources` in the moto IoT `backend`; RegistrationFailure if AWS would refuse."""
    return _Registration(backend).run(resources)


@dataclass
class _Registration:
    backend: Any
    _undo: list[Callable[[], None]] = field(default_factory=list)

    def run(self, resources: Sequence[Resource]) -> Registered:
        thing = next((r for r in resources if isinstance(r, ThingResource)), None)
        certificate = next((r for r in resources if isinstance(r, CertificateResource)), None)
        policies = [r for r in resources if isinstance(r, PolicyResource)]
        try:
            existing_thing = self._check_thing(thing) if thing else None
            if certificate:
                self._check_certificate(certificate)
            for policy in policies:
                self._check_policy(policy)
            return self._apply(thing, existing_thing, certificate, policies)
        except RegistrationFailure:
            self._roll_back()
            raise
        except Exception as error:
            self._roll_back()
            raise RegistrationFailure(_describe(error)) from error

    def _apply(
        self,
        thing: ThingResource | None,
        existing_thing: Any,
        certificate: CertificateResource | None,
        policies: list[PolicyResource],
    ) -> Registered:
        arns: dict[str, str] = {}
        issued: Any = None
        if certificate:
            issued = self._certificate(certificate)
            arns[certificate.logical_name] = issued.arn
        if thing:
            arns[thing.logical_name] = self._thing(thing, existing_thing)
        for policy in policies:
            arns[policy.logical_name] = self._policy(policy)
        if issued is not None:
            for policy in policies:
                self._attach_policy(policy.policy_name, issued.arn)
            if thing:
                self._attach_thing_principal(thing.thing_name, issued.arn)
        return Registered(resource_arns=arns, certificate_pem=issued.certificate_pem if issued else None)

    # Checks: nothing changes yet.

    def _check_thing(self, thing: ThingResource) -> Any:
        if not _THING_NAME.fullmatch(thing.thing_name):
            raise RegistrationFailure(f"Thing name {thing.thing_name!r} is not valid: 1-128 of [a-zA-Z0-9:_-].")
        for name, value in (thing.attributes or {}).items():
            if not _ATTRIBUTE_NAME.fullmatch(name) or not _ATTRIBUTE_VALUE.fullmatch(value):
                raise RegistrationFailure(f"Thing attribute {name}={value!r} is not a valid attribute.")
        if thing.thing_type_name:
            found = _lookup(self.backend.describe_thing_type, thing.thing_type_name)
            if found is None:
                raise RegistrationFailure(f"Thing Type {self.backend.account_id}:{thing.thing_type_name} not found.")
            if found.metadata.get("deprecated"):
                raise RegistrationFailure(f"Thing Type {thing.thing_type_name} is deprecated.")
        for group in thing.thing_groups or ():
            if _lookup(self.backend.describe_thing_group, group) is None:
                raise RegistrationFailure(f"Thing Group {group} not found.")
        if thing.billing_group and _lookup(self.backend.describe_billing_group, thing.billing_group) is None:
            raise RegistrationFailure(f"Billing Group {thing.billing_group} not found.")
        existing = self.backend.things.get(_thing_arn(self.backend, thing.thing_name))
        if existing is not None:
            declared = {
                "AttributePayload": thing.attributes is not None,
                "ThingTypeName": thing.thing_type_name is not None,
                "ThingGroups": thing.thing_groups is not None,
            }
            for setting, present in declared.items():
                if present and thing.overrides.get(setting) == "FAIL":
                    raise RegistrationFailure(
                        f"Thing {thing.thing_name} already exists and OverrideSettings {setting} is FAIL.",
                        RESOURCE_CONFLICT,
                    )
        return existing

    def _check_certificate(self, certificate: CertificateResource) -> None:
        # A CSR is checked by CreateCertificateFromCsr itself, the first change a registration makes.
        if certificate.certificate_id is not None:
            if certificate.certificate_id not in self.backend.certificates:
                raise RegistrationFailure(f"Certificate {certificate.certificate_id} not found.")
        elif certificate.certificate_pem is not None:
            try:
                x509.load_pem_x509_certificate(certificate.certificate_pem.encode())
            except ValueError:
                raise RegistrationFailure("The certificate PEM is not valid.") from None

    def _check_policy(self, policy: PolicyResource) -> None:
        if policy.policy_document is None:
            if _lookup(self.backend.get_policy, policy.policy_name) is None:
                raise RegistrationFailure(f"Policy {policy.policy_name} not found.")
            return
        try:
            json.loads(policy.policy_document)
        except ValueError:
            raise RegistrationFailure("The policy document is not valid JSON.") from None

    # Changes, each with its undo.

    def _certificate(self, certificate: CertificateResource) -> Any:
        active = certificate.status == "ACTIVE"
        if certificate.csr is not None:
            issued = self.backend.create_certificate_from_csr(certificate.csr, set_as_active=active)
            self._undo.append(lambda: self._delete_certificate(issued.certificate_id))
            return issued
        if certificate.certificate_id is not None:
            existing = self.backend.certificates[certificate.certificate_id]
        else:
            assert certificate.certificate_pem is not None
            registered = self._find_registered(certificate.certificate_pem)
            if registered is None:
                issued = self.backend.register_certificate(
                    certificate.certificate_pem,
                    certificate.ca_certificate_pem,
                    set_as_active=active,
                    status=certificate.status,
                )
                self._undo.append(lambda: self._delete_certificate(issued.certificate_id))
                return issued
            existing = registered
        action = certificate.overrides.get("Status", _STATUS_DEFAULT_ACTION)
        if action == "FAIL":
            raise RegistrationFailure(
                f"Certificate {existing.certificate_id} already exists and OverrideSettings Status is FAIL.",
                RESOURCE_CONFLICT,
            )
        if action == "REPLACE" and existing.status != certificate.status:
            previous = existing.status
            self.backend.update_certificate(existing.certificate_id, certificate.status)
            self._undo.append(lambda: self.backend.update_certificate(existing.certificate_id, previous))
        return existing

    def _find_registered(self, certificate_pem: str) -> Any:
        for candidate in self.backend.certificates.values():
            if candidate.certificate_pem == certificate_pem:
                return candidate
        return None

    def _delete_certificate(self, certificate_id: str) -> None:
        self.backend.update_certificate(certificate_id, "INACTIVE")
        self.backend.delete_certificate(certificate_id, force_delete=True)

    def _thing(self, thing: ThingResource, existing: Any) -> str:
        if existing is None:
            payload = {"attributes": thing.attributes or {}}
            created = self.backend.create_thing(
                thing.thing_name, thing.thing_type_name, payload, billing_group_name=thing.billing_group
            )
            self._undo.append(lambda: self._delete_thing(created))
            for group in thing.thing_groups or ():
                self.backend.add_thing_to_thing_group(group, None, None, created.arn)
            return str(created.arn)
        self._update_thing(thing, existing)
        return str(existing.arn)

    def _update_thing(self, thing: ThingResource, existing: Any) -> None:
        """Apply the template's OverrideSettings to a thing that already exists."""
        name, overrides = existing.thing_name, thing.overrides
        attributes_action = overrides.get("AttributePayload", _THING_DEFAULT_ACTION)
        if thing.attributes is not None and attributes_action in ("REPLACE", "MERGE"):
            previous = dict(existing.attributes)
            payload = {"attributes": thing.attributes, "merge": attributes_action == "MERGE"}
            self.backend.update_thing(name, None, payload, False)
            self._undo.append(lambda: self.backend.update_thing(name, None, {"attributes": previous}, False))
        type_action = overrides.get("ThingTypeName", _THING_DEFAULT_ACTION)
        if thing.thing_type_name is not None and type_action == "REPLACE":
            previous_type = existing.thing_type.thing_type_name if existing.thing_type else None
            self.backend.update_thing(name, thing.thing_type_name, None, False)
            self._undo.append(lambda: self.backend.update_thing(name, previous_type, None, previous_type is None))
        groups_action = overrides.get("ThingGroups", _THING_DEFAULT_ACTION)
        if thing.thing_groups is not None and groups_action in ("REPLACE", "MERGE"):
            wanted = set(thing.thing_groups)
            for group in list(self.backend.thing_groups.values()):
                member = existing.arn in group.things
                if group.thing_group_name in wanted and not member:
                    self._add_to_group(group.thing_group_name, existing.arn)
                elif groups_action == "REPLACE" and member and group.thing_group_name not in wanted:
                    self._remove_from_group(group.thing_group_name, existing.arn)

    def _add_to_group(self, group_name: str, thing_arn: str) -> None:
        self.backend.add_thing_to_thing_group(group_name, None, None, thing_arn)
        self._undo.append(lambda: self.backend.remove_thing_from_thing_group(group_name, None, None, thing_arn))

    def _remove_from_group(self, group_name: str, thing_arn: str) -> None:
        self.backend.remove_thing_from_thing_group(group_name, None, None, thing_arn)
        self._undo.append(lambda: self.backend.add_thing_to_thing_group(group_name, None, None, thing_arn))

    def _delete_thing(self, thing: Any) -> None:
        # moto's delete_thing leaves the thing listed in its thing groups.
        for group in list(self.backend.thing_groups.values()):
            if thing.arn in group.things:
                self.backend.remove_thing_from_thing_group(group.thing_group_name, None, None, thing.arn)
        self.backend.delete_thing(thing.thing_name)

    def _policy(self, policy: PolicyResource) -> str:
        found = _lookup(self.backend.get_policy, policy.policy_name)
        if found is not None:
            return str(found.arn)
        created = self.backend.create_policy(policy.policy_name, policy.policy_document)
        self._undo.append(lambda: self.backend.delete_policy(policy.policy_name))
        return str(created.arn)

    def _attach_policy(self, policy_name: str, certificate_arn: str) -> None:
        if (certificate_arn, policy_name) in self.backend.principal_policies:
            return
        self.backend.attach_policy(policy_name, certificate_arn)
        self._undo.append(lambda: self.backend.detach_policy(policy_name, certificate_arn))

    def _attach_thing_principal(self, thing_name: str, certificate_arn: str) -> None:
        if (certificate_arn, thing_name) in self.backend.principal_things:
            return
        self.backend.attach_thing_principal(thing_name, certificate_arn)
        self._undo.append(lambda: self.backend.detach_thing_principal(thing_name, certificate_arn))

    def _roll_back(self) -> None:
        for undo in reversed(self._undo):
            try:
                undo()
            except Exception:  # noqa: S112 - best effort: undo what can be undone
                continue
        self._undo.clear()


def _lookup(find: Callable[[str], Any], name: str) -> Any:
    """What moto's `find(name)` returns, or None where it raises ResourceNotFoundException."""
    try:
        return find(name)
    except Exception as error:
        if getattr(error, "error_type", None) == "ResourceNotFoundException":
            return None
        raise


def _thing_arn(backend: Any, thing_name: str) -> str:
    # moto keys things by ARN: looking one up this way stays O(1) with 10,000s of things.
    from moto.utilities.utils import get_partition

    return f"arn:{get_partition(backend.region_name)}:iot:{backend.region_name}:{backend.account_id}:thing/{thing_name}"


def _describe(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return str(message)
