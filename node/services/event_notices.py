"""What registered members hear about events: answers to their registration, changes,
cancellation, and a reminder the day before (through `notifications.notify`)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Mapping

from node.config import Config
from node.services import notifications
from node.storage.db import Store

VARIANTS = {"accepted": "accepted", "rejected": "rejected", "pending": "waiting"}


def _url(config: Config, event: Mapping[str, Any]) -> str:
    return f"{config.url}/events/{event['uuid']}"


def registration_answered(store: Store, config: Config, event: Mapping[str, Any], row: Mapping[str, Any]) -> None:
    """A local member's registration was accepted, declined or put on the waiting list."""
    if row.get("member_id") and row["status"] in VARIANTS:
        notifications.notify(store, config, int(row["member_id"]), "registration", variant=VARIANTS[row["status"]],
                             url=_url(config, event), event=event["name_map"])


def _registered(store: Store, event_id: int) -> list[int]:
    return [r[0] for r in store.db.execute(
        "SELECT member_id FROM registrations WHERE event_id = ? AND member_id IS NOT NULL AND status IN ('accepted', 'pending')",
        [event_id])]


def event_changed(store: Store, config: Config, event: Mapping[str, Any], changes: Mapping[str, Any]) -> None:
    """Registered members hear of a cancellation, or of a change to what they planned for."""
    if changes.get("status") == "cancelled":
        kind = "event_cancelled"
    elif set(changes) & {"starts_at", "ends_at", "timezone", "place_kind", "place_name", "street", "city", "online_url", "status"}:
        kind = "event_changed"
    else:
        return  # a typo in the description is not worth a mail
    for member_id in _registered(store, event["id"]):
        notifications.notify(store, config, member_id, kind, url=_url(config, event), event=event["name_map"])


def send_reminders(store: Store, config: Config, now: datetime) -> int:
    """Remind registered members of events starting within a day, once per member and event."""
    sent = 0
    rows = store.db.execute(
        "SELECT id, uuid, name_map FROM events WHERE deleted_at IS NULL AND status != 'cancelled' AND starts_at > ? AND starts_at <= ?",
        [now.isoformat(), (now + timedelta(days=1)).isoformat()]).fetchall()
    for event_id, uuid, name_map in rows:
        event = {"id": event_id, "uuid": uuid, "name_map": json.loads(name_map)}
        for member_id in _registered(store, event_id):
            already = store.db.execute("SELECT 1 FROM notifications WHERE member_id = ? AND kind = 'reminder' AND url = ?",
                                       [member_id, _url(config, event)]).fetchone()
            if not already:
                notifications.notify(store, config, member_id, "reminder", url=_url(config, event), event=event["name_map"])
                sent += 1
    return sent
