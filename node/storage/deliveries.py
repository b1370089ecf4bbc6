"""Durable outbound deliveries: one row per (activity, inbox), retried with backoff."""

from __future__ import annotations

from typing import Any

from node.storage import domains as domains_store
from node.storage.db import Store
from node.timeutil import now_iso


def add(store: Store, *, activity_id: str, inbox: str, domain: str, signer: str) -> None:
    stamp = now_iso()
    store.db.execute(
        """INSERT OR IGNORE INTO deliveries (activity_id, inbox, domain, signer, next_attempt_at, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [activity_id, inbox, domain, signer, stamp, stamp, stamp],
    )


def due(store: Store, now: str, limit: int) -> list[dict[str, Any]]:
    """Pending deliveries whose time has come, skipping blocked domains (and their subdomains).

    Skipped rows stay pending: they go out if the block is lifted.
    """
    waiting = store.conn.execute("SELECT DISTINCT domain FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?",
                                 [now]).fetchall()
    blocked = [domain for (domain,) in waiting if domains_store.is_blocked(store, domain)]
    marks = ",".join("?" * len(blocked))
    return list(store.db.query(
        f"""SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? AND domain NOT IN ({marks})
            ORDER BY next_attempt_at, id LIMIT ?""",
        [now, *blocked, limit],
    ))


def newer_update(store: Store, row: dict[str, Any]) -> str | None:
    """A later Update of the same object queued for (or sent to) the same inbox, which makes this one moot."""
    found = store.conn.execute(
        """SELECT n.activity_id FROM deliveries n
             JOIN activities later ON later.id = n.activity_id
             JOIN activities this ON this.id = ?
           WHERE n.domain = ? AND n.inbox = ? AND n.id > ? AND n.status IN ('pending', 'delivered')
             AND this.type = 'Update' AND later.type = 'Update' AND later.object_id = this.object_id
           LIMIT 1""",
        [row["activity_id"], row["domain"], row["inbox"], row["id"]],
    ).fetchone()
    return found[0] if found else None


def drop(store: Store, delivery_id: int) -> None:
    store.conn.execute("DELETE FROM deliveries WHERE id = ?", [delivery_id])


def mark_delivered(store: Store, delivery_id: int, status: int) -> None:
    store.db.execute(
        "UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, last_status = ?, last_error = NULL, updated_at = ? WHERE id = ?",
        [status, now_iso(), delivery_id],
    )


def mark_failed(store: Store, delivery_id: int, status: int | None, error: str) -> None:
    store.db.execute(
        "UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_status = ?, last_error = ?, updated_at = ? WHERE id = ?",
        [status, error, now_iso(), delivery_id],
    )


def reschedule(store: Store, delivery_id: int, status: int | None, error: str, next_attempt_at: str) -> None:
    store.db.execute(
        """UPDATE deliveries SET attempts = attempts + 1, last_status = ?, last_error = ?, next_attempt_at = ?, updated_at = ?
           WHERE id = ?""",
        [status, error, next_attempt_at, now_iso(), delivery_id],
    )


def summary(store: Store, domain: str | None = None) -> list[dict[str, Any]]:
    """Per domain: pending, failed, delivered counts and the newest error (admin page, CLI, check)."""
    return list(store.db.query(
        """SELECT domain,
                  sum(status = 'pending') AS pending,
                  sum(status = 'failed') AS failed,
                  sum(status = 'delivered') AS delivered,
                  max(CASE WHEN last_error IS NOT NULL THEN updated_at END) AS last_error_at,
                  (SELECT last_error FROM deliveries e WHERE e.domain = d.domain AND e.last_error IS NOT NULL
                   ORDER BY e.updated_at DESC LIMIT 1) AS last_error
           FROM deliveries d WHERE ? IS NULL OR domain = ?
           GROUP BY domain ORDER BY pending DESC, failed DESC, domain""",
        [domain, domain],
    ))


def pending(store: Store, domain: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Pending rows, soonest try first, with the activity's type: what `coffee-node deliveries` lists."""
    return list(store.db.query(
        """SELECT d.id, d.domain, d.inbox, d.activity_id, a.type AS activity_type, d.attempts, d.next_attempt_at,
                  d.last_status, d.last_error, d.created_at
           FROM deliveries d LEFT JOIN activities a ON a.id = d.activity_id
           WHERE d.status = 'pending' AND (? IS NULL OR d.domain = ?)
           ORDER BY d.domain, d.next_attempt_at, d.id LIMIT ?""",
        [domain, domain, limit],
    ))


def count_by_status(store: Store) -> dict[str, int]:
    return {status: n for status, n in store.db.execute("SELECT status, count(*) FROM deliveries GROUP BY status")}
