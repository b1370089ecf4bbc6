"""Token buckets: many new keys must not be a way to reset a flooding sender's bucket."""

from __future__ import annotations

from node import ratelimit
from node.ratelimit import RateLimiter


def test_an_empty_bucket_refills_at_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=1.0, burst=2, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    now[0] = 1.0
    assert limiter.allow("a") and not limiter.allow("a")


def test_over_the_cap_refilled_buckets_are_forgotten_not_a_flooders(monkeypatch) -> None:
    monkeypatch.setattr(ratelimit, "MAX_BUCKETS", 3)
    now = [0.0]
    limiter = RateLimiter(rate=0.01, burst=2, clock=lambda: now[0])
    assert [limiter.allow("flooder") for _ in range(3)] == [True, True, False]
    limiter.allow("idle")
    now[0] = 150.0  # "idle" has refilled (1 + 1.5 tokens), the flooder has not (1.5 < 2)
    limiter.allow("new0")
    limiter.allow("new1")  # a fourth bucket: the refilled one goes
    assert set(limiter._buckets) == {"flooder", "new0", "new1"}
    assert limiter._buckets["flooder"] == (0.0, 0.0)  # not reset to a full burst
