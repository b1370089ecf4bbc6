"""The indicators this node counts from its own tables (registered in `registry` at import).

Each function yields one `(month, country, identity)` per thing counted; the report counts
distinct identities, so a company supported twice in a month is one company that month.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from node.services.indicators.registry import Period, Row, provides
from node.storage.db import Store


def _space_country(store: Store) -> str:
    row = store.conn.execute("SELECT country FROM space WHERE id = 1").fetchone()
    return row[0] if row else ""


@provides("members_registered")
def members_registered(store: Store, period: Period, now: datetime) -> Iterable[Row]:
    """By country of residence when the member gave it ('' otherwise: unknown)."""
    rows = store.conn.execute("SELECT id, created_at, country FROM members WHERE status = 'active'")
    for member_id, created, country in rows:
        yield created[:7], country, member_id


_HELD = """FROM events WHERE origin = 'local' AND deleted_at IS NULL AND status != 'cancelled' AND ends_at <= ?"""


def _held(store: Store, now: datetime, cross_border: bool) -> Iterable[Row]:
    """Counted once the event has taken place (ended by `now`), in the month it started."""
    country = _space_country(store)
    extra = " AND cross_border = 1" if cross_border else ""
    rows = store.conn.execute(f"SELECT id, starts_at, country {_HELD}{extra}", [_iso(now)])
    for event_id, starts, place_country in rows:
        yield starts[:7], place_country or country, event_id


@provides("events_held")
def events_held(store: Store, period: Period, now: datetime) -> Iterable[Row]:
    return _held(store, now, cross_border=False)


@provides("cross_border_events_held")
def cross_border_events_held(store: Store, period: Period, now: datetime) -> Iterable[Row]:
    return _held(store, now, cross_border=True)


@provides("participants")
def participants(store: Store, period: Period, now: datetime) -> Iterable[Row]:
    rows = store.conn.execute(
        f"""SELECT r.id, e.starts_at, r.attendee_country FROM registrations r JOIN events e ON e.id = r.event_id
            WHERE r.status = 'accepted' AND e.id IN (SELECT id {_HELD})""", [_iso(now)])
    for registration_id, starts, country in rows:
        yield starts[:7], country, registration_id


def _support(store: Store, where: str, identity: str) -> Iterable[Row]:
    rows = store.conn.execute(
        f"SELECT support_date, beneficiary_country, {identity} FROM support_log WHERE {where}")
    for day, country, who in rows:
        yield day[:7], country, who


_PERSON = "coalesce('member:' || member_id, 'name:' || lower(trim(beneficiary_name)))"


@provides("companies_supported")
def companies_supported(store: Store, period: Period, now: datetime) -> Iterable[Row]:
    return _support(store, "beneficiary_type = 'company'", "lower(trim(beneficiary_name))")


@provides("new_companies_supported")
def new_companies_supported(store: Store, period: Period, now: datetime) -> Iterable[Row]:
    return _support(store, "beneficiary_type = 'company' AND new_company = 1", "lower(trim(beneficiary_name))")


@provides("people_reached_by_support")
def people_reached_by_support(store: Store, period: Period, now: datetime) -> Iterable[Row]:
    return _support(store, "beneficiary_type = 'person'", _PERSON)


@provides("support_actions")
def support_actions(store: Store, period: Period, now: datetime) -> Iterable[Row]:
    return _support(store, "1", "id")


def _iso(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).isoformat(timespec="seconds")
