"""Verified inbound activities waiting for (or done with) the inbox worker."""

from __future__ import annotations

import sqlite3
from typing import Any

from node.storage.db import Store
from node.storage.jsonrow import decode, encode
from node.timeutil import now_iso

JSON_FIELDS = ("document",)


def enqueue(store: Store, *, activity_id: str | None, actor: str, type_: str, recipient: str | None,
            document: dict[str, Any], signer: str) -> bool:
    """Store an activity once; False when its id was already received (a replay or a retry)."""
    row = encode({"document": document}, JSON_FIELDS)
    try:  # plain SQL: this runs on every inbound POST, sqlite-utils' insert inspects the table each time
        store.conn.execute(
            "INSERT INTO inbox (activity_id, actor, type, recipient, document, signer, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [activity_id, actor, type_, recipient, row["document"], signer, now_iso()],
        )
    except sqlite3.IntegrityError:
        return False
    return True


def queued(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    rows = store.db.query("SELECT * FROM inbox WHERE state = 'queued' ORDER BY id LIMIT ?", [limit])
    return [decode(r, JSON_FIELDS) for r in rows]  # type: ignore[misc]


def finish(store: Store, row_id: int, state: str, error: str | None = None) -> None:
    store.db.execute(
        "UPDATE inbox SET state = ?, error = ?, attempts = attempts + 1, processed_at = ? WHERE id = ?",
        [state, error, now_iso(), row_id],
    )


def counts(store: Store) -> dict[str, int]:
    return {state: n for state, n in store.db.execute("SELECT state, count(*) FROM inbox GROUP BY state")}
