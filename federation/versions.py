"""Which of two versions of an object is newer: retried deliveries arrive in any order.

A follower that applied whatever arrived last kept an old profile after an outage
(the five Updates of an edited profile came back as v2, v5, v3, v4, v1). Objects
carry `updated`; a version is applied only when it is newer than the one held.
Equal times with different content, or no time at all, cannot be ordered: the
caller reads the object from its origin instead of trusting the order of arrival.
"""

from __future__ import annotations

import enum
import hashlib
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping


LATE_AFTER = timedelta(hours=1)  # an Update sent this long before it arrived waited out an outage


class Verdict(enum.Enum):
    APPLY = "apply"        # newer than what we hold (or we hold nothing)
    STALE = "stale"        # older than what we hold: record and ignore
    SAME = "same"          # the version we hold, again (applying it is harmless)
    REFETCH = "refetch"    # cannot be ordered: read the object from its origin


def updated_of(doc: Mapping[str, Any] | None) -> datetime | None:
    """The document's `updated` (else `published`) as an aware datetime; None when absent or unreadable."""
    if not doc:
        return None
    for key in ("updated", "published"):
        value = doc.get(key)
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                continue
            return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return None


def digest(doc: Mapping[str, Any]) -> str:
    """A hash of the document's content, independent of key order and of its `@context`."""
    body = {key: value for key, value in doc.items() if key != "@context"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def judge(incoming: Mapping[str, Any], held_updated: datetime | None, held_digest: str | None, *,
          sent: datetime | None = None, now: datetime | None = None) -> Verdict:
    """Compare an inbound version with the one we hold (`held_digest` None: we hold nothing).

    `sent`: when the activity carrying it was published; one that arrives more than
    LATE_AFTER later waited out an outage, and newer versions may be on their way: a
    version newer than ours is then read from the origin rather than taken as is.
    """
    if held_digest is None:
        return Verdict.APPLY
    if digest(incoming) == held_digest:
        return Verdict.SAME
    new = _own_updated(incoming)
    if new is None:
        return Verdict.REFETCH
    if held_updated is None or new > held_updated:
        late = sent is not None and (now or datetime.now(timezone.utc)) - sent > LATE_AFTER
        return Verdict.REFETCH if late else Verdict.APPLY
    if new < held_updated:
        return Verdict.STALE
    return Verdict.REFETCH


def _own_updated(doc: Mapping[str, Any]) -> datetime | None:
    """Only an explicit `updated` orders two versions of one object (`published` never changes)."""
    return updated_of({"updated": doc.get("updated")}) if doc.get("updated") else None
