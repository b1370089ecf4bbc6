"""Token buckets: a flood from one source gets 429, others are unaffected.

The inbox keys one bucket on the connection's address (before any signature is
checked, so a claim costs the claimer) and one on the verified signer's domain.
"""

from __future__ import annotations

import time
from typing import Callable

MAX_BUCKETS = 10_000


class RateLimiter:
    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> bool:
        """Take one token for `key`; False when its bucket is empty (rate <= 0 disables limiting)."""
        if self.rate <= 0:
            return True
        now = self.clock()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > MAX_BUCKETS:
            self._forget_refilled(now)
        return True

    def _forget_refilled(self, now: float) -> None:
        """Drop buckets that have refilled (forgetting them changes nothing), else the least recently used.

        Dropping a busy bucket would hand its owner a fresh burst: many new keys must not
        be a way to reset a flooding sender's bucket.
        """
        refilled = [key for key, (tokens, last) in self._buckets.items()
                    if tokens + (now - last) * self.rate >= self.burst]
        for key in refilled:
            del self._buckets[key]
        if not refilled:
            oldest = min(self._buckets, key=lambda key: self._buckets[key][1])
            del self._buckets[oldest]
