"""The thing registry: things, thing groups and the policies attached to them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iotforge.emulator.moto_patches._base import replace, thing_arn


def patch_create_thing_conflicts() -> None:
    """moto: CreateThing on an existing name silently replaces the thing (new thingId).

    AWS returns the existing thing when the type, attributes and billing group are the same, and
    ResourceAlreadyExistsException (409) when they differ.
    """
    from moto.iot.exceptions import ResourceAlreadyExistsException
    from moto.iot.models import IoTBackend

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_thing(
            self: Any,
            thing_name: str,
            thing_type_name: str | None,
            attribute_payload: dict[str, Any] | None,
            billing_group_name: str | None = None,
        ) -> Any:
            existing = self.things.get(thing_arn(self, thing_name))
            if existing is None:
                return original(self, thing_name, thing_type_name, attribute_payload, billing_group_name)
            existing_type = existing.thing_type.thing_type_name if existing.thing_type else None
            attributes = (attribute_payload or {}).get("attributes") or {}
            same = (
                (thing_type_name or None) == existing_type
                and attributes == (existing.attributes or {})
                and (billing_group_name or None) == (existing.billing_group_name or None)
            )
            if not same:
                raise ResourceAlreadyExistsException(
                    f"Thing {thing_name} already exists in account with different attributes",
                    existing.thing_id,
                    existing.arn,
                )
            return existing

        return create_thing

    replace(IoTBackend, "create_thing", make)


def patch_constant_time_lookups() -> None:
    """moto: DescribeThing and every certificate-principal lookup scan all things or certificates.

    With thousands of things each call is linear, so fleet provisioning and bulk registration become
    quadratic (profiled: 29 s of 34 s for a 10,000-line registration). moto keys things by ARN and
    certificates by id, so both lookups can be direct.
    """
    from moto.iot.exceptions import ResourceNotFoundException
    from moto.iot.models import IoTBackend

    def make_describe(original: Callable[..., Any]) -> Callable[..., Any]:
        def describe_thing(self: Any, thing_name: str) -> Any:
            thing = self.things.get(thing_arn(self, thing_name))
            if thing is None:
                raise ResourceNotFoundException()
            return thing

        return describe_thing

    def make_principal(original: Callable[..., Any]) -> Callable[..., Any]:
        def get_principal(self: Any, principal_arn: str) -> Any:
            if ":cert/" in principal_arn:
                certificate = self.certificates.get(principal_arn.rsplit("/", 1)[-1])
                if certificate is None or certificate.arn != principal_arn:
                    raise ResourceNotFoundException()
                return certificate
            return original(self, principal_arn)

        return get_principal

    replace(IoTBackend, "describe_thing", make_describe)
    replace(IoTBackend, "_get_principal", make_principal)


def patch_delete_thing_leaves_groups() -> None:
    """moto: DeleteThing leaves the thing listed in its thing groups.

    AWS removes a deleted thing from every group; moto keeps it, so ListThingsInThingGroup shows
    deleted things and a thing recreated under the same name looks like a member again.
    """
    from moto.iot.models import IoTBackend

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def delete_thing(self: Any, thing_name: str) -> None:
            arn = thing_arn(self, thing_name)
            original(self, thing_name)
            for group in self.thing_groups.values():
                group.things.pop(arn, None)

        return delete_thing

    replace(IoTBackend, "delete_thing", make)


def patch_thing_group_missing_parent() -> None:
    """moto: CreateThingGroup with a parent that does not exist fails with a 500 (UnboundLocalError).

    AWS answers ResourceNotFoundException.
    """
    from moto.iot.exceptions import ResourceNotFoundException
    from moto.iot.models import IoTBackend

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_thing_group(
            self: Any, thing_group_name: str, parent_group_name: str, *args: Any, **kwargs: Any
        ) -> Any:
            if parent_group_name and not any(
                group.thing_group_name == parent_group_name for group in self.thing_groups.values()
            ):
                raise ResourceNotFoundException(f"Thing group {parent_group_name} does not exist")
            return original(self, thing_group_name, parent_group_name, *args, **kwargs)

        return create_thing_group

    replace(IoTBackend, "create_thing_group", make)


def patch_delete_thing_group_detaches_policies() -> None:
    """moto: DeleteThingGroup leaves the policies attached to the group (AttachPolicy on its ARN).

    ListTargetsForPolicy then still names the deleted group and DeletePolicy refuses with
    DeleteConflictException; a group recreated under the same name (same ARN) would inherit the
    old policies. AWS detaches them along with the group.
    """
    from moto.iot.models import IoTBackend

    def make(original: Callable[..., None]) -> Callable[..., None]:
        def delete_thing_group(self: Any, thing_group_name: str) -> None:
            arns = [arn for arn, group in self.thing_groups.items() if group.thing_group_name == thing_group_name]
            original(self, thing_group_name)
            for arn in arns:
                if arn in self.thing_groups:
                    continue  # not deleted (child groups): its policies stay
                for key in [key for key in self.principal_policies if key[0] == arn]:
                    del self.principal_policies[key]

        return delete_thing_group

    replace(IoTBackend, "delete_thing_group", make)
