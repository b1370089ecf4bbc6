"""The `members` table: accounts and profiles of the space's coworkers."""

from __future__ import annotations

from typing import Any, Iterable

from node.storage import jsonrow
from node.storage.db import Store
from node.timeutil import now_iso

JSON_FIELDS = ("bio_map", "skills_offered", "skills_sought", "professions", "tags", "languages", "open_to", "links")


def _decode(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return jsonrow.decode(row, JSON_FIELDS)


def _encode(fields: dict[str, Any]) -> dict[str, Any]:
    return jsonrow.encode(fields, JSON_FIELDS)


def get(store: Store, member_id: int) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM members WHERE id = ?", [member_id]))
    return _decode(rows[0]) if rows else None


def get_by_username(store: Store, username: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM members WHERE username = ? COLLATE NOCASE", [username]))
    return _decode(rows[0]) if rows else None


def insert(store: Store, **fields: Any) -> dict[str, Any]:
    stamp = now_iso()
    row = _encode(fields) | {"created_at": stamp, "updated_at": stamp}
    member_id = store.db["members"].insert(row).last_pk
    return get(store, member_id)  # type: ignore[return-value]


def update(store: Store, member_id: int, **fields: Any) -> dict[str, Any]:
    row = _encode(fields) | {"updated_at": now_iso()}
    store.db["members"].update(member_id, row)
    return get(store, member_id)  # type: ignore[return-value]


def last_active_on(store: Store, member_id: int) -> str | None:
    row = store.db.execute("SELECT last_active_on FROM member_activity WHERE member_id = ?", [member_id]).fetchone()
    return row[0] if row else None


def mark_active(store: Store, member_id: int, day: str) -> None:
    """Record the day (YYYY-MM-DD) a member used the node; the members row itself is not touched."""
    store.db.execute("INSERT INTO member_activity (member_id, last_active_on) VALUES (?, ?) "
                     "ON CONFLICT (member_id) DO UPDATE SET last_active_on = excluded.last_active_on", [member_id, day])


def count_active(store: Store, where: str, params: Iterable[Any], *, since: str) -> int:
    """Members matching a service's condition who used the node on `since` or later."""
    sql = (f"SELECT count(*) FROM members JOIN member_activity ON member_activity.member_id = members.id "
           f"WHERE ({where}) AND member_activity.last_active_on >= ?")
    return store.db.execute(sql, [*params, since]).fetchone()[0]


def revoke_sessions(store: Store, member_id: int) -> int:
    """Raise the member's session version (every cookie with an older one stops working); return the new one."""
    store.conn.execute("UPDATE members SET session_version = session_version + 1 WHERE id = ?", [member_id])
    return store.conn.execute("SELECT session_version FROM members WHERE id = ?", [member_id]).fetchone()[0]


def delete(store: Store, member_id: int) -> None:
    store.db["members"].delete(member_id)


def select(store: Store, where: str = "1", params: Iterable[Any] = (), order: str = "username") -> list[dict[str, Any]]:
    """Members matching an SQL condition built by a service (never from user text)."""
    sql = f"SELECT * FROM members WHERE {where} ORDER BY {order}"
    return [_decode(row) for row in store.db.query(sql, list(params))]  # type: ignore[misc]


def count(store: Store, where: str = "1", params: Iterable[Any] = ()) -> int:
    return store.db.execute(f"SELECT count(*) FROM members WHERE {where}", list(params)).fetchone()[0]
