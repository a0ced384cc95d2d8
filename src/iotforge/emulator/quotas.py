"""AWS IoT Core's published per-account API rate limits (iotforge.limits), as token buckets.

Operations not listed are not throttled by the emulator.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from iotforge.limits import AWS_IOT_RATES  # one table for the emulator and the client


@dataclass
class TokenBucket:
    rate: float
    tokens: float = 0.0
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        # AWS allows a burst of about one second's worth of calls.
        self.tokens = self.rate

    def take(self, now: float) -> bool:
        self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class QuotaLimiter:
    rates: dict[str, float] = field(default_factory=lambda: dict(AWS_IOT_RATES))
    _buckets: dict[tuple[str, str], TokenBucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, operation: str, scope: str = "") -> bool:
        """Take a token for `operation`; `scope` separates buckets (AWS counts per account and region)."""
        rate = self.rates.get(operation)
        if rate is None:
            return True
        with self._lock:
            key = (scope, operation)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(rate)
            return bucket.take(time.monotonic())

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
