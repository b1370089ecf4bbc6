"""Tables of the indicators: the support log (private), targets, other spaces' cached documents."""

from __future__ import annotations

import json
from typing import Any

from node.storage.db import Store
from node.timeutil import now_iso


def add_support(store: Store, entry: dict[str, Any]) -> int:
    return store.db["support_log"].insert(entry | {"created_at": now_iso()}).last_pk


def support_entries(store: Store) -> list[dict[str, Any]]:
    return list(store.db.query(
        "SELECT s.*, m.username FROM support_log s LEFT JOIN members m ON m.id = s.member_id "
        "ORDER BY s.support_date DESC, s.id DESC"))


def set_target(store: Store, indicator: str, period_from: str, period_to: str, target: int) -> None:
    store.db["indicator_targets"].upsert(
        {"indicator": indicator, "period_from": period_from, "period_to": period_to, "target": target},
        pk=("indicator", "period_from", "period_to"))


def targets(store: Store) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM indicator_targets ORDER BY indicator, period_from, period_to"))


def source(store: Store, space_id: str, period_key: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM indicator_sources WHERE space_id = ? AND period_key = ?",
                               [space_id, period_key]))
    if not rows:
        return None
    row = rows[0]
    row["document"] = json.loads(row["document"]) if row["document"] else None
    return row


def record_source(store: Store, space_id: str, period_key: str, *, url: str, status: str, error: str = "",
                  document: dict[str, Any] | None = None) -> None:
    """Record a read; a failed or unverified read keeps the last verified document and its date."""
    stamp = now_iso()
    previous = source(store, space_id, period_key)
    kept, kept_at = (previous["document"], previous["verified_at"]) if previous else (None, None)
    if document is not None:
        kept, kept_at = document, stamp
    store.db["indicator_sources"].upsert({
        "space_id": space_id, "period_key": period_key, "url": url, "status": status, "error": error[:300],
        "checked_at": stamp, "document": json.dumps(kept) if kept is not None else None, "verified_at": kept_at,
    }, pk=("space_id", "period_key"))
