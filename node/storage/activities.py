"""Activities our actors published: the outboxes, and the documents deliveries send."""

from __future__ import annotations

from typing import Any

from node.storage.db import Store
from node.storage.jsonrow import decode, encode

JSON_FIELDS = ("document",)


def insert(store: Store, row: dict[str, Any]) -> None:
    store.db["activities"].insert(encode(row, JSON_FIELDS))


def get(store: Store, activity_id: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM activities WHERE id = ?", [activity_id]))
    return decode(rows[0], JSON_FIELDS) if rows else None


def page(store: Store, actor: str, *, public_only: bool, limit: int, offset: int) -> list[dict[str, Any]]:
    sql = "SELECT * FROM activities WHERE actor = ?" + (" AND public = 1" if public_only else "")
    sql += " ORDER BY published DESC, rowid DESC LIMIT ? OFFSET ?"
    return [decode(r, JSON_FIELDS) for r in store.db.query(sql, [actor, limit, offset])]  # type: ignore[misc]


def count(store: Store, actor: str, *, public_only: bool) -> int:
    sql = "SELECT count(*) FROM activities WHERE actor = ?" + (" AND public = 1" if public_only else "")
    return store.db.execute(sql, [actor]).fetchone()[0]
