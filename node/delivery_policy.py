"""How deliveries are retried: the backoff curve, the give-up rules, and the same in words for operators.

The delivery worker applies it; `coffee-node deliveries` prints `backoff_in_words()`, made from
the same numbers so the two cannot drift apart.
"""

from __future__ import annotations

import random
from datetime import timedelta

MAX_ATTEMPTS = 16                       # like Mastodon: about two and a half days of retries
DEAD_DOMAIN_AFTER = timedelta(days=3)   # a domain failing that long is skipped until it answers again
MAX_RETRY_AFTER = timedelta(days=1)
RETRYABLE_4XX = frozenset({408, 425, 429})


def backoff(attempt: int) -> timedelta:
    """Delay before retry number `attempt` (1-based): attempt⁴ + 15 s + jitter, Mastodon's curve."""
    return backoff_base(attempt) + timedelta(seconds=random.randint(0, 10) * (attempt + 1))


def backoff_in_words() -> str:
    """The retry policy as an operator reads it (`coffee-node deliveries`), from the numbers above."""
    waits = ", ".join(duration(backoff_base(n)) for n in range(1, 7))
    total = duration(sum((backoff_base(n) for n in range(1, MAX_ATTEMPTS)), timedelta()))
    return (f"A failed delivery is retried after attempt⁴ + 15 s plus a little jitter ({waits}, ...), "
            f"at most {MAX_ATTEMPTS} attempts (about {total}), then it is marked failed. "
            f"A 429 or 503 with Retry-After waits what the receiver asked (at most {duration(MAX_RETRY_AFTER)}). "
            f"Other 4xx answers are not retried. A domain failing for {duration(DEAD_DOMAIN_AFTER)} "
            "is skipped until it answers again.")


def backoff_base(attempt: int) -> timedelta:
    """The curve without its jitter (what the schedule in words shows)."""
    return timedelta(seconds=attempt**4 + 15)


def duration(delta: timedelta) -> str:
    """A delay as a person says it: 31 s, 4.5 min, 2.1 days."""
    seconds = delta.total_seconds()
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            value = seconds / size
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"{text} {unit}" + ("s" if unit == "day" and value > 1 else "")
    return f"{int(seconds)} s"
