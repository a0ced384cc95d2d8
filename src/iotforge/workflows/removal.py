"""Delete one resource by name: `delete-thing`, `delete-policy`, `delete-certificate`, `delete-iam-role`,
`delete-bucket` (jobs and OTA updates: workflows/ota_jobs.py), with the seed's `-p` and `-f`.

Pruning (`-p`): a certificate the deleted thing or policy held is deactivated and deleted when
nothing else (no thing, no policy) is attached to it afterwards.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from iotforge.errors import ConflictError, IotforgeError, NotFoundError
from iotforge.workflows.naming import OTA_JOB_PREFIX
from iotforge.workflows.ota_models import RoleInfo
from iotforge.workflows.ports import ObjectStore, OtaControl, RoleStore
from iotforge.workflows.resource_ports import Consent, IotResources

Sleep = Callable[[float], None]
CONFLICT_RETRIES = 8


@dataclass(frozen=True)
class Removal:
    """What a delete command removed, and what it left because something else still uses it."""

    deleted: tuple[str, ...]
    kept: tuple[str, ...] = field(default=())


def delete_thing(registry: IotResources, name: str, prune: bool, sleep: Sleep = time.sleep) -> Removal:
    """Detach the thing's certificates, delete it; with `prune`, delete certificates now unused."""
    principals = registry.thing_principals(name) if registry.thing_exists(name) else None
    if principals is None:
        raise NotFoundError(f"No thing is named {name}.", "List them with `iotforge list-things`.")
    for principal in principals:
        registry.detach_thing_principal(name, principal)
    _wait_detached(lambda: bool(registry.thing_principals(name)), sleep)
    _retry_conflicts(lambda: registry.delete_thing(name), sleep)
    deleted, kept = [f"thing {name}"], list[str]()
    if prune:
        for principal in principals:
            (deleted if prune_certificate(registry, principal, sleep, ignore_thing=name) else kept).append(
                f"certificate {_certificate_id(principal)}"
            )
    return Removal(tuple(deleted), tuple(kept))


def delete_policy(registry: IotResources, name: str, prune: bool, sleep: Sleep = time.sleep) -> Removal:
    """Detach the policy from every target, delete it; with `prune`, delete certificates now unused."""
    targets = registry.policy_targets(name) if registry.policy_exists(name) else None
    if targets is None:
        raise NotFoundError(f"No policy is named {name}.", "List them with `iotforge list-policies`.")
    for target in targets:
        registry.detach_policy(name, target)
    _retry_conflicts(lambda: registry.delete_policy(name), sleep)
    deleted, kept = [f"policy {name}"], list[str]()
    if prune:
        for target in (t for t in targets if ":cert/" in t):
            (deleted if prune_certificate(registry, target, sleep) else kept).append(
                f"certificate {_certificate_id(target)}"
            )
    return Removal(tuple(deleted), tuple(kept))


def prune_certificate(registry: IotResources, arn: str, sleep: Sleep, ignore_thing: str | None = None) -> bool:
    """Deactivate and delete the certificate if no thing and no policy uses it; True when deleted."""
    things = [thing for thing in registry.principal_things(arn) if thing != ignore_thing]
    if things or registry.attached_policies(arn):
        return False
    certificate = _certificate_id(arn)
    try:
        registry.deactivate_certificate(certificate)
        _retry_conflicts(lambda: registry.delete_certificate(certificate), sleep)
    except NotFoundError:
        return False
    return True


def delete_certificate(registry: IotResources, certificate: str, force: bool, sleep: Sleep = time.sleep) -> Removal:
    """Deactivate and delete a certificate; with `force`, first delete the things and policies using it."""
    certificate = _certificate_id(certificate)
    if registry.certificate_status(certificate) is None:
        raise NotFoundError(f"No certificate has the id {certificate}.", "List them with `iotforge list-certificates`.")
    arn = registry.certificate_arn(certificate)
    things, policies = registry.principal_things(arn), registry.attached_policies(arn)
    if (things or policies) and not force:
        users = [f"thing {name}" for name in things] + [f"policy {name}" for name in policies]
        raise ConflictError(
            f"Certificate {certificate[:12]}... is attached to {', '.join(users)}; nothing was changed.",
            "Detach it first, or add -f to delete those things and policies with it (as createIoTThings.py does).",
        )
    deleted: list[str] = []
    for policy in policies:
        deleted.extend(delete_policy(registry, policy, prune=False, sleep=sleep).deleted)
    for thing in things:
        deleted.extend(delete_thing(registry, thing, prune=False, sleep=sleep).deleted)
    registry.deactivate_certificate(certificate)
    _retry_conflicts(lambda: registry.delete_certificate(certificate), sleep)
    return Removal((*deleted, f"certificate {certificate}"))


def role_users(registry: IotResources, ota: OtaControl, role_arn: str) -> list[str]:
    """The OTA updates that run with this role: AWS IoT needs it to delete their job and stream.

    AWS does not report an update's role; its MQTT stream and its HTTP job's presigned URLs do.
    """
    users = []
    for listed in registry.list_resources("ota-updates"):
        update = ota.get_ota_update(listed.name)
        if update is None:
            continue
        job_id = update.job_id or OTA_JOB_PREFIX + update.update_id
        roles = {registry.job_presigned_role(job_id)}
        stream = _stream_of(ota.get_job_document(job_id))
        if stream is not None:
            roles.add(registry.stream_role(stream))
        if role_arn in roles:
            users.append(update.update_id)
    return users


def _stream_of(document: str | None) -> str | None:
    """The stream an OTA job document names (`afr_ota.streamname`)."""
    try:
        found = json.loads(document or "{}").get("afr_ota", {}).get("streamname")
    except (ValueError, AttributeError):
        return None
    return str(found) if found else None


def delete_role(
    roles: RoleStore, registry: IotResources, ota: OtaControl, name: str, force: bool, consent: Consent
) -> Removal:
    """Delete the role; refuse while an OTA update uses it unless forced and confirmed."""
    role = roles.get_role(name)
    if role is None:
        raise NotFoundError(f"No IAM role is named {name}.", "List them with `iotforge list-iam-roles`.")
    users = role_users(registry, ota, role.arn)
    if users:
        named = ", ".join(users)
        if not force:
            raise ConflictError(
                f"Role {name} is the role of OTA update(s) {named}: AWS IoT uses it to delete their job and stream.",
                f"Delete them first (iotforge delete-ota-update --ota_update_name {users[0]} -f), or add -f to "
                "delete the role anyway.",
            )
        if not consent(f"Delete role {name} although OTA update(s) {named} use it (they can then not be deleted)?"):
            raise IotforgeError(f"Kept role {name}.", f"Delete OTA update(s) {named} first.")
    attached = _policies(role)
    if attached and not force:
        raise ConflictError(
            f"Role {name} has {len(attached)} policies attached ({', '.join(attached)}); nothing was changed.",
            "Add -f to remove them together with the role.",
        )
    roles.delete_role(name)
    return Removal((f"role {name}",))


def delete_bucket(storage: ObjectStore, name: str, force: bool) -> Removal:
    """Delete the bucket; with `force`, every object version and delete marker in it first."""
    if not storage.bucket_exists(name):
        raise NotFoundError(f"No bucket is named {name}.", "List them with `iotforge list-buckets`.")
    storage.delete_bucket(name, force)
    return Removal((f"bucket {name}",))


def _policies(role: RoleInfo) -> list[str]:
    return [*role.inline_policies, *(arn.rsplit("/", 1)[-1] for arn in role.managed_policies)]


def _certificate_id(principal: str) -> str:
    return principal.rsplit("/", 1)[-1]


def _wait_detached(still_attached: Callable[[], bool], sleep: Sleep) -> None:
    """DetachThingPrincipal is asynchronous in AWS; deleting before it shows fails with a conflict."""
    delay = 0.1
    for _ in range(20):
        if not still_attached():
            return
        sleep(delay)
        delay = min(delay * 2, 2.0)


def _retry_conflicts(call: Callable[[], object], sleep: Sleep) -> None:
    delay = 0.2
    for attempt in range(CONFLICT_RETRIES):
        try:
            call()
            return
        except ConflictError:
            if attempt == CONFLICT_RETRIES - 1:
                raise
            sleep(delay)
            delay = min(delay * 2, 5.0)
