"""Events: creating, changing, cancelling; registrations; agenda queries.

Times: people enter the wall-clock time of the event's place and its IANA zone.
We store UTC (ranges and sorting are plain string comparisons) and the zone (pages
and calendars show the time people meant, on both sides of a DST change). A local
time that does not exist (the hour skipped in spring) is refused; an ambiguous one
(the hour repeated in autumn) is read as the first of the two.

Cross-border is derived, never entered: organisers (organiser and cohosts) from
more than one country, a place in another country than an organiser's, or an
accepted attendee from another country than the organiser's. It is stored
(`events.cross_border`) and recomputed in the transaction of every change it
depends on, so agendas filter on it with SQL. A peer's event is also cross-border
when its origin says so (only the origin knows where its attendees come from).

Federation: every change of a local event publishes Create/Update/Delete(Event)
by the space, to its followers and resolved cohosts, in the same transaction.
Members register for peers' events with a Join (pending until the origin's
Accept or Reject); peers' people register for ours with a Join that we answer
at once, or once an organiser decides in approval mode. When registrations change
an event's attendee count or cross-border flag, a worker re-announces it with an
Update a few seconds later (one per event however many Joins came meanwhile).
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import re
import secrets
import uuid as uuid_mod
import zoneinfo
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

import nh3
from babel import Locale
from babel.core import get_global
from babel.dates import format_interval, format_skeleton

from node.config import Config
from federation.errors import FederationError
from node.errors import Conflict, Gone, InvalidInput, NotFound, PermissionDenied
from node.i18n import locale_for
from node.services import actor_documents, event_notices, event_places, local_actors, outbox, ownership, publication
from node.services import follows as follows_service
from node.services import fields as check
from node.services.space import COUNTRIES, members_may
from node.storage import actors as actors_store
from node.storage import events as events_store
from node.storage import space as space_store
from node.storage import tombstones as tombstones_store
from node.storage.db import Store
from node.timeutil import now, now_iso

# FEP-8a8e's recommended set, plus HEALTH which Mobilizon still sends.
CATEGORIES = (
    "ARTS", "AUTO_BOAT_AIR", "BOOK_CLUBS", "BUSINESS", "CAUSES", "CLIMATE_ENVIRONMENT", "COMEDY",
    "COMMUNITY", "CRAFTS", "CREATIVE_JAM", "DIY_MAKER_SPACES", "FAMILY_EDUCATION", "FASHION_BEAUTY",
    "FESTIVALS", "FILM_MEDIA", "FOOD_DRINK", "GAMES", "HEALTH", "INCLUSIVE_SPACES", "LANGUAGE_CULTURE",
    "LEARNING", "LGBTQ", "MEDITATION_WELLBEING", "MEETING", "MOVEMENTS_POLITICS", "MUSIC", "NETWORKING",
    "OUTDOORS_ADVENTURE", "PARTY", "PERFORMING_VISUAL_ARTS", "PETS", "PHOTOGRAPHY", "SCIENCE_TECH",
    "SPIRITUALITY_RELIGION_BELIEFS", "SPORTS", "THEATRE", "WORKSHOPS_SKILL_SHARING",
)  # fmt: skip
PLACE_KINDS = ("this_space", "network_space", "address", "online_only")
REGISTRATION_MODES = ("open", "approval", "external", "none")
STATUSES = ("confirmed", "tentative", "cancelled")
MAX_NAME = 200
MAX_DESCRIPTION = 10_000
MAX_PLACE_TEXT = 200
MAX_CAPACITY = 100_000
MAX_COHOSTS = 10
PER_PAGE = 20
MAX_PAGE = 10_000
# Agenda filters take days in this range: wide enough for any real agenda, far enough from
# `date.min`/`date.max` that a zone offset or the day after never leaves what datetime can hold.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
FALLBACK_TIMEZONE = "Europe/Brussels"

# What remote descriptions may keep: text structure and links, nothing active.
HTML_TAGS = {"p", "br", "a", "strong", "b", "em", "i", "u", "ul", "ol", "li", "blockquote", "h3", "h4", "code", "pre"}
HTML_ATTRIBUTES = {"a": {"href"}}

_ACCT = re.compile(r"^(?:acct:)?@?([A-Za-z0-9_.\-]+)@([A-Za-z0-9.\-]+(?::\d+)?)$")
_POSTAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{0,19}$")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")

# The fields people (and the CLI, the importer and remote documents) give; the rest is ours.
EDITABLE = (
    "name", "description", "content_format", "start", "end", "timezone", "all_day", "place_kind",
    "place_name", "street", "postal_code", "city", "region", "country", "latitude", "longitude",
    "online_url", "category", "languages", "capacity", "registration", "external_url", "status",
    "cohosts", "image",
)  # fmt: skip


@dataclass(frozen=True)
class Attendee:
    """Who registers: a local member or (through a Join) a remote person."""

    actor_id: str
    name: str
    origin: str = "local"
    country: str = ""
    member_id: int | None = None
    join_activity_id: str | None = None


@dataclass(frozen=True)
class AgendaFilters:
    start_from: datetime | None = None  # events still going on at or after this instant
    until: datetime | None = None  # events starting before this instant
    space: str | None = None  # organiser or cohost actor id
    country: str | None = None
    category: str | None = None
    language: str | None = None
    cross_border: bool | None = None
    status: str | None = None
    page: int = 1


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# time zones and times


@functools.cache
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_timezone(value: Any, *, field: str = "timezone") -> str:
    if not isinstance(value, str) or value not in known_timezones():
        raise InvalidInput("Unknown time zone: %(zone)s.", field=field, zone=str(value)[:60])
    return value


def default_timezone(country: str) -> str:
    """The zone of a space's country (first CLDR zone: BE → Europe/Brussels); floating times use it."""
    zones = get_global("territory_zones").get(country.upper(), [])
    return zones[0] if zones and zones[0] in known_timezones() else FALLBACK_TIMEZONE


def to_utc(value: Any, zone: str, *, field: str) -> datetime:
    """An aware instant, from an aware datetime or a wall-clock time in `zone` (ISO text or naive datetime)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput("Enter a date and time like 2026-10-24T10:00.", field=field) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if not isinstance(value, datetime):
        raise InvalidInput("Enter a date and time like 2026-10-24T10:00.", field=field)
    if value.tzinfo is not None:
        return value.astimezone(timezone.utc)
    tz = zoneinfo.ZoneInfo(zone)
    instant = value.replace(tzinfo=tz).astimezone(timezone.utc)
    if instant.astimezone(tz).replace(tzinfo=None) != value:
        raise InvalidInput(
            "%(time)s does not exist in %(zone)s (the clocks skip it).", field=field,
            time=value.strftime("%Y-%m-%d %H:%M"), zone=zone,
        )
    return instant


def iso(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).isoformat(timespec="seconds")


def local_times(event: Mapping[str, Any]) -> tuple[datetime, datetime]:
    """Start and end in the event's own zone."""
    tz = zoneinfo.ZoneInfo(event["timezone"])
    return event["start"].astimezone(tz), event["end"].astimezone(tz)


def describe_when(event: Mapping[str, Any], lang: str) -> str:
    """'Sat, Oct 24, 2026, 10:00 – 12:00 (Europe/Brussels)' in `lang`: what a reader sees first."""
    locale = locale_for(lang)
    start, end = local_times(event)
    if event["all_day"]:
        last = (end - timedelta(days=1)).date()
        if last <= start.date():
            return format_skeleton("yMMMEd", start, locale=locale)
        return format_interval(start.date(), last, "yMMMEd", locale=locale)
    clock = "Hm" if "H" in locale.time_formats["short"].pattern else "hm"
    if start.date() == end.date():
        text = f"{format_skeleton('yMMMEd', start, locale=locale)}, {format_interval(start, end, clock, locale=locale)}"
    else:
        text = (
            f"{format_skeleton('yMMMEd', start, locale=locale)}, {format_skeleton(clock, start, locale=locale)} – "
            f"{format_skeleton('yMMMEd', end, locale=locale)}, {format_skeleton(clock, end, locale=locale)}"
        )
    return f"{text} ({event['timezone']})"


def describe_place(event: Mapping[str, Any]) -> str:
    """One line for the place: 'ESCO, Rue de la Tannerie 1, 7500 Tournai, BE', or the online address."""
    if event["place_kind"] == "online_only":
        return event["online_url"]
    locality = " ".join(part for part in (event["postal_code"], event["city"]) if part)
    parts = [event["place_name"], event["street"], locality, event["country"]]
    return ", ".join(part for part in parts if part)


# validation


def sanitise_html(html: str) -> str:
    """Remote descriptions: keep structure and http(s) links, drop everything active."""
    return nh3.clean(
        html, tags=HTML_TAGS, attributes=HTML_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    ).strip()


def _name_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InvalidInput("This value must map language codes to texts.", field="name")
    names: dict[str, str] = {}
    for code, text in value.items():
        if code not in check.KNOWN_LANGUAGES:
            raise InvalidInput("Unknown language code: %(code)s.", field="name", code=str(code)[:20])
        cleaned = check.text(text, field=f"name.{code}", max_len=MAX_NAME)
        if cleaned:
            names[code] = cleaned
    if not names:
        raise InvalidInput("Give the event a name in at least one language.", field="name")
    return names


def _description(value: Any, content_format: str) -> dict[str, str]:
    if content_format == "text":
        return check.language_map(value, field="description", max_len=MAX_DESCRIPTION)
    if content_format != "html":
        raise InvalidInput("Unknown value: %(value)s.", field="content_format", value=str(content_format)[:20])
    if not isinstance(value, dict):
        raise InvalidInput("This value must map language codes to texts.", field="description")
    cleaned: dict[str, str] = {}
    for code, html in value.items():
        if code not in check.KNOWN_LANGUAGES or not isinstance(html, str):
            raise InvalidInput("Unknown language code: %(code)s.", field="description", code=str(code)[:20])
        safe = sanitise_html(html)
        if len(safe) > MAX_DESCRIPTION:
            raise InvalidInput("This text is too long (at most %(max)s characters).", field=f"description.{code}",
                               max=MAX_DESCRIPTION)
        if safe:
            cleaned[code] = safe
    return cleaned


def _choice(value: Any, allowed: Iterable[str], *, field: str) -> str:
    if value not in tuple(allowed):
        raise InvalidInput("Unknown value: %(value)s.", field=field, value=str(value)[:40])
    return value


def _country(value: Any, *, field: str = "country") -> str:
    code = check.text(value, field=field, max_len=40).upper()
    if code and code not in COUNTRIES:
        raise InvalidInput("Enter a two-letter country code like BE or FR.", field=field)
    return code


def _coordinates(latitude: Any, longitude: Any) -> tuple[float | None, float | None]:
    lat = check.number(latitude, field="latitude")
    lon = check.number(longitude, field="longitude")
    if (lat is None) != (lon is None):
        raise InvalidInput("Give both latitude and longitude, or neither.", field="latitude" if lat is None else "longitude")
    if lat is not None and not -90 <= lat <= 90:
        raise InvalidInput("A latitude lies between -90 and 90.", field="latitude")
    if lon is not None and not -180 <= lon <= 180:
        raise InvalidInput("A longitude lies between -180 and 180.", field="longitude")
    return lat, lon


def _capacity(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            raise InvalidInput("The capacity must be a whole number of at least 1.", field="capacity")
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput("The capacity must be a whole number of at least 1.", field="capacity")
    if value > MAX_CAPACITY:
        raise InvalidInput("The capacity can be at most %(max)s.", field="capacity", max=MAX_CAPACITY)
    return value


@functools.cache
def _country_names() -> dict[str, str]:
    """'France', 'Belgique', 'België', 'Belgien' → ISO code: Mobilizon and others send country names."""
    names: dict[str, str] = {}
    for lang in ("en", "fr", "nl", "de"):
        for code, name in Locale.parse(lang).territories.items():
            if code in COUNTRIES:
                names[name.casefold()] = code
    return names


def country_code(value: Any) -> str:
    """An ISO 3166 alpha-2 code from a code or a country name; '' when unknown."""
    text = value.strip() if isinstance(value, str) else ""
    if len(text) == 2 and text.upper() in COUNTRIES:
        return text.upper()
    return _country_names().get(text.casefold(), "")


def actor_country(doc: Mapping[str, Any]) -> str:
    """A peer's country: Coffee actors say it (`country`); others may give a postal address."""
    address = doc.get("address") if isinstance(doc.get("address"), dict) else {}
    return country_code(doc.get("country")) or country_code(address.get("addressCountry"))  # type: ignore[union-attr]


def cohost_entry(value: Any) -> dict[str, str]:
    """A cohost as stored: from an acct handle (resolved later), an actor id, or a stored entry."""
    if isinstance(value, dict):
        entry = {key: value.get(key) or "" for key in ("id", "name", "country", "acct")}
        if entry["id"]:
            entry["id"] = check.url(entry["id"], field="cohosts")
        entry["name"] = check.text(entry["name"], field="cohosts", max_len=MAX_PLACE_TEXT)
        entry["country"] = _country(entry["country"], field="cohosts")
        if not entry["id"] and not _ACCT.match(entry["acct"]):
            raise InvalidInput("Name a cohost by its handle (space@example.org) or its address.", field="cohosts")
        return entry
    text = check.text(value, field="cohosts", max_len=check.MAX_URL)
    match = _ACCT.match(text)
    if match:
        return {"id": "", "name": "", "country": "", "acct": f"{match.group(1)}@{match.group(2).lower()}"}
    if text.startswith(("http://", "https://")):
        return {"id": check.url(text, field="cohosts"), "name": "", "country": "", "acct": ""}
    raise InvalidInput("Name a cohost by its handle (space@example.org) or its address.", field="cohosts")


def clean_event(
    values: Mapping[str, Any], *, space: Mapping[str, Any], default_zone: str, require_place: bool = True,
) -> dict[str, Any]:
    """Validate everything before anything is written; returns the `events` columns people control.

    `require_place=False` is for peers' events, which may legitimately say nothing about where.
    """
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise InvalidInput("Unknown field: %(name)s.", field=unknown[0], name=unknown[0])
    name = _name_map(values.get("name"))
    content_format = values.get("content_format") or "text"
    description = _description(values.get("description") or {}, content_format)
    zone = check_timezone(values.get("timezone") or default_zone)
    all_day = bool(values.get("all_day"))
    if values.get("start") in (None, ""):
        raise InvalidInput("This field is required.", field="start")
    if values.get("end") in (None, ""):
        raise InvalidInput("This field is required.", field="end")
    start = to_utc(values["start"], zone, field="start")
    end = to_utc(values["end"], zone, field="end")
    if end <= start:
        raise InvalidInput("The event must end after it starts.", field="end")

    place_kind = _choice(values.get("place_kind") or "this_space", PLACE_KINDS, field="place_kind")
    online_url = check.url(values.get("online_url"), field="online_url")
    place: dict[str, Any]
    if place_kind == "this_space":
        place = {key: space[key] for key in ("street", "postal_code", "city", "region", "country", "latitude", "longitude")}
        place["place_name"] = space["name"]
    elif place_kind == "online_only":
        if not online_url and require_place:
            raise InvalidInput("An online event needs the address where people join it.", field="online_url")
        place = dict.fromkeys(("place_name", "street", "postal_code", "city", "region", "country"), "")
        place |= {"latitude": None, "longitude": None}
    else:
        place = {
            "place_name": check.text(values.get("place_name"), field="place_name", max_len=MAX_PLACE_TEXT),
            "street": check.text(values.get("street"), field="street", max_len=MAX_PLACE_TEXT),
            "postal_code": check.text(values.get("postal_code"), field="postal_code", max_len=20),
            "city": check.text(values.get("city"), field="city", max_len=100),
            "region": check.text(values.get("region"), field="region", max_len=100),
            "country": _country(values.get("country")),
        }
        if place["postal_code"] and not _POSTAL.match(place["postal_code"]):
            raise InvalidInput("This postal code is not valid.", field="postal_code")
        if require_place and not (place["place_name"] or place["street"] or place["city"]):
            raise InvalidInput("Say where the event takes place.", field="place_name")
        place["latitude"], place["longitude"] = _coordinates(values.get("latitude"), values.get("longitude"))

    category = str(values.get("category") or "").strip().upper()
    if category:
        _choice(category, CATEGORIES, field="category")
    languages = check.choices(values.get("languages") or [], check.KNOWN_LANGUAGES, field="languages", max_items=10)
    if not languages:
        languages = list(dict.fromkeys([*name, *description]))
    registration = _choice(values.get("registration") or "open", REGISTRATION_MODES, field="registration")
    external_url = check.url(values.get("external_url"), field="external_url")
    if registration == "external" and not external_url:
        raise InvalidInput("Give the address where people register.", field="external_url")
    cohosts = values.get("cohosts") or []
    if not isinstance(cohosts, (list, tuple)) or len(cohosts) > MAX_COHOSTS:
        raise InvalidInput("Too many values (at most %(max)s).", field="cohosts", max=MAX_COHOSTS)
    return {
        "name_map": name,
        "content_map": description,
        "content_format": content_format,
        "starts_at": iso(start),
        "ends_at": iso(end),
        "all_day": int(all_day),
        "timezone": zone,
        "place_kind": place_kind,
        **place,
        "online_url": online_url,
        "category": category,
        "languages": languages,
        "capacity": _capacity(values.get("capacity")),
        "registration": registration,
        "external_url": external_url,
        "status": _choice(values.get("status") or "confirmed", STATUSES, field="status"),
        "cohosts": [cohost_entry(item) for item in cohosts],
        "image": check.url(values.get("image"), field="image"),
    }


def editable_values(event: Mapping[str, Any]) -> dict[str, Any]:
    """An event's stored values in the shape `clean_event` takes (for partial updates)."""
    values = {key: event[key] for key in EDITABLE if key in event}
    values |= {"name": event["name_map"], "description": event["content_map"], "start": event["start"], "end": event["end"]}
    return values


def cross_border(event: Mapping[str, Any], attendee_countries: Iterable[str]) -> bool:
    """See the module docstring: organisers, place and accepted attendees."""
    organiser = event["organiser_country"]
    organisers = {c for c in [organiser, *(cohost.get("country", "") for cohost in event["cohosts"])] if c}
    if len(organisers) > 1:
        return True
    if event["country"] and any(country != event["country"] for country in organisers):
        return True
    if event.get("reported_cross_border"):  # a peer's event: its origin knows where its attendees come from
        return True
    return bool(organiser) and any(country != organiser for country in attendee_countries)


def refresh_cross_border(store: Store, event_id: int) -> None:
    event = events_store.get(store, event_id)
    if event is None:
        return
    flag = cross_border(event, events_store.accepted_countries(store, event_id))
    if flag != event["cross_border"]:
        store.db.execute("UPDATE events SET cross_border = ? WHERE id = ?", [int(flag), event_id])


# who may do what


def can_create(store: Store, member: Mapping[str, Any] | None) -> bool:
    return members_may(store, member, "members_can_create_events")


def can_manage(member: Mapping[str, Any] | None, event: Mapping[str, Any]) -> bool:
    """Admins and the member who created it; remote events belong to their origin."""
    return ownership.may_manage(member, event, "created_by")


def get_event(store: Store, uuid: str) -> dict[str, Any]:
    """A live event by uuid: NotFound if unknown, Gone once deleted."""
    return ownership.live(events_store.get_by_uuid(store, uuid),
                          missing=NotFound("No such event."), gone=Gone("This event was deleted."))


def _managed(store: Store, uuid: str, by: Mapping[str, Any] | None) -> dict[str, Any]:
    """The local event `by` may change (`by=None`: the space itself, from the CLI)."""
    return ownership.managed(
        get_event(store, uuid), by, "created_by",
        not_local=PermissionDenied("Only the space that published this event can change it."),
        not_allowed=PermissionDenied("Only the event's organisers and the space's admins can do this."))


# creating and changing


def create_event(
    store: Store, config: Config, values: Mapping[str, Any], *, by: Mapping[str, Any] | None,
    ics_uid: str | None = None, past_ok: bool = True,
) -> dict[str, Any]:
    """A new local event organised by the space; `by` is the member creating it (None: CLI/import).
    `past_ok=False` (the web form) refuses an event that has already started until it is confirmed."""
    if by is not None and not can_create(store, by):
        raise PermissionDenied("Only the space's admins can create events here.")
    space = space_store.get(store)
    values = event_places.resolve(store, config, values)
    row = clean_event(values, space=space, default_zone=default_timezone(space["country"]))
    if not past_ok:
        _check_not_past(row)
    event_uuid = str(uuid_mod.uuid4())
    ap_id = f"{config.url}/events/{event_uuid}"
    row |= {
        "uuid": event_uuid, "ap_id": ap_id, "url": ap_id, "origin": "local",
        "organiser_id": local_actors.space_id(config), "organiser_name": space["name"], "organiser_country": space["country"],
        "created_by": by["id"] if by is not None else None, "ics_uid": ics_uid,
    }
    with store.transaction():
        event = events_store.insert(store, row)
        refresh_cross_border(store, event["id"])
        event = events_store.get(store, event["id"])
        _publish_event(store, config, "Create", event)  # type: ignore[arg-type]
    return event  # type: ignore[return-value]


CONFIRM_PAST = "confirm_past"


def _check_not_past(row: Mapping[str, Any]) -> None:
    """An event that has already begun is most often a wrong date: say so before publishing it."""
    if row["starts_at"] < now_iso():
        raise InvalidInput("This event starts in the past. Check the date, or tick the box to publish it anyway.",
                           field=CONFIRM_PAST)


def _changes(event: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if event.get(key) != value}


def update_event(
    store: Store, config: Config, uuid: str, values: Mapping[str, Any], *, by: Mapping[str, Any] | None,
    past_ok: bool = True,
) -> dict[str, Any]:
    """Change some fields of a local event; the others keep their value. SEQUENCE bumps when anything changed.
    `past_ok=False`: moving it to a time that has already begun needs a confirmation."""
    event = _managed(store, uuid, by)
    space = space_store.get(store)
    values = event_places.resolve(store, config, editable_values(event) | dict(values))
    row = clean_event(values, space=space, default_zone=event["timezone"])
    changes = _changes(event, row)
    if not changes:
        return event
    if not past_ok and "starts_at" in changes:
        _check_not_past(row)
    with store.transaction():
        events_store.update(store, event["id"], changes | {"sequence": event["sequence"] + 1})
        refresh_cross_border(store, event["id"])
        event = events_store.get(store, event["id"])
        _publish_event(store, config, "Update", event)  # type: ignore[arg-type]
        event_notices.event_changed(store, config, event, changes)  # type: ignore[arg-type]
    return event  # type: ignore[return-value]


def cancel_event(store: Store, config: Config, uuid: str, *, by: Mapping[str, Any] | None) -> dict[str, Any]:
    """Cancelled events stay visible (struck through) so people who planned to come find out."""
    return update_event(store, config, uuid, {"status": "cancelled"}, by=by)


def delete_event(store: Store, config: Config, uuid: str, *, by: Mapping[str, Any] | None) -> dict[str, Any]:
    """Keep a tombstone row: the id answers 410 and calendars can drop it."""
    event = _managed(store, uuid, by)
    with store.transaction():
        tombstones_store.add(store, event["ap_id"], "Event")
        event = events_store.update(store, event["id"], {"deleted_at": now_iso(), "sequence": event["sequence"] + 1})
        _publish_event(store, config, "Delete", event)
    return event


# registrations


def member_attendee(config: Config, space: Mapping[str, Any], member: Mapping[str, Any]) -> Attendee:
    return Attendee(
        actor_id=local_actors.member_id(config, member["username"]), name=member["display_name"] or member["username"],
        origin="local", country=space["country"], member_id=member["id"],
    )


def _registrable(event: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if event is None:
        raise NotFound("No such event.")
    if event["deleted_at"]:
        raise Gone("This event was deleted.")
    if event["status"] == "cancelled":
        raise InvalidInput("This event was cancelled.")
    if event["end"] <= now():
        raise InvalidInput("This event is over.")
    if event["registration"] == "none":
        raise InvalidInput("This event takes no registrations.")
    if event["registration"] == "external":
        raise InvalidInput("Register on the organisers' site: %(url)s", url=event["external_url"])
    return event


def register(store: Store, event_id: int, attendee: Attendee) -> str:
    """Register `attendee`; returns the registration's status.

    The capacity check and the insert share one BEGIN IMMEDIATE transaction, so two
    processes (or the server and the CLI) can never both take the last seat. Asking
    again returns the standing answer; a rejected attendee stays rejected. Remote
    events answer through their origin, so our side waits as 'pending'.
    """
    with store.transaction():
        event = _registrable(events_store.get(store, event_id))
        current = events_store.registration(store, event_id, attendee.actor_id)
        if current is not None and current["status"] != "cancelled":
            return current["status"]
        if event["origin"] != "local" or event["registration"] == "approval":
            status = "pending"
        else:
            _check_capacity(store, event)
            status = "accepted"
        events_store.upsert_registration(store, event_id, attendee.actor_id, {
            "attendee_name": attendee.name, "attendee_origin": attendee.origin,
            "attendee_country": attendee.country, "member_id": attendee.member_id,
            "join_activity_id": attendee.join_activity_id, "status": status,
        })
        refresh_cross_border(store, event_id)
    return status


def _check_capacity(store: Store, event: Mapping[str, Any]) -> None:
    if event["capacity"] is not None:
        taken = events_store.registration_counts(store, event["id"])["accepted"]
        if taken >= event["capacity"]:
            raise Conflict("This event is full.")


def attend(store: Store, config: Config, uuid: str, member: Mapping[str, Any]) -> str:
    """A signed-in member registers (the web page's "Attend" button); for a peer's event, with a Join."""
    event = get_event(store, uuid)
    attendee = member_attendee(config, space_store.get(store), member)
    if event["origin"] == "local":
        return register(store, event["id"], attendee)
    if member["visibility"] not in publication.NETWORK_VISIBILITIES:
        raise InvalidInput("To register for another space's events, show your profile to the network first.")
    if member["visibility"] != "public" and not publication.is_network_peer(store, config, publication.domain_of(event["ap_id"])):
        # The origin could not read a network-only profile, so it could not check the Join's signature.
        raise InvalidInput("This event is outside the Coffee network: make your profile public to register for it.")
    join_id = outbox.new_activity_id(config)
    with store.transaction():
        status = register(store, event["id"], replace(attendee, join_activity_id=join_id))
        if events_store.registration(store, event["id"], attendee.actor_id)["join_activity_id"] == join_id:  # type: ignore[index]
            outbox.publish(store, config, {"id": join_id, "type": "Join", "object": event["ap_id"],
                                           "to": [event["organiser_id"]]},
                           actor_id=attendee.actor_id, recipients=[event["organiser_id"]])
    return status


def leave(store: Store, config: Config, uuid: str, member: Mapping[str, Any]) -> str:
    event = get_event(store, uuid)
    actor_id = member_attendee(config, space_store.get(store), member).actor_id
    with store.transaction():
        status = cancel_registration(store, event["id"], actor_id)
        if event["origin"] != "local":
            outbox.publish(store, config, {"type": "Leave", "object": event["ap_id"], "to": [event["organiser_id"]]},
                           actor_id=actor_id, recipients=[event["organiser_id"]])
    return status


def set_registration_status(store: Store, event_id: int, attendee_id: str, status: str) -> dict[str, Any]:
    """Move one registration to `status`; accepting checks the capacity in the same transaction."""
    with store.transaction():
        current = events_store.registration(store, event_id, attendee_id)
        if current is None:
            raise NotFound("No such registration.")
        if status == "accepted" and current["status"] != "accepted":
            event = events_store.get(store, event_id)
            if event is not None and event["origin"] == "local":
                _check_capacity(store, event)
        row = events_store.upsert_registration(store, event_id, attendee_id, {"status": status})
        refresh_cross_border(store, event_id)
    return row


def cancel_registration(store: Store, event_id: int, attendee_id: str) -> str:
    current = events_store.registration(store, event_id, attendee_id)
    if current is None or current["status"] in ("cancelled", "rejected"):
        raise NotFound("You are not registered for this event.")
    return set_registration_status(store, event_id, attendee_id, "cancelled")["status"]


def decide(
    store: Store, config: Config, uuid: str, attendee_id: str, *, accept: bool, by: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """An organiser approves or rejects a registration of a local event; a peer's person hears back."""
    event = _managed(store, uuid, by)
    with store.transaction():
        row = set_registration_status(store, event["id"], attendee_id, "accepted" if accept else "rejected")
        if row["attendee_origin"] != "local" and row["join_activity_id"]:
            answer_join(store, config, event, attendee_id, row["join_activity_id"], accept=accept)
        event_notices.registration_answered(store, config, event, row)
    return row


def attendees(store: Store, event_id: int) -> list[dict[str, Any]]:
    """For organisers: who comes (and who waits), their name and where they come from
    (`attendee_space`: the name of their space, '' for ours)."""
    return [row | {"attendee_space": attendee_space(store, row)}
            for row in events_store.registrations(store, event_id, ("accepted", "pending"))]


def attendee_space(store: Store, registration: Mapping[str, Any]) -> str:
    """The name of a remote attendee's space: the one they are a member of, else the space we know
    on their server, else the server's host (never a bare URL)."""
    if registration["attendee_origin"] == "local":
        return ""
    person = actors_store.get(store, registration["attendee_id"])
    member_of = person["document"].get("memberOf") if person else None
    member_of = member_of.get("id") if isinstance(member_of, dict) else member_of
    space = actors_store.get(store, member_of) if isinstance(member_of, str) else None
    domain = urlsplit(registration["attendee_origin"]).netloc
    space = space or actors_store.space_on(store, domain)
    return (space["name"] or space["preferred_username"]) if space else domain


def counts(store: Store, event_id: int) -> dict[str, int]:
    return events_store.registration_counts(store, event_id)


def remaining(event: Mapping[str, Any]) -> int | None:
    if event["capacity"] is None:
        return None
    return max(0, event["capacity"] - event["participant_count"])


def my_events(store: Store, member_id: int) -> list[dict[str, Any]]:
    return events_store.member_registrations(store, member_id, ("accepted", "pending"))


# federation


async def resolve_cohosts(
    store: Store, client: Any, fetch: Any, cohosts: Iterable[Any], *, known: Iterable[Mapping[str, str]] = (),
) -> list[dict[str, str]]:
    """Handles and addresses of cohosting spaces as actors (WebFinger, then their document): id, name, country.

    Cohosts the event already has (`known`, matched by handle or id) are kept as they are, so
    editing an event does not depend on every cohost's server being up.
    """
    already = {key: dict(entry) for entry in known for key in (entry.get("acct"), entry.get("id")) if key}
    resolved = []
    for value in cohosts:
        entry = cohost_entry(value)
        target = entry["id"] or entry["acct"]
        if target in already:
            resolved.append(already[target])
            continue
        try:
            actor = await follows_service.resolve(store, client, fetch, target)
        except FederationError as exc:
            raise follows_service.unreachable(target, exc, field="cohosts") from exc
        resolved.append({"id": actor["id"], "name": actor["name"] or actor["preferred_username"],
                         "country": actor_country(actor["document"]), "acct": entry["acct"]})
    return resolved


def _publish_event(store: Store, config: Config, kind: str, event: Mapping[str, Any]) -> None:
    """Create/Update/Delete(Event) by the space, to its followers and the cohosts we know."""
    from node.services import event_documents  # it reads this module's helpers: importing it above would be a cycle

    space_id = local_actors.space_id(config)
    if kind == "Delete":
        obj = actor_documents.tombstone(event["ap_id"], "Event", event["deleted_at"])
    else:
        obj = event_documents.event_to_ap(event, config.url)
        events_store.mark_announced(store, event["id"], event["participant_count"], event["cross_border"])
    obj.pop("@context")
    recipients = publication.follower_ids(store, space_id) + [c["id"] for c in event["cohosts"] if c.get("id")]
    activity = {"@context": event_documents.EVENT_CONTEXT, "type": kind, "object": obj, "to": [outbox.PUBLIC],
                "cc": [f"{local_actors.collection_base(config, space_id)}/followers"]}
    outbox.publish(store, config, activity, actor_id=space_id, recipients=list(dict.fromkeys(recipients)))


def announce_registration_changes(store: Store, config: Config) -> int:
    """Update(Event) to followers for each of our events whose attendee count or cross-border flag
    changed since the last announce; called every few seconds, so a rush of Joins makes one Update."""
    changed = events_store.unannounced(store, now_iso())
    for event in changed:
        with store.transaction():
            _publish_event(store, config, "Update", event)
    return len(changed)


def answer_join(
    store: Store, config: Config, event: Mapping[str, Any], attendee_id: str, join_id: str, *, accept: bool,
) -> None:
    """Accept or Reject a peer's Join of one of our events (the Join embedded, as Mobilizon expects)."""
    join = {"id": join_id, "type": "Join", "actor": attendee_id, "object": event["ap_id"]}
    outbox.publish(store, config, {"type": "Accept" if accept else "Reject", "object": join, "to": [attendee_id]},
                   actor_id=local_actors.space_id(config), recipients=[attendee_id])


def receive_join(store: Store, config: Config, event_ap_id: str, attendee: Attendee) -> str | None:
    """A peer's person asks to come: register (mode and capacity apply) and answer, unless an organiser decides.

    Returns the status, or None when the event is not one of ours.
    """
    event = events_store.get_by_ap_id(store, event_ap_id)
    if event is None or event["origin"] != "local":
        return None
    try:
        status = register(store, event["id"], attendee)
    except (Conflict, InvalidInput, Gone):
        status = "rejected"
    if status != "pending" and attendee.join_activity_id:
        answer_join(store, config, event, attendee.actor_id, attendee.join_activity_id, accept=status == "accepted")
    return status


def receive_leave(store: Store, event_ap_id: str, attendee_id: str) -> None:
    event = events_store.get_by_ap_id(store, event_ap_id)
    current = events_store.registration(store, event["id"], attendee_id) if event else None
    if event is not None and event["origin"] == "local" and current and current["status"] in ("accepted", "pending"):
        set_registration_status(store, event["id"], attendee_id, "cancelled")


def receive_answer(store: Store, join_id: str, *, accept: bool) -> dict[str, Any] | None:
    """The origin answered one of our members' Joins (the inbox checked it is the event's origin)."""
    current = events_store.registration_by_join(store, join_id)
    if current is None or current["status"] not in ("pending", "accepted"):
        return None
    return set_registration_status(store, current["event_id"], current["attendee_id"], "accepted" if accept else "rejected")


def remote_owner(event: Mapping[str, Any], actor_id: str) -> bool:
    """Who may change a peer's event: its organiser, or the actor whose Create we stored."""
    return event["origin"] != "local" and actor_id in (event["organiser_id"], event["published_by"])


def save_remote(
    store: Store, config: Config, parsed: Mapping[str, Any], *, origin: str, published_by: str,
    organiser: Mapping[str, str],
) -> dict[str, Any] | None:
    """Store or update a peer's event read by `event_documents.event_from_ap`; None when it changed nothing."""
    space = space_store.get(store)
    values = {key: parsed[key] for key in EDITABLE if key in parsed}
    row = clean_event(values, space=space, default_zone=parsed["timezone"] or default_timezone(space["country"]),
                      require_place=False)
    row |= {
        "url": parsed["url"] or parsed["id"], "origin": origin, "organiser_id": organiser["id"],
        "organiser_name": organiser.get("name", ""), "organiser_country": organiser.get("country", ""),
        "reported_participants": parsed["reported_participants"],
        "reported_cross_border": parsed["reported_cross_border"],
    }
    existing = events_store.get_by_ap_id(store, parsed["id"])
    with store.transaction():
        if existing is None:
            event = events_store.insert(store, row | {
                "uuid": str(uuid_mod.uuid4()), "ap_id": parsed["id"], "published_by": published_by,
                "published_at": parsed["published"] or now_iso(),
            })
        elif existing["deleted_at"]:
            return None
        else:
            changes = _changes(existing, row)
            if not changes:
                return None
            # New registration figures are not a new version of the event for calendars (iCal SEQUENCE).
            edited = bool(set(changes) - {"reported_participants", "reported_cross_border"})
            event = events_store.update(store, existing["id"], changes | {"sequence": existing["sequence"] + edited})
        refresh_cross_border(store, event["id"])
    return events_store.get(store, event["id"])


def delete_remote(store: Store, ap_id: str, actor_id: str) -> bool:
    event = events_store.get_by_ap_id(store, ap_id)
    if event is None or event["deleted_at"] or not remote_owner(event, actor_id):
        return False
    events_store.update(store, event["id"], {"deleted_at": now_iso(), "sequence": event["sequence"] + 1})
    return True


# calendar feed tokens


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_calendar_token(store: Store, member_id: int) -> str:
    """A fresh secret for the member's calendar feed; the previous one stops working."""
    token = secrets.token_urlsafe(24)
    events_store.set_calendar_token(store, member_id, _token_hash(token))
    return token


def member_for_calendar_token(store: Store, token: str) -> int:
    member_id = events_store.member_for_calendar_token(store, _token_hash(token)) if token else None
    if member_id is None:
        raise NotFound("This calendar link is unknown or was replaced by a newer one.")
    return member_id


# agendas


def _in_range(day: date, *, field: str) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput("Dates go from %(first)s to %(last)s.", field=field,
                           first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())
    return day


def _date_bound(value: str, zone: str, *, field: str, next_day: bool) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("Enter a date like 2026-12-01.", field=field) from None
    _in_range(day, field=field)
    if next_day:
        day += timedelta(days=1)
    return datetime.combine(day, time(), tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(timezone.utc)


def parse_filters(query: Mapping[str, str], zone: str) -> AgendaFilters:
    """Agenda filters from query parameters (HTML pages, feeds and the API share them); dates are days in `zone`."""
    found: dict[str, Any] = {}
    if query.get("from"):
        found["start_from"] = _date_bound(query["from"], zone, field="from", next_day=False)
    if query.get("to"):
        found["until"] = _date_bound(query["to"], zone, field="to", next_day=True)
    if "start_from" in found and "until" in found and found["until"] <= found["start_from"]:
        raise InvalidInput("The end date comes before the start date.", field="to")
    if query.get("space"):
        found["space"] = check.url(query["space"], field="space")
    if query.get("country"):
        found["country"] = _country(query["country"])
    if query.get("category"):
        found["category"] = _choice(query["category"].upper(), CATEGORIES, field="category")
    if query.get("language"):
        found["language"] = _choice(query["language"], check.KNOWN_LANGUAGES, field="language")
    flag = (query.get("cross_border") or "").lower()
    if flag:
        if flag not in _TRUE + _FALSE:
            raise InvalidInput("Use yes or no.", field="cross_border")
        found["cross_border"] = flag in _TRUE
    if query.get("status"):
        found["status"] = _choice(query["status"], STATUSES, field="status")
    page = query.get("page") or "1"
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        raise InvalidInput("Pages are numbered from 1.", field="page")
    found["page"] = int(page)
    return AgendaFilters(**found)


def _where(filters: AgendaFilters) -> tuple[str, list[Any]]:
    clauses, params = ["events.deleted_at IS NULL"], []
    if filters.start_from is not None:
        clauses.append("events.ends_at > ?")
        params.append(iso(filters.start_from))
    if filters.until is not None:
        clauses.append("events.starts_at < ?")
        params.append(iso(filters.until))
    cohost_has = "EXISTS (SELECT 1 FROM json_each(events.cohosts) WHERE json_extract(value, '$.{}') = ?)"
    if filters.space is not None:
        clauses.append(f"(events.organiser_id = ? OR {cohost_has.format('id')})")
        params += [filters.space, filters.space]
    if filters.country is not None:
        # Events that involve the country: held there, or organised (co-)by one of its spaces.
        clauses.append(f"(events.country = ? OR events.organiser_country = ? OR {cohost_has.format('country')})")
        params += [filters.country] * 3
    if filters.category is not None:
        clauses.append("events.category = ?")
        params.append(filters.category)
    if filters.language is not None:
        clauses.append("EXISTS (SELECT 1 FROM json_each(events.languages) WHERE value = ?)")
        params.append(filters.language)
    if filters.cross_border is not None:
        clauses.append("events.cross_border = ?")
        params.append(int(filters.cross_border))
    if filters.status is not None:
        clauses.append("events.status = ?")
        params.append(filters.status)
    return " AND ".join(clauses), params


def find_events(store: Store, filters: AgendaFilters, *, per_page: int = PER_PAGE) -> Page:
    where, params = _where(filters)
    items = events_store.select(store, where, params, limit=per_page, offset=(filters.page - 1) * per_page)
    return Page(items=items, total=events_store.count(store, where, params), page=filters.page, per_page=per_page)


def upcoming(store: Store, space_id: str, *, limit: int) -> list[dict[str, Any]]:
    """The next events of a space (organised or co-hosted), for its home page."""
    return find_events(store, AgendaFilters(start_from=now(), space=space_id), per_page=limit).items


def all_events(store: Store, filters: AgendaFilters, *, limit: int) -> list[dict[str, Any]]:
    """Unpaginated (feeds), at most `limit` events."""
    where, params = _where(filters)
    return events_store.select(store, where, params, limit=limit)


def month_bounds(month: str | None, zone: str) -> tuple[date, datetime, datetime]:
    """`2026-12` → (its first day, its start and end as UTC instants in `zone`); default: this month."""
    if month:
        try:
            first = datetime.strptime(month, "%Y-%m").date()
        except ValueError:
            raise InvalidInput("Enter a month like 2026-12.", field="month") from None
        _in_range(first, field="month")
    else:
        first = now().astimezone(zoneinfo.ZoneInfo(zone)).date().replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    tz = zoneinfo.ZoneInfo(zone)
    return first, datetime.combine(first, time(), tz).astimezone(timezone.utc), datetime.combine(following, time(), tz).astimezone(timezone.utc)


def month_weeks(first: date, events: Iterable[Mapping[str, Any]]) -> list[list[tuple[date | None, list[Mapping[str, Any]]]]]:
    """A Monday-first month grid; each event shows on every day it covers in its own zone."""
    by_day: dict[date, list[Mapping[str, Any]]] = {}
    for event in events:
        start, end = local_times(event)
        day, last = start.date(), (end - timedelta(microseconds=1)).date()
        while day <= last:
            by_day.setdefault(day, []).append(event)
            day += timedelta(days=1)
    return [
        [(day if day and day.month == first.month else None, by_day.get(day, []) if day else []) for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]


_TEXT_MAP = {"type": "object", "propertyNames": {"enum": list(check.KNOWN_LANGUAGES)}, "additionalProperties": {"type": "string"}}
_SPACE_REF = {
    "type": "object", "required": ["id", "name", "country"],
    "properties": {"id": {"type": "string", "format": "uri"}, "name": {"type": "string"},
                   "country": {"type": "string", "pattern": "^([A-Z]{2})?$"},
                   "acct": {"type": "string", "description": "The handle it was named by (cohosts)."}},
}
# The JSON Schema of `public_view`, for the OpenAPI description (`node/openapi.py`).
PUBLIC_VIEW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["uuid", "id", "url", "origin", "name", "start", "end", "timezone", "place", "status", "cross_border",
                 "registration", "participant_count", "organiser", "cohosts"],
    "properties": {
        "uuid": {"type": "string", "format": "uuid", "description": "This node's id of the event: its page is /events/{uuid}."},
        "id": {"type": "string", "format": "uri", "description": "The ActivityPub id (at the origin)."},
        "url": {"type": "string", "format": "uri", "description": "The event's web page at its origin."},
        "origin": {"type": "string", "description": "`local`, or the origin (https://host) of the node that published it."},
        "name": _TEXT_MAP,
        "description": _TEXT_MAP,
        "description_format": {"enum": ["text", "html"], "description": "Plain text (local), or sanitised HTML (peers)."},
        "start": {"type": "string", "format": "date-time", "description": "Local time with its UTC offset."},
        "end": {"type": "string", "format": "date-time"},
        "timezone": {"type": "string", "description": "IANA zone the times are given in, e.g. Europe/Brussels."},
        "all_day": {"type": "boolean"},
        "place": {
            "type": "object",
            "properties": {
                "place_kind": {"enum": list(PLACE_KINDS)}, "place_name": {"type": "string"}, "street": {"type": "string"},
                "postal_code": {"type": "string"}, "city": {"type": "string"}, "region": {"type": "string"},
                "country": {"type": "string", "pattern": "^([A-Z]{2})?$"},
                "latitude": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
                "longitude": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
                "online_url": {"type": "string"},
            },
        },
        "category": {"enum": [*CATEGORIES, None]},
        "languages": {"type": "array", "items": {"enum": list(check.KNOWN_LANGUAGES)}},
        "status": {"enum": list(STATUSES)},
        "cross_border": {"type": "boolean"},
        "registration": {"enum": list(REGISTRATION_MODES)},
        "external_url": {"type": ["string", "null"]},
        "capacity": {"type": ["integer", "null"], "minimum": 1},
        "participant_count": {"type": "integer", "minimum": 0},
        "remaining": {"type": ["integer", "null"], "minimum": 0},
        "organiser": _SPACE_REF,
        "cohosts": {"type": "array", "items": _SPACE_REF},
        "image": {"type": ["string", "null"]},
        "updated": {"type": "string", "format": "date-time"},
    },
}


def public_view(event: Mapping[str, Any]) -> dict[str, Any]:
    """What the JSON API and `--json` output say about an event (never who attends)."""
    start, end = local_times(event)
    return {
        "uuid": event["uuid"], "id": event["ap_id"], "url": event["url"], "origin": event["origin"],
        "name": event["name_map"], "description": event["content_map"], "description_format": event["content_format"],
        "start": start.isoformat(), "end": end.isoformat(), "timezone": event["timezone"], "all_day": event["all_day"],
        "place": {key: event[key] for key in (
            "place_kind", "place_name", "street", "postal_code", "city", "region", "country", "latitude", "longitude",
        )} | {"online_url": event["online_url"]},
        "category": event["category"] or None, "languages": event["languages"], "status": event["status"],
        "cross_border": event["cross_border"], "registration": event["registration"],
        "external_url": event["external_url"] or None, "capacity": event["capacity"],
        "participant_count": event["participant_count"], "remaining": remaining(event),
        "organiser": {"id": event["organiser_id"], "name": event["organiser_name"], "country": event["organiser_country"]},
        "cohosts": event["cohosts"], "image": event["image"] or None, "updated": event["updated_at"],
    }
