"""Everything the emulator holds besides moto's backends: knobs, CA, per-feature stores."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from iotforge.emulator.knobs import KnobState

StoreT = TypeVar("StoreT")


@dataclass
class EmulatorState:
    knobs: KnobState = field(default_factory=KnobState)
    # moto's backends are not thread-safe (its IoT backend races under concurrent requests):
    # every touch of moto state, by moto's handlers or ours, holds this lock.
    moto_lock: threading.RLock = field(default_factory=threading.RLock)
    _stores: dict[tuple[type[Any], str, str], Any] = field(default_factory=dict)
    _reset_hooks: list[Callable[[], None]] = field(default_factory=list)

    def store(self, kind: type[StoreT], account_id: str, region: str) -> StoreT:
        """The feature store `kind` for one account and region, created on first use."""
        key = (kind, account_id, region)
        with self.moto_lock:
            found = self._stores.get(key)
            if found is None:
                found = kind()
                self._stores[key] = found
            return found

    def stores_of(self, kind: type[StoreT]) -> list[tuple[str, str, StoreT]]:
        with self.moto_lock:
            return [(acct, region, store) for (k, acct, region), store in self._stores.items() if k is kind]

    def on_reset(self, hook: Callable[[], None]) -> None:
        self._reset_hooks.append(hook)

    def reset(self) -> None:
        with self.moto_lock:
            self._stores.clear()
            for hook in self._reset_hooks:
                hook()
