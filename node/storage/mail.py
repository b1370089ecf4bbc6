"""The `mail_outbox` table: composed messages waiting for the SMTP server, with retries."""

from __future__ import annotations

from typing import Any

from node.storage.db import Store
from node.timeutil import now_iso


def add(store: Store, recipient: str, message: str) -> int:
    stamp = now_iso()
    cursor = store.db.execute(
        "INSERT INTO mail_outbox (recipient, message, next_attempt_at, created_at) VALUES (?, ?, ?, ?)",
        [recipient, message, stamp, stamp])
    return int(cursor.lastrowid)


def due(store: Store, now: str, limit: int = 20) -> list[dict[str, Any]]:
    return list(store.db.query(
        "SELECT * FROM mail_outbox WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY id LIMIT ?", [now, limit]))


def mark_sent(store: Store, row_id: int) -> None:
    store.db.execute("UPDATE mail_outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL "
                     "WHERE id = ?", [now_iso(), row_id])


def reschedule(store: Store, row_id: int, error: str, next_attempt_at: str, *, give_up: bool) -> None:
    store.db.execute("UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, state = ? "
                     "WHERE id = ?", [error[:500], next_attempt_at, "failed" if give_up else "queued", row_id])


def counts(store: Store) -> dict[str, int]:
    return {state: n for state, n in store.db.execute("SELECT state, count(*) FROM mail_outbox GROUP BY state")}
