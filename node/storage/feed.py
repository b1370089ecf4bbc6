"""The `feed_items` table: a member's home feed."""

from __future__ import annotations

from typing import Any

from node.storage.db import Store
from node.storage.jsonrow import decode, encode
from node.timeutil import now_iso

JSON_FIELDS = ("names", "summaries")


def add(store: Store, item: dict[str, Any]) -> None:
    """Insert once per (member, activity): a redelivered activity is not shown twice."""
    row = encode(item | {"created_at": now_iso()}, JSON_FIELDS)
    columns = ", ".join(row)
    store.db.execute(f"INSERT OR IGNORE INTO feed_items ({columns}) VALUES ({', '.join('?' * len(row))})",
                     list(row.values()))


def page(store: Store, member_id: int, *, kind: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
    where, params = "member_id = ?", [member_id]
    if kind:
        where, params = where + " AND kind = ?", params + [kind]
    rows = store.db.query(f"SELECT * FROM feed_items WHERE {where} ORDER BY published DESC, id DESC LIMIT ? OFFSET ?",
                          params + [limit, offset])
    return [decode(row, JSON_FIELDS) for row in rows]  # type: ignore[misc]
