"""Ids of our deleted objects, so they answer 410 Gone with a Tombstone."""

from __future__ import annotations

from typing import Any

from node.storage.db import Store
from node.timeutil import now_iso


def add(store: Store, object_id: str, former_type: str) -> None:
    store.db.execute("INSERT OR REPLACE INTO tombstones (id, former_type, deleted_at) VALUES (?, ?, ?)",
                     [object_id, former_type, now_iso()])


def get(store: Store, object_id: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM tombstones WHERE id = ?", [object_id]))
    return rows[0] if rows else None


def remove(store: Store, object_id: str) -> None:
    """An id comes back to life (a member opted into the network again)."""
    store.db.execute("DELETE FROM tombstones WHERE id = ?", [object_id])
