"""`space_pictures` (ours) and `remote_pictures` (cached copies of other spaces' pictures)."""

from __future__ import annotations

from typing import Any

from node.storage import jsonrow
from node.storage.db import Store
from node.timeutil import now_iso

JSON_FIELDS = ("alt_map",)


def own(store: Store) -> list[dict[str, Any]]:
    """Our pictures, the logo first, then the photos in upload order."""
    rows = store.db.query("SELECT * FROM space_pictures ORDER BY role = 'photo', id")
    return [jsonrow.decode(dict(row), JSON_FIELDS) for row in rows]  # type: ignore[misc]


def add_own(store: Store, role: str, file: str, alt_map: dict[str, str]) -> None:
    store.db["space_pictures"].insert(jsonrow.encode({"role": role, "file": file, "alt_map": alt_map,
                                                      "created_at": now_iso()}, JSON_FIELDS))


def remove_own(store: Store, picture_id: int) -> dict[str, Any] | None:
    row = store.conn.execute("SELECT file FROM space_pictures WHERE id = ?", [picture_id]).fetchone()
    if row is None:
        return None
    store.conn.execute("DELETE FROM space_pictures WHERE id = ?", [picture_id])
    return {"file": row[0]}


def cached(store: Store, space_id: str) -> list[dict[str, Any]]:
    rows = store.db.query("SELECT * FROM remote_pictures WHERE space_id = ? ORDER BY role = 'photo', position",
                          [space_id])
    return [jsonrow.decode(dict(row), JSON_FIELDS) for row in rows]  # type: ignore[misc]


def cached_spaces(store: Store) -> list[str]:
    return [row[0] for row in store.conn.execute("SELECT DISTINCT space_id FROM remote_pictures")]


def cached_logos(store: Store) -> dict[str, dict[str, Any]]:
    """The cached logo of every remote space that has one: {space id: row}."""
    rows = store.db.query("SELECT * FROM remote_pictures WHERE role = 'logo' AND file IS NOT NULL")
    return {row["space_id"]: jsonrow.decode(dict(row), JSON_FIELDS) for row in rows}  # type: ignore[misc]


def put_cached(store: Store, row: dict[str, Any]) -> None:
    store.db["remote_pictures"].upsert(jsonrow.encode(row | {"fetched_at": now_iso()}, JSON_FIELDS),
                                       pk=("space_id", "source_url"))


def drop_cached(store: Store, space_id: str, source_url: str) -> None:
    store.conn.execute("DELETE FROM remote_pictures WHERE space_id = ? AND source_url = ?", [space_id, source_url])
