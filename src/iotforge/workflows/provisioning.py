"""Provision things into a project: local key, CSR, certificate, thing, attachments — resumably.

Every remote step is journaled when done; the one that is not idempotent (the certificate) is
journaled before it too. A rerun of the same command replays the journal and finishes the
interrupted batch instead of starting another, redoing at most the idempotent step a crash cut.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal

from iotforge.crypto import (
    KeyType,
    build_csr,
    generate_private_key,
    load_private_key,
    private_key_pem,
)
from iotforge.crypto.keys import PrivateKey
from iotforge.errors import BadInputError, IotforgeError
from iotforge.workflows.journal_state import BatchJournal, ProjectJournal, ThingJournal, fold
from iotforge.workflows.models import IssuedCertificate, ThingSpec
from iotforge.workflows.naming import check_policy_name, check_thing_base_name, check_thing_name
from iotforge.workflows.parallel import run_parallel
from iotforge.workflows.policy import check_policy_text, default_thing_policy, policy_text
from iotforge.workflows.ports import AccountProbe, IotRegistry, ProgressPort, ProjectFiles, SilentProgress
from iotforge.workflows.project import activate_thing, highest_index, repair_activation
from iotforge.workflows.recovery import interrupted_certificates

KeySource = Literal["local", "aws"]
OWNER_ATTRIBUTE = "iotforge_project"


@dataclass(frozen=True)
class AddThingsRequest:
    count: int = 1
    base_name: str | None = None
    policy_name: str | None = None
    policy_document: str | None = None
    key_type: KeyType = "ec-p256"
    key_source: KeySource = "local"
    thing_groups: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    thing_type: str | None = None
    concurrency: int = 8
    discard_incomplete: bool = False
    resume_only: bool = False

    def batch_identity(self) -> dict[str, Any]:
        """What makes two add-things calls "the same command" for resuming."""
        identity = asdict(self)
        for transient in ("concurrency", "discard_incomplete", "resume_only", "policy_document"):
            identity.pop(transient)
        identity["thing_groups"] = list(self.thing_groups)
        identity["attributes"] = [list(pair) for pair in self.attributes]
        return identity


@dataclass(frozen=True)
class ProvisionResult:
    batch: str | None
    things: tuple[str, ...]
    resumed: bool
    policy_name: str | None
    policy_created: bool
    active_thing: str | None
    warnings: tuple[str, ...] = ()


@dataclass
class _Run:
    project: ProjectFiles
    registry: IotRegistry
    request: AddThingsRequest
    owner: str
    policy_name: str
    endpoint: str
    journal: ProjectJournal
    warnings: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Certificates AWS made for our keys during calls a crash interrupted, by thing name.
    recovered: dict[str, IssuedCertificate] = field(default_factory=dict)

    def record(self, record: Mapping[str, Any], *, durable: bool = True) -> None:
        self.project.journal.append({**record, "at": _now().isoformat()}, durable=durable)


def _now() -> datetime:
    return datetime.now(UTC)


def add_things(
    project: ProjectFiles,
    registry: IotRegistry,
    account: AccountProbe,
    request: AddThingsRequest,
    progress: ProgressPort | None = None,
) -> ProvisionResult:
    """Provision `request.count` things (or finish the interrupted batch) into `project`."""
    progress = progress or SilentProgress()
    _check_request(request)
    journal = fold(project.journal.records())
    repair_activation(project, journal)
    batch, resumed = _choose_batch(project, registry, account, journal, request)
    if batch is None:
        return ProvisionResult(None, (), False, None, False, project.config().get("thingname"))
    stored_request = AddThingsRequest(**_request_from_identity(batch.request))
    owner = _project_owner(project)
    policy_name = str(batch.request["policy_name"])
    policy_created = _ensure_policy(project, registry, account, journal, policy_name, request.policy_document)
    endpoint = str(project.config().get("endpoint") or account.data_endpoint())
    run = _Run(project, registry, stored_request, owner, policy_name, endpoint, fold(project.journal.records()))
    _provision_batch(run, batch, max(1, request.concurrency), progress)
    run.record({"type": "batch-finished", "batch": batch.batch})
    active = project.config().get("thingname")
    if not active:
        activate_thing(project, batch.things[0])
        active = batch.things[0]
    return ProvisionResult(
        batch.batch, tuple(batch.things), resumed, policy_name, policy_created, active, tuple(run.warnings)
    )


def _check_request(request: AddThingsRequest) -> None:
    if request.count < 1:
        raise BadInputError(
            f"--things-number must be at least 1 (got {request.count}).", "Pass --things-number 1 or more."
        )
    if request.policy_name is not None:
        check_policy_name(request.policy_name)
    if request.policy_document is not None:
        check_policy_text(request.policy_document, "the --policy-file document")
    if request.key_source == "aws" and request.key_type != "rsa-2048":
        raise BadInputError(
            "--key-source aws makes AWS generate an RSA-2048 key; --key-type does not apply.",
            "Drop --key-type, or use the default --key-source local.",
        )


def _choose_batch(
    project: ProjectFiles,
    registry: IotRegistry,
    account: AccountProbe,
    journal: ProjectJournal,
    request: AddThingsRequest,
) -> tuple[BatchJournal | None, bool]:
    incomplete = journal.incomplete_batch
    if incomplete is not None:
        if request.discard_incomplete:
            from iotforge.workflows.cleanup import discard_batch

            discard_batch(project, registry, incomplete)
            journal = fold(project.journal.records())
        elif request.resume_only or _same_request(incomplete, request, project):
            return incomplete, True
        else:
            count = len(incomplete.things)
            raise BadInputError(
                f"An earlier add-things batch ({count} things named {incomplete.things[0]}...) did not finish.",
                f"Finish it with `iotforge project resume {project.root}`, or add --discard-incomplete to remove "
                "its partial things first.",
            )
    if request.resume_only:
        return None, False
    return _start_batch(project, journal, request), False


def _same_request(batch: BatchJournal, request: AddThingsRequest, project: ProjectFiles) -> bool:
    resolved = _resolve_names(project, request)
    return dict(batch.request) == resolved.batch_identity()


def _resolve_names(project: ProjectFiles, request: AddThingsRequest) -> AddThingsRequest:
    metadata, config = project.metadata(), project.config()
    base = request.base_name if request.base_name is not None else metadata.get("things_base_name")
    if base is None:
        raise BadInputError(
            "This project has no things yet, so it needs a base name for them.",
            "Pass --things-base-name NAME (things are named NAME_0, NAME_1, ...).",
        )
    # The name the user typed is checked before the policy name derived from it, so the message names it.
    check_thing_name(base)
    policy = request.policy_name or config.get("policy_name") or f"{base}_policy"
    return AddThingsRequest(**{**asdict(request), "base_name": base, "policy_name": policy})


def _start_batch(project: ProjectFiles, journal: ProjectJournal, request: AddThingsRequest) -> BatchJournal:
    resolved = _resolve_names(project, request)
    assert resolved.base_name is not None
    existing = [thing.name for thing in journal.live_things()] + project.local_things()
    first = highest_index(existing, resolved.base_name) + 1
    last = first + request.count - 1
    check_thing_base_name(resolved.base_name, last)
    assert resolved.policy_name is not None
    check_policy_name(resolved.policy_name)
    names = [f"{resolved.base_name}_{index}" for index in range(first, last + 1)]
    for name in names:
        # Before any remote call: a key path we could not write would otherwise stop the run half done.
        project.check_new_thing(name)
    batch_id = uuid.uuid4().hex[:12]
    identity = resolved.batch_identity()
    project.journal.append(
        {"type": "batch", "batch": batch_id, "request": identity, "things": names, "at": _now().isoformat()}
    )
    project.update_metadata({"things_base_name": resolved.base_name})
    return BatchJournal(batch_id, identity, names)


def _request_from_identity(identity: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(identity)
    values["thing_groups"] = tuple(values.get("thing_groups", ()))
    values["attributes"] = tuple(tuple(pair) for pair in values.get("attributes", ()))
    return values


def _project_owner(project: ProjectFiles) -> str:
    owner = project.metadata().get("project_id")
    if not owner:
        owner = uuid.uuid4().hex
        project.update_metadata({"project_id": owner})
    return str(owner)


def _ensure_policy(
    project: ProjectFiles,
    registry: IotRegistry,
    account: AccountProbe,
    journal: ProjectJournal,
    policy_name: str,
    policy_document: str | None,
) -> bool:
    if not project.config().get("policy_name"):
        project.update_config({"policy_name": policy_name})
    intended = policy_name in journal.pending_policies
    if registry.policy_exists(policy_name):
        if intended:  # created by us just before an interruption
            project.journal.append({"type": "policy-created", "policy": policy_name, "at": _now().isoformat()})
        return False
    if policy_document is None:
        identity = account.caller_identity()
        policy_document = policy_text(default_thing_policy(account.region(), identity.account))
    project.journal.append({"type": "policy-intent", "policy": policy_name, "at": _now().isoformat()})
    registry.create_policy(policy_name, policy_document)
    project.journal.append({"type": "policy-created", "policy": policy_name, "at": _now().isoformat()})
    return True


def _provision_batch(run: _Run, batch: BatchJournal, concurrency: int, progress: ProgressPort) -> None:
    todo = [run.journal.things[name] for name in batch.things if not run.journal.things[name].complete]
    run.recovered = interrupted_certificates(run.project, run.registry, run.journal, todo)
    label = f"provisioning {len(batch.things)} things"
    try:
        run_parallel(todo, partial(_provision_thing, run), concurrency, progress, label, len(batch.things) - len(todo))
    except BaseException:
        run.project.journal.flush()  # what was done before the error stays known, so a rerun does not redo it
        raise


def _provision_thing(run: _Run, thing: ThingJournal) -> None:
    project, registry, request = run.project, run.registry, run.request
    key = _ensure_key(run, thing)
    if "certificate" not in thing.done:
        issued = _recovered_certificate(run, thing, key) if "certificate" in thing.pending else None
        if issued is None:
            run.record({"type": "intent", "thing": thing.name, "step": "certificate"})
            issued = _issue_certificate(run, thing, key)
        project.write_certificate(thing.name, issued.pem.encode())
        record = {"step": "certificate", "certificate_arn": issued.arn, "certificate_id": issued.certificate_id}
        run.record({"type": "done", "thing": thing.name, **record})
        thing.done["certificate"] = record
    certificate_arn = thing.certificate_arn
    assert certificate_arn is not None
    spec = ThingSpec(
        name=thing.name,
        attributes=((OWNER_ATTRIBUTE, run.owner), *request.attributes),
        thing_type=request.thing_type,
        thing_groups=request.thing_groups,
    )
    _step(run, thing, "thing", lambda: registry.create_thing(spec))
    _step(run, thing, "principal", lambda: registry.attach_thing_principal(thing.name, certificate_arn))
    _step(run, thing, "policy", lambda: registry.attach_policy(run.policy_name, certificate_arn))
    project.write_thing_config(
        thing.name,
        {
            "endpoint": run.endpoint,
            "thingname": thing.name,
            "mqttid": thing.name,
            "cert_arn": certificate_arn,
            "policy_name": run.policy_name,
        },
    )
    run.record({"type": "done", "thing": thing.name, "step": "files"}, durable=False)  # rewriting files is harmless


def _ensure_key(run: _Run, thing: ThingJournal) -> PrivateKey | None:
    """Load or create the thing's key; with --key-source aws the key comes later, from AWS."""
    if run.project.has_key(thing.name):
        return load_private_key(run.project.read_key(thing.name))
    if run.request.key_source == "aws":
        return None
    key = generate_private_key(run.request.key_type)
    # The key is on disk, durable, before AWS is asked for anything about it.
    run.project.write_key(thing.name, private_key_pem(key))
    run.record({"type": "done", "thing": thing.name, "step": "key"}, durable=False)  # the key file is the evidence
    return key


def _issue_certificate(run: _Run, thing: ThingJournal, key: PrivateKey | None) -> IssuedCertificate:
    if key is not None:
        return run.registry.create_certificate_from_csr(build_csr(key, thing.name))
    issued = run.registry.create_keys_and_certificate()
    assert issued.private_key_pem is not None
    run.project.write_key(thing.name, issued.private_key_pem.encode())
    return issued


def _recovered_certificate(run: _Run, thing: ThingJournal, key: PrivateKey | None) -> IssuedCertificate | None:
    """After a crash during certificate creation, the certificate AWS made for our key, if any."""
    if key is None:
        with run.lock:
            run.warnings.append(
                f"{thing.name}: interrupted while AWS was creating its key and certificate; if AWS finished, "
                "that certificate has no local key: `iotforge audit` lists it for deletion."
            )
        return None
    return run.recovered.get(thing.name)


def _step(run: _Run, thing: ThingJournal, step: str, call: Callable[[], object]) -> None:
    """An idempotent step (CreateThing, the attachments): a crash before its `done` only means doing it again.

    No intent record: a discarded batch is cleaned up thing by thing from the batch's names anyway.
    """
    if step in thing.done:
        return
    call()
    run.record({"type": "done", "thing": thing.name, "step": step}, durable=False)
    thing.done[step] = {"step": step}


__all__ = ["AddThingsRequest", "IotforgeError", "ProvisionResult", "add_things"]
