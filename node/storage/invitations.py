"""The `invitations` table: one-time sign-up links, stored only as SHA-256 hashes of their tokens."""

from __future__ import annotations

from typing import Any

from node.storage.db import Store
from node.timeutil import now_iso


def insert(store: Store, *, token_hash: str, member_id: int, expires_at: str) -> None:
    store.db["invitations"].insert(
        {"token_hash": token_hash, "member_id": member_id, "created_at": now_iso(), "expires_at": expires_at}
    )


def get(store: Store, token_hash: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM invitations WHERE token_hash = ?", [token_hash]))
    return rows[0] if rows else None


def mark_used(store: Store, token_hash: str) -> None:
    store.db["invitations"].update(token_hash, {"used_at": now_iso()})


def delete_unused(store: Store, member_id: int) -> None:
    """Forget a member's outstanding links (a new link replaces them)."""
    store.db.execute("DELETE FROM invitations WHERE member_id = ? AND used_at IS NULL", [member_id])


def pending(store: Store) -> list[dict[str, Any]]:
    """The latest unused link of each member still `invited`, with who it is for."""
    sql = """
        SELECT m.id AS member_id, m.username, m.display_name, m.role,
               max(i.created_at) AS created_at, max(i.expires_at) AS expires_at
        FROM members m JOIN invitations i ON i.member_id = m.id
        WHERE m.status = 'invited' AND i.used_at IS NULL
        GROUP BY m.id
        ORDER BY expires_at, m.username
    """
    return list(store.db.query(sql))
