"""Folding the journal: what is done, what was interrupted, what is left."""

from __future__ import annotations

from iotforge.workflows.journal_state import fold


def _batch(batch: str, things: list[str]) -> dict[str, object]:
    return {"type": "batch", "batch": batch, "request": {"count": len(things)}, "things": things}


def test_an_intent_without_done_is_pending_and_the_batch_incomplete() -> None:
    state = fold(
        [
            _batch("b1", ["t_0", "t_1"]),
            {"type": "done", "thing": "t_0", "step": "key"},
            {"type": "intent", "thing": "t_0", "step": "certificate"},
        ]
    )
    thing = state.things["t_0"]
    assert "certificate" in thing.pending
    assert thing.certificate_arn is None
    assert not thing.complete
    assert state.incomplete_batch is not None
    assert state.incomplete_batch.things == ["t_0", "t_1"]


def test_done_records_complete_things_and_finished_batches() -> None:
    records: list[dict[str, object]] = [_batch("b1", ["t_0"])]
    for step in ("key", "certificate", "thing", "principal", "policy", "files"):
        records.append({"type": "intent", "thing": "t_0", "step": step})
        done: dict[str, object] = {"type": "done", "thing": "t_0", "step": step}
        if step == "certificate":
            done |= {"certificate_arn": "arn:aws:iot:r:1:cert/abc", "certificate_id": "abc"}
        records.append(done)
    records.append({"type": "batch-finished", "batch": "b1"})
    state = fold(records)
    assert state.things["t_0"].complete
    assert state.things["t_0"].pending == {}
    assert state.things["t_0"].certificate_id == "abc"
    assert state.incomplete_batch is None


def test_removed_things_and_policies_leave_the_live_set() -> None:
    state = fold(
        [
            _batch("b1", ["t_0", "t_1"]),
            {"type": "policy-intent", "policy": "p"},
            {"type": "policy-created", "policy": "p"},
            {"type": "removed", "thing": "t_0"},
            {"type": "batch-discarded", "batch": "b1"},
            {"type": "policy-deleted", "policy": "p"},
        ]
    )
    assert [thing.name for thing in state.live_things()] == ["t_1"]
    assert state.created_policies == set()
    assert state.pending_policies == set()
    assert state.incomplete_batch is None


def test_an_interrupted_policy_creation_is_remembered() -> None:
    assert fold([{"type": "policy-intent", "policy": "p"}]).pending_policies == {"p"}


def test_activation_intent_without_done_must_be_repaired() -> None:
    state = fold([{"type": "activation-intent", "thing": "t_1"}])
    assert state.pending_activation is not None
    assert (
        fold(
            [{"type": "activation-intent", "thing": "t_1"}, {"type": "activation-done", "thing": "t_1"}]
        ).pending_activation
        is None
    )
