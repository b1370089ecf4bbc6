"""Importing a space's existing agenda from an .ics export (Google Calendar, Nextcloud, Outlook).

- Recurring series are expanded with `recurring_ical_events` from now to a bounded
  horizon (default 365 days, at most 730) and at most `MAX_OCCURRENCES` in all, so a
  "every minute, forever" rule cannot flood the agenda.
- Each occurrence is keyed by its UID, plus its original start (RECURRENCE-ID) when
  the UID is a series: importing the same file again updates events instead of
  doubling them, and a moved occurrence stays the same event.
- A VEVENT that cannot be read (no UID, no DTSTART, a broken rule, a value our
  validation refuses) is reported with its UID and summary and skipped; the rest is imported.
- Times: zoned times keep their zone; floating times (no zone, no X-WR-TIMEZONE) and
  all-day dates are read in the space's zone (from its country: BE → Europe/Brussels,
  FR → Europe/Paris); events only in UTC are shown in that zone too.
- Imported events start with registrations closed ('none'); a re-import never reopens
  or closes them, nor touches capacity, category, languages or cohosts set here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterator

import icalendar
import nh3
import recurring_ical_events

from node.config import Config
from node.errors import CoffeeError, InvalidInput
from node.services import events as events_service
from node.storage import events as events_store
from node.storage import space as space_store
from node.storage.db import Store
from node.timeutil import now as utc_now

DEFAULT_HORIZON_DAYS = 365
MAX_HORIZON_DAYS = 730
MAX_OCCURRENCES = 500
MAX_FILE_BYTES = 5 * 1024 * 1024
SERIES_PROPERTIES = ("RRULE", "RDATE", "RECURRENCE-ID")
STATUSES = {"CANCELLED": "cancelled", "TENTATIVE": "tentative"}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"uid", "summary", "reason"}
    truncated: bool = False  # more occurrences than MAX_OCCURRENCES in the horizon

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "skipped": self.skipped, "truncated": self.truncated, "max_occurrences": MAX_OCCURRENCES,
        }


def parse_calendar(data: bytes) -> icalendar.Calendar:
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput("This file is too large (at most %(max)s MiB).", field="file", max=MAX_FILE_BYTES // 2**20)
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError, UnicodeDecodeError) as exc:
        raise InvalidInput("This is not an iCalendar (.ics) file: %(reason)s", field="file", reason=str(exc)[:200]) from None
    if calendar.name != "VCALENDAR":
        raise InvalidInput("This is not an iCalendar (.ics) file: %(reason)s", field="file", reason="no VCALENDAR")
    return calendar


def _label(component: icalendar.cal.Component) -> tuple[str, str]:
    return str(component.get("UID") or ""), str(component.get("SUMMARY") or "")


def _series(calendar: icalendar.Calendar, report: ImportReport) -> Iterator[tuple[str, bool, icalendar.Calendar]]:
    """(UID, is a series, a calendar holding only that UID's VEVENTs); unreadable VEVENTs are reported."""
    groups: dict[str, list[icalendar.cal.Component]] = {}
    for component in calendar.walk("VEVENT"):
        uid, summary = _label(component)
        if not uid:
            report.skipped.append({"uid": "", "summary": summary, "reason": "no UID"})
            continue
        if "DTSTART" not in component:
            report.skipped.append({"uid": uid, "summary": summary, "reason": "no DTSTART"})
            continue
        try:
            component.decoded("DTSTART")
        except (ValueError, TypeError) as exc:
            report.skipped.append({"uid": uid, "summary": summary, "reason": f"unreadable DTSTART: {exc}"[:200]})
            continue
        groups.setdefault(uid, []).append(component)
    for uid, components in groups.items():
        single = icalendar.Calendar()
        if "X-WR-TIMEZONE" in calendar:
            single.add("X-WR-TIMEZONE", calendar["X-WR-TIMEZONE"])  # Google's zone for floating times
        for zone in calendar.walk("VTIMEZONE"):
            single.add_component(zone)
        for component in components:
            single.add_component(component)
        is_series = len(components) > 1 or any(prop in c for c in components for prop in SERIES_PROPERTIES)
        yield uid, is_series, single


def _occurrences(
    calendar: icalendar.Calendar, start: datetime, end: datetime, report: ImportReport,
) -> list[tuple[str, icalendar.cal.Component]]:
    """(key, occurrence) within [start, end], soonest first, at most MAX_OCCURRENCES."""
    found: list[tuple[datetime, str, icalendar.cal.Component]] = []
    for uid, is_series, single in _series(calendar, report):
        try:
            for occurrence in recurring_ical_events.of(single).after(start):
                begins = _instant(occurrence.start)
                if begins > end:
                    break
                original = occurrence.decoded("RECURRENCE-ID") if "RECURRENCE-ID" in occurrence else occurrence.start
                key = f"{uid}/{_key_time(original)}" if is_series else uid
                found.append((begins, key, occurrence))
                if len(found) > MAX_OCCURRENCES * 2:
                    break
        except (ValueError, TypeError) as exc:  # recurring_ical_events' errors are ValueErrors, as are dateutil's
            summary = str(single.walk("VEVENT")[0].get("SUMMARY") or "")
            report.skipped.append({"uid": uid, "summary": summary, "reason": f"unreadable recurrence: {exc}"[:200]})
    found.sort(key=lambda item: item[0])
    if len(found) > MAX_OCCURRENCES:
        report.truncated = True
    return [(key, occurrence) for _begins, key, occurrence in found[:MAX_OCCURRENCES]]


def _instant(value: date | datetime) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _key_time(value: date | datetime) -> str:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%dT%H%M%S") if isinstance(value, datetime) else value.strftime("%Y%m%d")


def _plain(value: Any) -> str:
    """DESCRIPTION text; Google exports put HTML in it."""
    text = str(value or "").replace("\r\n", "\n")
    if "<" in text and ">" in text:
        text = html.unescape(nh3.clean(text.replace("<br>", "\n").replace("</p>", "\n\n"), tags=set()))
    return text.strip()[: events_service.MAX_DESCRIPTION]


def _values(occurrence: icalendar.cal.Component, *, zone: str, lang: str) -> dict[str, Any]:
    start, end = occurrence.start, occurrence.end
    all_day = not isinstance(start, datetime)
    zone_key = getattr(getattr(start, "tzinfo", None), "key", None)
    values: dict[str, Any] = {
        "name": {lang: str(occurrence.get("SUMMARY") or "").strip()},
        "description": {lang: _plain(occurrence.get("DESCRIPTION"))},
        "start": start,
        "end": end,
        "all_day": all_day,
        "timezone": zone_key if zone_key in events_service.known_timezones() and zone_key != "UTC" else zone,
        "status": STATUSES.get(str(occurrence.get("STATUS") or "").upper(), "confirmed"),
    }
    location = str(occurrence.get("LOCATION") or "").strip()
    if location.startswith(("https://", "http://")):
        values |= {"place_kind": "online_only", "online_url": location}
    elif location:
        values |= {"place_kind": "address", "place_name": location[: events_service.MAX_PLACE_TEXT]}
        geo = occurrence.get("GEO")
        if geo is not None:
            values |= {"latitude": geo.latitude, "longitude": geo.longitude}
    else:
        values["place_kind"] = "this_space"
    return values


def _save(store: Store, config: Config, key: str, values: dict[str, Any]) -> str:
    existing = events_store.get_by_ics_uid(store, key)
    if existing is None:
        events_service.create_event(store, config, values | {"registration": "none"}, by=None, ics_uid=key)
        return "created"
    if existing["deleted_at"]:
        return "unchanged"  # deleted here on purpose: a re-import does not bring it back
    before = existing["sequence"]
    event = events_service.update_event(store, config, existing["uuid"], values, by=None)
    return "updated" if event["sequence"] != before else "unchanged"


def import_ics(
    store: Store, config: Config, data: bytes, *, horizon_days: int = DEFAULT_HORIZON_DAYS, now: datetime | None = None,
) -> ImportReport:
    """Import the events of an .ics file happening between `now` and `now + horizon_days`, in one transaction."""
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise InvalidInput("The horizon is 1 to %(max)s days.", field="horizon_days", max=MAX_HORIZON_DAYS)
    calendar = parse_calendar(data)
    space = space_store.get(store)
    zone = events_service.default_timezone(space["country"])
    lang = (space["languages"] or ["en"])[0]
    start = now or utc_now()
    report = ImportReport()
    occurrences = _occurrences(calendar, start, start + timedelta(days=horizon_days), report)
    with store.transaction():
        for key, occurrence in occurrences:
            try:
                outcome = _save(store, config, key, _values(occurrence, zone=zone, lang=lang))
            except CoffeeError as exc:
                uid, summary = _label(occurrence)
                reason = f"{exc.field}: {exc.message}" if exc.field else exc.message
                report.skipped.append({"uid": uid, "summary": summary, "reason": reason})
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report
