"""The `opportunities`, `opportunity_answers` and `partnerships` tables.

Rows come back with their JSON columns decoded and `expires` as an aware UTC datetime.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from node.storage.db import Store
from node.storage.jsonrow import decode, encode
from node.timeutil import now_iso

JSON_FIELDS = ("name_map", "content_map", "skills", "languages")


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    decode(row, JSON_FIELDS)
    row["expires"] = datetime.fromisoformat(row["expires_at"])
    return row


def _one(store: Store, table: str, where: str, params: list[Any]) -> dict[str, Any] | None:
    rows = list(store.db.query(f"SELECT * FROM {table} WHERE {where}", params))
    if not rows:
        return None
    return _decode(rows[0]) if table == "opportunities" else rows[0]


def get(store: Store, opportunity_id: int) -> dict[str, Any] | None:
    return _one(store, "opportunities", "id = ?", [opportunity_id])


def get_by_uuid(store: Store, uuid: str) -> dict[str, Any] | None:
    return _one(store, "opportunities", "uuid = ?", [uuid])


def get_by_ap_id(store: Store, ap_id: str) -> dict[str, Any] | None:
    return _one(store, "opportunities", "ap_id = ?", [ap_id])


def insert(store: Store, fields: dict[str, Any]) -> dict[str, Any]:
    stamp = now_iso()
    row = {"published_at": stamp, "created_at": stamp, "updated_at": stamp} | encode(fields, JSON_FIELDS)
    return get(store, store.db["opportunities"].insert(row).last_pk)  # type: ignore[return-value]


def update(store: Store, opportunity_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    store.db["opportunities"].update(opportunity_id, encode(fields, JSON_FIELDS) | {"updated_at": now_iso()})
    return get(store, opportunity_id)  # type: ignore[return-value]


def select(store: Store, where: str, params: list[Any], *, order: str = "published_at DESC, id DESC",
           limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    sql = f"SELECT * FROM opportunities WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?"
    return [_decode(row) for row in store.db.query(sql, [*params, limit, offset])]


def count(store: Store, where: str, params: list[Any]) -> int:
    return store.db.execute(f"SELECT count(*) FROM opportunities WHERE {where}", params).fetchone()[0]


# answers


def answer(store: Store, answer_id: int) -> dict[str, Any] | None:
    return _one(store, "opportunity_answers", "id = ?", [answer_id])



def answer_of(store: Store, opportunity_id: int, answerer_id: str) -> dict[str, Any] | None:
    return _one(store, "opportunity_answers", "opportunity_id = ? AND answerer_id = ?", [opportunity_id, answerer_id])


def upsert_answer(store: Store, opportunity_id: int, answerer_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """One answer per person and opportunity: answering again replaces the message."""
    stamp = now_iso()
    current = answer_of(store, opportunity_id, answerer_id)
    if current is None:
        store.db["opportunity_answers"].insert(
            {"opportunity_id": opportunity_id, "answerer_id": answerer_id, "created_at": stamp, "updated_at": stamp} | fields)
    else:
        store.db["opportunity_answers"].update(current["id"], {"message": fields["message"], "updated_at": stamp})
    return answer_of(store, opportunity_id, answerer_id)  # type: ignore[return-value]


def answer_by_note(store: Store, note_id: str) -> dict[str, Any] | None:
    return _one(store, "opportunity_answers", "note_id = ?", [note_id])


def add_message(store: Store, answer_id: int, author_id: str, note_id: str, message: str) -> bool:
    """One message of an answer's thread; False when that Note was already stored."""
    cursor = store.conn.execute(
        "INSERT OR IGNORE INTO answer_messages (answer_id, author_id, note_id, message, created_at) VALUES (?, ?, ?, ?, ?)",
        [answer_id, author_id, note_id, message, now_iso()])
    return cursor.rowcount == 1


def messages(store: Store, answer_id: int) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM answer_messages WHERE answer_id = ? ORDER BY id", [answer_id]))


def set_answer_status(store: Store, answer_id: int, status: str) -> None:
    store.db["opportunity_answers"].update(answer_id, {"status": status, "updated_at": now_iso()})


def answers(store: Store, opportunity_id: int) -> list[dict[str, Any]]:
    return list(store.db.query(
        "SELECT * FROM opportunity_answers WHERE opportunity_id = ? ORDER BY created_at, id", [opportunity_id]))



def recent_answers_from(store: Store, answerer_id: str, since: str) -> int:
    return store.db.execute(
        "SELECT count(*) FROM opportunity_answers WHERE answerer_id = ? AND direction = 'received' AND updated_at >= ?",
        [answerer_id, since]).fetchone()[0]


# partnerships


def partnership(store: Store, partnership_id: int) -> dict[str, Any] | None:
    return _one(store, "partnerships", "id = ?", [partnership_id])


def partnership_by_ap_id(store: Store, ap_id: str) -> dict[str, Any] | None:
    return _one(store, "partnerships", "ap_id = ?", [ap_id])


def partnership_by_uuid(store: Store, uuid: str) -> dict[str, Any] | None:
    return _one(store, "partnerships", "uuid = ?", [uuid])


def partnership_by_offer(store: Store, offer_id: str) -> dict[str, Any] | None:
    return _one(store, "partnerships", "offer_id = ?", [offer_id])


def insert_partnership(store: Store, fields: dict[str, Any]) -> dict[str, Any]:
    stamp = now_iso()
    pk = store.db["partnerships"].insert({"created_at": stamp, "updated_at": stamp} | fields).last_pk
    return partnership(store, pk)  # type: ignore[return-value]


def update_partnership(store: Store, partnership_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    store.db["partnerships"].update(partnership_id, fields | {"updated_at": now_iso()})
    return partnership(store, partnership_id)  # type: ignore[return-value]


def partnerships_of(store: Store, actor_ids: list[str]) -> list[dict[str, Any]]:
    """Partnerships where one of `actor_ids` is a party, newest first."""
    marks = ",".join("?" * len(actor_ids)) or "NULL"
    return list(store.db.query(
        f"SELECT * FROM partnerships WHERE proposer_id IN ({marks}) OR partner_id IN ({marks}) "
        "ORDER BY coalesce(started_at, created_at) DESC, id DESC", [*actor_ids, *actor_ids]))


def partnerships_with_prefix(store: Store, prefix: str) -> list[dict[str, Any]]:
    """Partnerships with a party whose actor id starts with `prefix` (our members), newest first."""
    return list(store.db.query(
        "SELECT * FROM partnerships WHERE proposer_id LIKE ? OR partner_id LIKE ? "
        "ORDER BY coalesce(started_at, created_at) DESC, id DESC", [prefix + "%"] * 2))


def monthly_counts(store: Store, prefix: str) -> list[dict[str, Any]]:
    """Started partnerships with a party whose actor id starts with `prefix` (our members), per month."""
    like = prefix + "%"
    return list(store.db.query(
        """SELECT substr(started_at, 1, 7) AS month, count(*) AS started, sum(cross_border) AS cross_border
           FROM partnerships WHERE started_at IS NOT NULL AND (proposer_id LIKE ? OR partner_id LIKE ?)
           GROUP BY month ORDER BY month""", [like, like]))
