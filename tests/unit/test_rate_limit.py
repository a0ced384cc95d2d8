"""The adaptive limiter, on a fake clock: rate kept, slowed by throttling, recovered over time."""

from __future__ import annotations

from iotforge.workflows.rate_limit import DECREASE_FACTOR, MIN_RATE, AdaptiveRateLimiter
from tests.support.clock import FakeClock


def test_calls_are_spread_at_the_configured_rate() -> None:
    clock = FakeClock()
    limiter = AdaptiveRateLimiter({"CreateThing": 10.0}, clock=clock, sleep=clock.sleep)
    for _ in range(51):
        limiter.acquire("CreateThing")
    # One token to start, then 10 per second: 50 more calls need 5 seconds.
    assert abs(clock.now - 5.0) < 1e-6


def test_unlisted_operations_are_not_limited() -> None:
    clock = FakeClock()
    limiter = AdaptiveRateLimiter({}, clock=clock, sleep=clock.sleep)
    for _ in range(100):
        limiter.acquire("DescribeThing")
    assert clock.slept == 0


def test_throttling_slows_down_once_per_second_then_recovers() -> None:
    clock = FakeClock()
    limiter = AdaptiveRateLimiter({"AttachPolicy": 15.0}, clock=clock, sleep=clock.sleep)
    limiter.acquire("AttachPolicy")
    limiter.throttled("AttachPolicy")
    limiter.throttled("AttachPolicy")  # many threads see the same throttle: one decrease
    assert limiter.current_rate("AttachPolicy") == 15.0 * DECREASE_FACTOR
    for _ in range(30):
        clock.now += 1.1
        limiter.throttled("AttachPolicy")
    assert limiter.current_rate("AttachPolicy") == MIN_RATE
    clock.now += 60
    limiter.acquire("AttachPolicy")
    assert limiter.current_rate("AttachPolicy") == 15.0


def test_callers_arriving_together_each_sleep_once_until_their_own_slot() -> None:
    clock = FakeClock()
    sleeps: list[float] = []
    # Threads arriving at one instant: the clock does not move while they sleep.
    limiter = AdaptiveRateLimiter({"CreateCertificateFromCsr": 10.0}, clock=clock, sleep=sleeps.append)
    for _ in range(5):
        limiter.acquire("CreateCertificateFromCsr")
    assert [round(seconds, 6) for seconds in sleeps] == [0.1, 0.2, 0.3, 0.4]
    clock.now += 0.4  # they have all gone: the next caller waits one interval, not for a refilled burst
    limiter.acquire("CreateCertificateFromCsr")
    assert round(sleeps[-1], 6) == 0.1
