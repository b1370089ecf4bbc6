"""The `notifications`, `notification_prefs`, `member_emails` and `email_tokens` tables."""

from __future__ import annotations

from typing import Any

from node.storage.db import Store
from node.storage.jsonrow import decode, encode
from node.timeutil import now_iso


def add(store: Store, member_id: int, kind: str, params: dict[str, Any], url: str | None) -> int:
    row = encode({"member_id": member_id, "kind": kind, "params": params, "url": url, "created_at": now_iso()}, ("params",))
    cursor = store.db.execute("INSERT INTO notifications (member_id, kind, params, url, created_at) VALUES (?, ?, ?, ?, ?)",
                              list(row.values()))
    return int(cursor.lastrowid)


def recent(store: Store, member_id: int, limit: int = 50) -> list[dict[str, Any]]:
    rows = store.db.query("SELECT * FROM notifications WHERE member_id = ? ORDER BY id DESC LIMIT ?", [member_id, limit])
    return [decode(row, ("params",)) for row in rows]  # type: ignore[misc]


def unread(store: Store, member_id: int) -> int:
    return store.db.execute("SELECT count(*) FROM notifications WHERE member_id = ? AND read_at IS NULL",
                            [member_id]).fetchone()[0]


def mark_read(store: Store, member_id: int) -> None:
    store.db.execute("UPDATE notifications SET read_at = ? WHERE member_id = ? AND read_at IS NULL", [now_iso(), member_id])


def channel(store: Store, member_id: int, kind: str) -> str | None:
    row = store.db.execute("SELECT channel FROM notification_prefs WHERE member_id = ? AND kind = ?",
                           [member_id, kind]).fetchone()
    return row[0] if row else None


def set_channel(store: Store, member_id: int, kind: str, value: str) -> None:
    store.db.execute("INSERT INTO notification_prefs (member_id, kind, channel) VALUES (?, ?, ?) "
                     "ON CONFLICT (member_id, kind) DO UPDATE SET channel = excluded.channel", [member_id, kind, value])


def email_of(store: Store, member_id: int) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM member_emails WHERE member_id = ?", [member_id]))
    return rows[0] if rows else None


def member_by_email(store: Store, address: str) -> int | None:
    row = store.db.execute("SELECT member_id FROM member_emails WHERE address = ? COLLATE NOCASE AND confirmed_at IS NOT NULL",
                           [address]).fetchone()
    return row[0] if row else None


def set_email(store: Store, member_id: int, address: str, confirmed: bool) -> None:
    store.db.execute("INSERT INTO member_emails (member_id, address, confirmed_at) VALUES (?, ?, ?) "
                     "ON CONFLICT (member_id) DO UPDATE SET address = excluded.address, confirmed_at = excluded.confirmed_at",
                     [member_id, address, now_iso() if confirmed else None])


def add_token(store: Store, token_hash: str, member_id: int, purpose: str, address: str, expires_at: str) -> None:
    store.db.execute("INSERT INTO email_tokens (token_hash, member_id, purpose, address, expires_at) VALUES (?, ?, ?, ?, ?)",
                     [token_hash, member_id, purpose, address, expires_at])


def use_token(store: Store, token_hash: str, purpose: str, now: str) -> dict[str, Any] | None:
    """The token's row, marked used; None if unknown, expired or already used (single use)."""
    with store.transaction():
        rows = list(store.db.query("SELECT * FROM email_tokens WHERE token_hash = ? AND purpose = ? AND used_at IS NULL "
                                   "AND expires_at > ?", [token_hash, purpose, now]))
        if not rows:
            return None
        store.db.execute("UPDATE email_tokens SET used_at = ? WHERE token_hash = ?", [now, token_hash])
    return rows[0]
