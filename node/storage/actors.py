"""Remote actors we know: fetched documents, keys and endpoints."""

from __future__ import annotations

from typing import Any

from node.storage.db import Store
from node.storage.jsonrow import decode, encode

JSON_FIELDS = ("document",)


def get(store: Store, actor_id: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM actors WHERE id = ?", [actor_id]))
    return decode(rows[0], JSON_FIELDS) if rows else None


def upsert(store: Store, row: dict[str, Any]) -> None:
    """Insert or update; a keyId belongs to one actor (unique), the one whose document listed it last.

    Only a document on the key's own origin may list it (remote_actors), so the last lister is the
    origin's own word on who holds the key.
    """
    with store.transaction():
        if row.get("public_key_id"):
            store.db.execute("UPDATE actors SET public_key_id = NULL, public_key_pem = NULL "
                             "WHERE public_key_id = ? AND id != ?", [row["public_key_id"], row["id"]])
        store.db["actors"].upsert(encode(row, JSON_FIELDS), pk="id")


def delete(store: Store, actor_id: str) -> None:
    store.db.execute("DELETE FROM actors WHERE id = ?", [actor_id])


def space_on(store: Store, domain: str) -> dict[str, Any] | None:
    """The space (an Organization, else a Group) we know on a domain, for naming where people come from."""
    rows = list(store.db.query(
        "SELECT * FROM actors WHERE domain = ? AND type IN ('Organization', 'Group') "
        "ORDER BY type = 'Organization' DESC, id LIMIT 1", [domain]))
    return decode(rows[0], JSON_FIELDS) if rows else None


def by_key_id(store: Store, key_id: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM actors WHERE public_key_id = ?", [key_id]))
    return decode(rows[0], JSON_FIELDS) if rows else None
