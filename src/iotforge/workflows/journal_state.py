"""The crash-safe journal, read back: what was asked of AWS, what AWS answered, what is left.

Records are plain dicts appended one per line. A step is `done` after its remote call; the
certificate, the one step that is not idempotent, is also `intent`ed before it: an intent without
its done means the process died during that call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Record = Mapping[str, Any]

# The order a thing is provisioned in; each step is idempotent or recoverable on resume.
PROVISION_STEPS = ("key", "certificate", "thing", "principal", "policy", "files")
# Steps journaled before their call as well as after (the others are simply redone after a crash).
INTENDED_STEPS = ("certificate",)


@dataclass
class ThingJournal:
    name: str
    batch: str
    done: dict[str, Record] = field(default_factory=dict)
    pending: dict[str, Record] = field(default_factory=dict)
    removed: bool = False

    @property
    def complete(self) -> bool:
        return "files" in self.done

    @property
    def certificate_arn(self) -> str | None:
        record = self.done.get("certificate")
        return None if record is None else str(record["certificate_arn"])

    @property
    def certificate_id(self) -> str | None:
        record = self.done.get("certificate")
        return None if record is None else str(record["certificate_id"])


@dataclass
class BatchJournal:
    batch: str
    request: Record
    things: list[str]
    finished: bool = False
    discarded: bool = False


@dataclass
class ProjectJournal:
    things: dict[str, ThingJournal] = field(default_factory=dict)
    batches: dict[str, BatchJournal] = field(default_factory=dict)
    created_policies: set[str] = field(default_factory=set)
    deleted_policies: set[str] = field(default_factory=set)
    pending_policies: set[str] = field(default_factory=set)
    pending_activation: Record | None = None

    @property
    def incomplete_batch(self) -> BatchJournal | None:
        for batch in self.batches.values():
            if not batch.finished and not batch.discarded:
                return batch
        return None

    def live_things(self) -> list[ThingJournal]:
        return [thing for thing in self.things.values() if not thing.removed]


def fold(records: Iterable[Record]) -> ProjectJournal:
    """Replay the journal into the project's state."""
    state = ProjectJournal()
    for record in records:
        kind = record.get("type")
        if kind == "batch":
            state.batches[record["batch"]] = BatchJournal(record["batch"], record["request"], list(record["things"]))
            for name in record["things"]:
                existing = state.things.get(name)
                if existing is None or existing.removed:
                    state.things[name] = ThingJournal(name=name, batch=record["batch"])
        elif kind == "batch-finished":
            state.batches[record["batch"]].finished = True
        elif kind == "batch-discarded":
            state.batches[record["batch"]].discarded = True
        elif kind == "intent":
            state.things[record["thing"]].pending[record["step"]] = record
        elif kind == "done":
            thing = state.things[record["thing"]]
            thing.pending.pop(record["step"], None)
            thing.done[record["step"]] = record
        elif kind == "removed":
            state.things[record["thing"]].removed = True
        elif kind == "policy-intent":
            state.pending_policies.add(record["policy"])
        elif kind == "policy-created":
            state.pending_policies.discard(record["policy"])
            state.created_policies.add(record["policy"])
            state.deleted_policies.discard(record["policy"])
        elif kind == "policy-deleted":
            state.deleted_policies.add(record["policy"])
            state.created_policies.discard(record["policy"])
        elif kind == "activation-intent":
            state.pending_activation = record
        elif kind == "activation-done":
            state.pending_activation = None
    return state
