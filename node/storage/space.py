"""The single `space` row: the coworking space this node belongs to."""

from __future__ import annotations

import json
from typing import Any

from node.storage.db import Store
from node.timeutil import now_iso

JSON_FIELDS = ("description_map", "opening_hours", "amenities", "network_terms_map", "languages")


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_FIELDS:
        row[key] = json.loads(row[key])
    row["welcomes_network"] = bool(row["welcomes_network"])
    return row


def get(store: Store) -> dict[str, Any]:
    return _decode(dict(store.db["space"].get(1)))


def create(store: Store, **fields: Any) -> None:
    row = {key: json.dumps(value, ensure_ascii=False) if key in JSON_FIELDS else value for key, value in fields.items()}
    row.update(id=1, updated_at=now_iso())
    store.db["space"].insert(row)


def update(store: Store, **fields: Any) -> dict[str, Any]:
    row = {key: json.dumps(value, ensure_ascii=False) if key in JSON_FIELDS else value for key, value in fields.items()}
    row["updated_at"] = now_iso()
    store.db["space"].update(1, row)
    return get(store)
