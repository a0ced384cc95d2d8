"""Realism knobs: latency, AWS quotas, injected faults, expiring credentials. All off by default."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Knobs:
    latency_ms: int = 0
    quotas: str | None = None  # None or "aws"
    fault_rate: float = 0.0
    seed: int | None = None
    expire_credentials_after: int | None = None
    # Actions ("iot:CreateThing") answered with AccessDenied: lets tests exercise permission errors.
    deny_actions: tuple[str, ...] = ()

    def updated(self, changes: dict[str, Any]) -> Knobs:
        allowed = set(self.__dataclass_fields__)
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown emulator knob(s): {', '.join(sorted(unknown))}")
        if "deny_actions" in changes:
            changes = {**changes, "deny_actions": tuple(changes["deny_actions"] or ())}
        return replace(self, **changes)


@dataclass
class KnobState:
    """The live knobs plus the counters they need; shared by all request threads."""

    knobs: Knobs = field(default_factory=Knobs)
    calls_seen: int = 0
    # Signed calls that got past the latency knob, by operation: what a test may wait for before it acts.
    calls_by_operation: Counter[str] = field(default_factory=Counter)
    _random: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, knobs: Knobs) -> None:
        with self._lock:
            self.knobs = knobs
            self.calls_seen = 0
            self.calls_by_operation = Counter()
            self._random = random.Random(knobs.seed)

    def count_call(self, operation: str | None) -> int:
        with self._lock:
            self.calls_seen += 1
            self.calls_by_operation[operation or "unknown"] += 1
            return self.calls_seen

    def calls(self) -> dict[str, object]:
        with self._lock:
            return {"calls": self.calls_seen, "by_operation": dict(self.calls_by_operation)}

    def draw_fault(self) -> bool:
        with self._lock:
            rate = self.knobs.fault_rate
            return rate > 0 and self._random.random() < rate
