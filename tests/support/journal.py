"""Assertions about a project's crash-safe journal."""

from __future__ import annotations

import json
from pathlib import Path

from iotforge.workflows.journal_state import INTENDED_STEPS, PROVISION_STEPS, ProjectJournal, fold


def assert_journal_consistent(project: Path, *, torn_tail_allowed: bool = False) -> ProjectJournal:
    """Whole lines only; the certificate `done` after its `intent`; each thing's steps done in order."""
    raw = (project / ".iotforge" / "journal.jsonl").read_bytes()
    lines = raw.split(b"\n")
    if not torn_tail_allowed:
        assert lines[-1] == b"", f"torn last line: {lines[-1][:80]!r}"
    records = [json.loads(line) for line in lines[:-1] if line.strip()]
    intended: set[tuple[str, str]] = set()
    for record in records:
        if record["type"] == "intent":
            intended.add((record["thing"], record["step"]))
        elif record["type"] == "done" and record["step"] in INTENDED_STEPS:
            assert (record["thing"], record["step"]) in intended, f"done without intent: {record}"
    state = fold(records)
    for thing in state.live_things():
        # The key's evidence is its file: a kill between writing it and journaling it loses only the record.
        has_key = (project / ".aws_things_resources" / thing.name / "private.pem.key").is_file()
        done = [step for step in PROVISION_STEPS if step in thing.done or (step == "key" and has_key)]
        assert done == list(PROVISION_STEPS[: len(done)]), (thing.name, done)
        following = PROVISION_STEPS[len(done) : len(done) + 1]
        assert set(thing.pending) <= set(following), (thing.name, done, sorted(thing.pending))
    return state
