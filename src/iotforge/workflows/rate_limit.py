"""Client-side per-operation rate limiting that adapts when AWS throttles us.

Starting at AWS's published rate keeps a fleet run at the quota instead of bouncing off it; when
AWS still throttles (other clients share the account's quota), the rate drops and climbs back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

MIN_RATE = 0.5
DECREASE_FACTOR = 0.7
RECOVERY_PER_SECOND = 0.05  # fraction of the base rate regained per second without throttling


@dataclass
class _Bucket:
    base_rate: float
    rate: float
    tokens: float
    updated: float
    last_throttle: float = float("-inf")


@dataclass
class AdaptiveRateLimiter:
    """Token buckets keyed by operation; `acquire` blocks until the call may go."""

    rates: Mapping[str, float]
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, operation: str) -> None:
        wait = self._reserve(operation)
        if wait > 0:
            self.sleep(wait)

    def _reserve(self, operation: str) -> float:
        """Take the operation's next free slot: the seconds until it comes (0: go now).

        Tokens go negative as callers queue, so each caller sleeps once, until its own slot. Callers
        that polled for a token instead all woke at every refill: with 16 threads on 4 operations
        that herd of wake-ups cost more CPU than the AWS calls themselves.
        """
        base = self.rates.get(operation)
        if base is None:
            return 0.0
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(operation)
            if bucket is None:
                # Start with one token, not a full burst: a fresh process shares the quota with
                # whatever ran a moment ago.
                bucket = self._buckets[operation] = _Bucket(base, base, 1.0, now)
            elapsed = now - bucket.updated
            bucket.updated = now
            if bucket.rate < bucket.base_rate:
                bucket.rate = min(bucket.base_rate, bucket.rate + elapsed * RECOVERY_PER_SECOND * bucket.base_rate)
            bucket.tokens = min(1.0, bucket.tokens + elapsed * bucket.rate) - 1.0
            # A float a hair under 0 would ask for a wait too short to move the clock: count it as 0.
            return 0.0 if bucket.tokens >= -1e-9 else -bucket.tokens / bucket.rate

    def throttled(self, operation: str) -> None:
        """AWS throttled `operation`: slow down (at most once per second, many threads see it)."""
        with self._lock:
            bucket = self._buckets.get(operation)
            now = self.clock()
            if bucket is None or now - bucket.last_throttle < 1.0:
                return
            bucket.last_throttle = now
            bucket.rate = max(MIN_RATE, bucket.rate * DECREASE_FACTOR)

    def current_rate(self, operation: str) -> float | None:
        with self._lock:
            bucket = self._buckets.get(operation)
            return None if bucket is None else bucket.rate
