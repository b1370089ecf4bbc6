"""The single `space` row: the coworking space this node belongs to."""

from __future__ import annotations

from typing import Any

from node.storage import jsonrow
from node.storage.db import Store
from node.timeutil import now_iso

JSON_FIELDS = ("description_map", "opening_hours", "amenities", "network_terms_map", "languages")


def get(store: Store) -> dict[str, Any]:
    row = jsonrow.decode(dict(store.db["space"].get(1)), JSON_FIELDS)
    row["welcomes_network"] = bool(row["welcomes_network"])  # type: ignore[index]
    return row  # type: ignore[return-value]


def created_at(store: Store) -> str:
    """When this node was created: the time its first migration ran (the space row keeps no such date)."""
    row = store.conn.execute("SELECT applied_at FROM _migrations ORDER BY name LIMIT 1").fetchone()
    return row[0]


def create(store: Store, **fields: Any) -> None:
    row = jsonrow.encode(fields, JSON_FIELDS) | {"id": 1, "updated_at": now_iso()}
    store.db["space"].insert(row)


def update(store: Store, **fields: Any) -> dict[str, Any]:
    row = jsonrow.encode(fields, JSON_FIELDS)
    row["updated_at"] = now_iso()
    store.db["space"].update(1, row)
    return get(store)
