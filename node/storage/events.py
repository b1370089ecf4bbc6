"""The `events`, `registrations` and `calendar_tokens` tables.

Rows come back with their JSON columns decoded, `start`/`end` as aware UTC
datetimes next to the stored ISO strings, and `participant_count`: the origin's
count for remote events, our accepted registrations for local ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from node.storage.db import Store
from node.storage.jsonrow import decode, encode
from node.timeutil import now_iso

JSON_FIELDS = ("name_map", "content_map", "languages", "cohosts")
REGISTRATION_STATUSES = ("accepted", "pending", "rejected", "cancelled")

_SELECT = """
    SELECT events.*,
           COALESCE(events.reported_participants,
                    (SELECT count(*) FROM registrations r
                     WHERE r.event_id = events.id AND r.status = 'accepted')) AS participant_count
    FROM events
"""


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    decode(row, JSON_FIELDS)
    row["start"] = datetime.fromisoformat(row["starts_at"])
    row["end"] = datetime.fromisoformat(row["ends_at"])
    for flag in ("all_day", "cross_border"):
        row[flag] = bool(row[flag])
    return row


def _one(store: Store, where: str, params: list[Any]) -> dict[str, Any] | None:
    rows = list(store.db.query(f"{_SELECT} WHERE {where}", params))
    return _decode(rows[0]) if rows else None


def get(store: Store, event_id: int) -> dict[str, Any] | None:
    return _one(store, "events.id = ?", [event_id])


def get_by_uuid(store: Store, uuid: str) -> dict[str, Any] | None:
    return _one(store, "events.uuid = ?", [uuid])


def get_by_ap_id(store: Store, ap_id: str) -> dict[str, Any] | None:
    return _one(store, "events.ap_id = ?", [ap_id])


def get_by_ics_uid(store: Store, ics_uid: str) -> dict[str, Any] | None:
    return _one(store, "events.ics_uid = ?", [ics_uid])


def insert(store: Store, fields: dict[str, Any]) -> dict[str, Any]:
    stamp = now_iso()
    row = {"published_at": stamp, "created_at": stamp, "updated_at": stamp} | encode(fields, JSON_FIELDS)
    event_id = store.db["events"].insert(row).last_pk
    return get(store, event_id)  # type: ignore[return-value]


def update(store: Store, event_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    row = encode(fields, JSON_FIELDS) | {"updated_at": now_iso()}
    store.db["events"].update(event_id, row)
    return get(store, event_id)  # type: ignore[return-value]


def mark_announced(store: Store, event_id: int, participants: int, cross_border: bool) -> None:
    """Record what the last Create/Update told followers (not an edit: `updated_at` stays)."""
    store.db.execute("UPDATE events SET announced_participants = ?, announced_cross_border = ? WHERE id = ?",
                     [participants, int(cross_border), event_id])


def set_remote_version(store: Store, ap_id: str, updated: str | None, digest: str) -> None:
    """Which version of a peer's event we hold (not an edit: `updated_at` stays)."""
    store.db.execute("UPDATE events SET remote_updated = ?, remote_digest = ? WHERE ap_id = ?", [updated, digest, ap_id])


def unannounced(store: Store, now: str) -> list[dict[str, Any]]:
    """Local, live, not yet ended events whose registrations changed since followers last heard."""
    return [_decode(row) for row in store.db.query(f"""
        SELECT * FROM ({_SELECT} WHERE events.origin = 'local' AND events.deleted_at IS NULL AND events.ends_at > ?)
        WHERE announced_participants IS NOT participant_count OR announced_cross_border IS NOT cross_border
        ORDER BY id""", [now])]


def select(
    store: Store, where: str = "1", params: Iterable[Any] = (), *, order: str = "events.starts_at, events.id",
    limit: int | None = None, offset: int = 0,
) -> list[dict[str, Any]]:
    """Events matching an SQL condition built by a service (never from user text)."""
    sql = f"{_SELECT} WHERE {where} ORDER BY {order}"
    args = list(params)
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        args += [limit, offset]
    return [_decode(row) for row in store.db.query(sql, args)]


def count(store: Store, where: str = "1", params: Iterable[Any] = ()) -> int:
    return store.db.execute(f"SELECT count(*) FROM events WHERE {where}", list(params)).fetchone()[0]


def organisers(store: Store) -> list[tuple[str, str]]:
    """(actor id, name) of every space organising a live event we know, for agenda filters."""
    rows = store.db.execute(
        """SELECT organiser_id, max(organiser_name) FROM events WHERE deleted_at IS NULL
           GROUP BY organiser_id ORDER BY max(organiser_name) COLLATE NOCASE"""
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def countries(store: Store) -> list[str]:
    """Countries where live events take place or whose spaces organise them."""
    rows = store.db.execute(
        """SELECT country FROM events WHERE deleted_at IS NULL AND country != ''
           UNION SELECT organiser_country FROM events WHERE deleted_at IS NULL AND organiser_country != ''
           ORDER BY 1"""
    ).fetchall()
    return [row[0] for row in rows]


# registrations


def registration(store: Store, event_id: int, attendee_id: str) -> dict[str, Any] | None:
    rows = list(store.db.query(
        "SELECT * FROM registrations WHERE event_id = ? AND attendee_id = ?", [event_id, attendee_id]
    ))
    return rows[0] if rows else None


def registration_by_join(store: Store, join_activity_id: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM registrations WHERE join_activity_id = ?", [join_activity_id]))
    return rows[0] if rows else None


def upsert_registration(store: Store, event_id: int, attendee_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Create or update the one registration of `attendee_id` to `event_id`."""
    stamp = now_iso()
    if registration(store, event_id, attendee_id) is None:
        store.db["registrations"].insert(
            {"event_id": event_id, "attendee_id": attendee_id, "created_at": stamp, "updated_at": stamp} | fields
        )
    else:
        sets = ", ".join(f"{name} = ?" for name in fields)
        store.db.execute(
            f"UPDATE registrations SET {sets}, updated_at = ? WHERE event_id = ? AND attendee_id = ?",
            [*fields.values(), stamp, event_id, attendee_id],
        )
    return registration(store, event_id, attendee_id)  # type: ignore[return-value]


def registrations(store: Store, event_id: int, statuses: Iterable[str] = REGISTRATION_STATUSES) -> list[dict[str, Any]]:
    wanted = list(statuses)
    marks = ",".join("?" * len(wanted))
    return list(store.db.query(
        f"SELECT * FROM registrations WHERE event_id = ? AND status IN ({marks}) ORDER BY created_at, id",
        [event_id, *wanted],
    ))


def registration_counts(store: Store, event_id: int) -> dict[str, int]:
    counts = dict.fromkeys(REGISTRATION_STATUSES, 0)
    counts.update(store.db.execute(
        "SELECT status, count(*) FROM registrations WHERE event_id = ? GROUP BY status", [event_id]
    ).fetchall())
    return counts


def accepted_countries(store: Store, event_id: int) -> set[str]:
    rows = store.db.execute(
        "SELECT DISTINCT attendee_country FROM registrations WHERE event_id = ? AND status = 'accepted'",
        [event_id],
    ).fetchall()
    return {row[0] for row in rows if row[0]}


def member_registrations(store: Store, member_id: int, statuses: Iterable[str]) -> list[dict[str, Any]]:
    """A member's (not deleted) events with `registration_status`, soonest first."""
    wanted = list(statuses)
    marks = ",".join("?" * len(wanted))
    events = select(
        store,
        f"""events.deleted_at IS NULL AND events.id IN
            (SELECT event_id FROM registrations WHERE member_id = ? AND status IN ({marks}))""",
        [member_id, *wanted],
    )
    mine = dict(store.db.execute("SELECT event_id, status FROM registrations WHERE member_id = ?", [member_id]).fetchall())
    return [event | {"registration_status": mine[event["id"]]} for event in events]


# calendar feed tokens


def set_calendar_token(store: Store, member_id: int, token_hash: str) -> None:
    store.db.execute(
        "INSERT OR REPLACE INTO calendar_tokens (member_id, token_hash, created_at) VALUES (?, ?, ?)",
        [member_id, token_hash, now_iso()],
    )


def member_for_calendar_token(store: Store, token_hash: str) -> int | None:
    row = store.db.execute("SELECT member_id FROM calendar_tokens WHERE token_hash = ?", [token_hash]).fetchone()
    return row[0] if row else None


def has_calendar_token(store: Store, member_id: int) -> bool:
    return store.db.execute("SELECT 1 FROM calendar_tokens WHERE member_id = ?", [member_id]).fetchone() is not None
