"""Per-domain state: admin blocks, and delivery health for dead-domain tracking."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from federation.origin import covering_domains
from node.storage.db import Store
from node.timeutil import now, now_iso


def get(store: Store, domain: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM domains WHERE domain = ?", [domain]))
    return rows[0] if rows else None


def _ensure(store: Store, domain: str) -> None:
    store.db.execute("INSERT OR IGNORE INTO domains (domain) VALUES (?)", [domain])


def is_blocked(store: Store, domain: str) -> bool:
    """True when `domain` (a `federation.origin.domain_of` value) or a parent domain of it is blocked."""
    covering = covering_domains(domain)
    marks = ",".join("?" * len(covering))
    row = store.db.execute(f"SELECT 1 FROM domains WHERE blocked = 1 AND domain IN ({marks}) LIMIT 1",
                           covering).fetchone()
    return row is not None


def block(store: Store, domain: str, reason: str) -> None:
    _ensure(store, domain)
    store.db.execute("UPDATE domains SET blocked = 1, block_reason = ?, blocked_at = ? WHERE domain = ?",
                     [reason, now_iso(), domain])


def unblock(store: Store, domain: str) -> None:
    store.db.execute("UPDATE domains SET blocked = 0, block_reason = '', blocked_at = NULL WHERE domain = ?", [domain])


def blocked(store: Store) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM domains WHERE blocked = 1 ORDER BY domain"))


def record_success(store: Store, domain: str) -> None:
    """Any success (a delivery or a verified inbound message) makes the domain healthy again.

    One statement that writes nothing for a healthy domain seen in the last minute:
    this runs on every inbound activity.
    """
    stamp = now()
    store.db.execute(
        """INSERT INTO domains (domain, last_success_at) VALUES (?, ?)
           ON CONFLICT (domain) DO UPDATE SET failing_since = NULL, last_success_at = excluded.last_success_at
           WHERE failing_since IS NOT NULL OR last_success_at IS NULL OR last_success_at < ?""",
        [domain, stamp.isoformat(timespec="seconds"), (stamp - timedelta(minutes=1)).isoformat(timespec="seconds")],
    )


def record_failure(store: Store, domain: str) -> str:
    """Note a failure; return since when the domain has been failing without a success."""
    stamp = now_iso()
    _ensure(store, domain)
    store.db.execute(
        "UPDATE domains SET failing_since = coalesce(failing_since, ?), last_failure_at = ? WHERE domain = ?",
        [stamp, stamp, domain],
    )
    return store.db.execute("SELECT failing_since FROM domains WHERE domain = ?", [domain]).fetchone()[0]
