"""The space profile: what the home page, `/api/space` and the space actor say about the place.

`update_space` validates every field before writing anything, so a rejected edit
leaves the stored profile exactly as it was.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from babel import Locale
from babel.numbers import list_currencies

from node import i18n
from node.config import Config
from node.errors import InvalidInput
from node.services import announce
from node.services import fields as check
from node.storage import space as space_store
from node.storage.db import Store

KINDS = ("coworking", "fablab", "tiers-lieu", "repair-cafe", "hackerspace", "incubator", "makerspace", "other")
# A closed list: each amenity has a translated label and an icon-free chip; anything else goes in the description.
AMENITIES = (
    "wifi", "meeting-room", "kitchen", "parking", "bike-parking", "accessible", "printer", "phone-booth",
    "event-space", "lockers", "showers", "childcare", "3d-printer", "workshop",
)  # fmt: skip
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MAX_DESCRIPTION = 5000
# The longest texts accepted: the validators and the form's maxlength and help read them here.
MAX_LENGTHS = {"name": 120, "street": 200, "city": 120, "region": 120}
MAX_TERMS = 2000
MAX_HOURS_ROWS = 14
MAX_PRICE = 1_000_000
# Babel's territories include groupings and private-use codes that are not countries.
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})
COUNTRIES = frozenset(code for code in Locale.parse("en").territories if re.fullmatch(r"[A-Z]{2}", code)) - _NOT_COUNTRIES
_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")
_DAYS_PART = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")
_POSTAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{0,19}$")
_PHONE = re.compile(r"^\+?[0-9 ().\-/]{4,40}$")

# What `/api/space` and the home page show; `id` and the bookkeeping columns stay inside.
PUBLIC_FIELDS = (
    "slug", "name", "description_map", "kind", "street", "postal_code", "city", "region", "country",
    "latitude", "longitude", "website", "email", "phone", "opening_hours", "amenities", "price_hour",
    "price_day", "price_month", "currency", "welcomes_network", "network_terms_map", "languages", "updated_at",
)  # fmt: skip


def get_space(store: Store) -> dict[str, Any]:
    return space_store.get(store)


def update_space(store: Store, fields: dict[str, Any], *, config: Config | None = None) -> dict[str, Any]:
    """Validate `fields` (any subset of the editable ones) and store them together, or nothing."""
    unknown = sorted(set(fields) - set(_VALIDATORS))
    if unknown:
        raise InvalidInput("Unknown field: %(name)s.", field=unknown[0], name=unknown[0])
    cleaned = {name: _VALIDATORS[name](value) for name, value in fields.items()}
    merged = get_space(store) | cleaned
    if (merged["latitude"] is None) != (merged["longitude"] is None):
        missing = "longitude" if merged["longitude"] is None else "latitude"
        raise InvalidInput("Give both latitude and longitude, or neither.", field=missing)
    if not merged["languages"]:
        raise InvalidInput("Choose at least one language.", field="languages")
    with store.transaction():
        updated = space_store.update(store, **cleaned)
        if config is not None:  # followers get an Update of the space's actor
            announce.space_changed(store, config)
    return updated


def members_may(store: Store, member: Any, setting: str) -> bool:
    """Whether a signed-in member may do what the space's `setting` (a `members_can_...` flag)
    allows its members; admins always may."""
    if member is None:
        return False
    return member["role"] == "admin" or bool(space_store.get(store).get(setting))


def public_space(space: dict[str, Any]) -> dict[str, Any]:
    return {name: space[name] for name in PUBLIC_FIELDS}


def day_codes(days: Any, *, field: str = "opening_hours") -> list[str]:
    """'Mo-Fr,Sa' or ['Mo', 'Tu'] → the day codes it covers, Monday first."""
    if isinstance(days, str):
        covered: set[str] = set()
        for part in (p.strip() for p in days.split(",")):
            match = _DAYS_PART.match(part)
            if not match:
                raise InvalidInput("Days look like Mo-Fr or Mo,We,Fr.", field=field)
            first = DAYS.index(match.group(1))
            last = DAYS.index(match.group(2) or match.group(1))
            if last < first:
                raise InvalidInput("Days look like Mo-Fr or Mo,We,Fr.", field=field)
            covered.update(DAYS[first : last + 1])
    elif isinstance(days, (list, tuple)) and all(isinstance(d, str) for d in days):
        covered = set(days)
        if not covered <= set(DAYS):
            raise InvalidInput("Days look like Mo-Fr or Mo,We,Fr.", field=field)
    else:
        raise InvalidInput("Days look like Mo-Fr or Mo,We,Fr.", field=field)
    return [day for day in DAYS if day in covered]


def compact_days(codes: list[str]) -> str:
    """['Mo', 'Tu', 'We', 'Fr'] → 'Mo-We,Fr' (the schema.org openingHours notation)."""
    runs: list[list[str]] = []
    for day in codes:
        if runs and DAYS.index(day) == DAYS.index(runs[-1][-1]) + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)


def _opening_hours(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput("Opening hours must be a list of days with opening and closing times.", field="opening_hours")
    if len(value) > MAX_HOURS_ROWS:
        raise InvalidInput("Too many values (at most %(max)s).", field="opening_hours", max=MAX_HOURS_ROWS)
    rows = []
    for row in value:
        if not isinstance(row, dict) or set(row) != {"days", "opens", "closes"}:
            raise InvalidInput("Opening hours must be a list of days with opening and closing times.", field="opening_hours")
        codes = day_codes(row["days"])
        if not codes:
            raise InvalidInput("Choose the days these hours apply to.", field="opening_hours")
        opens, closes = row["opens"], row["closes"]
        if not isinstance(opens, str) or not _TIME.match(opens):
            raise InvalidInput("Times look like 08:30 (hours 00 to 23).", field="opening_hours")
        if not isinstance(closes, str) or not (_TIME.match(closes) or closes == "24:00"):
            raise InvalidInput("Times look like 08:30 (hours 00 to 23).", field="opening_hours")
        if closes <= opens:
            raise InvalidInput("The closing time must be after the opening time.", field="opening_hours")
        rows.append({"days": compact_days(codes), "opens": opens, "closes": closes})
    return rows


def _country(value: Any) -> str:
    code = check.text(value, field="country", max_len=2, required=True).upper()
    if code not in COUNTRIES:
        raise InvalidInput("Enter a two-letter country code like BE or FR.", field="country")
    return code


def _postal_code(value: Any) -> str:
    code = check.text(value, field="postal_code", max_len=20)
    if code and not _POSTAL.match(code):
        raise InvalidInput("This postal code has characters that are not allowed.", field="postal_code")
    return code


def _phone(value: Any) -> str:
    phone = check.text(value, field="phone", max_len=40)
    if phone and not (_PHONE.match(phone) and sum(ch.isdigit() for ch in phone) >= 4):
        raise InvalidInput("Enter a phone number like +32 65 12 34 56.", field="phone")
    return phone


def _currency(value: Any) -> str:
    code = check.text(value, field="currency", max_len=3, required=True).upper()
    if code not in list_currencies():
        raise InvalidInput("Enter a three-letter currency code like EUR.", field="currency")
    return code


def _kind(value: Any) -> str:
    if value not in KINDS:
        raise InvalidInput("Unknown kind of space: %(kind)s.", field="kind", kind=str(value)[:40])
    return value


def _price(field: str) -> Callable[[Any], float | None]:
    def validate(value: Any) -> float | None:
        price = check.number(value, field=field)
        if price is not None and price < 0:
            raise InvalidInput("A price cannot be negative.", field=field)
        if price is not None and price > MAX_PRICE:
            raise InvalidInput("This price is too high.", field=field)
        return price

    return validate


def _latitude(value: Any) -> float | None:
    latitude = check.number(value, field="latitude")
    if latitude is not None and not -90 <= latitude <= 90:
        raise InvalidInput("Latitude must be between -90 and 90.", field="latitude")
    return latitude


def _longitude(value: Any) -> float | None:
    longitude = check.number(value, field="longitude")
    if longitude is not None and not -180 <= longitude <= 180:
        raise InvalidInput("Longitude must be between -180 and 180.", field="longitude")
    return longitude


_VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "name": lambda v: check.text(v, field="name", max_len=MAX_LENGTHS["name"], required=True),
    "description_map": lambda v: check.language_map(v, field="description_map", max_len=MAX_DESCRIPTION),
    "kind": _kind,
    "street": lambda v: check.text(v, field="street", max_len=MAX_LENGTHS["street"]),
    "postal_code": _postal_code,
    "city": lambda v: check.text(v, field="city", max_len=MAX_LENGTHS["city"]),
    "region": lambda v: check.text(v, field="region", max_len=MAX_LENGTHS["region"]),
    "country": _country,
    "latitude": _latitude,
    "longitude": _longitude,
    "website": lambda v: check.url(v, field="website"),
    "email": lambda v: check.email(v, field="email"),
    "phone": _phone,
    "opening_hours": _opening_hours,
    "amenities": lambda v: check.choices(v, AMENITIES, field="amenities"),
    "price_hour": _price("price_hour"),
    "price_day": _price("price_day"),
    "price_month": _price("price_month"),
    "currency": _currency,
    "welcomes_network": lambda v: check.boolean(v, field="welcomes_network"),
    "network_terms_map": lambda v: check.language_map(v, field="network_terms_map", max_len=MAX_TERMS),
    "languages": lambda v: check.choices(v, check.KNOWN_LANGUAGES, field="languages"),
    "members_can_create_events": lambda v: check.boolean(v, field="members_can_create_events"),
    "members_can_post_opportunities": lambda v: check.boolean(v, field="members_can_post_opportunities"),
}
EDITABLE_FIELDS = tuple(_VALIDATORS)



_SCHEMA_DAYS = dict(zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))


def schema_org(space: dict[str, Any], url: str, lang: str) -> dict[str, Any]:
    """The space as a schema.org `LocalBusiness` (JSON-LD in the home page, for search engines and maps)."""
    doc: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "@id": f"{url}/",
        "url": f"{url}/",
        "name": space["name"],
    }
    address = {
        "streetAddress": space["street"],
        "postalCode": space["postal_code"],
        "addressLocality": space["city"],
        "addressRegion": space["region"],
        "addressCountry": space["country"],
    }
    doc["address"] = {"@type": "PostalAddress"} | {key: value for key, value in address.items() if value}
    if description := i18n.pick(space["description_map"], lang):
        doc["description"] = description
    if space["latitude"] is not None:
        doc["geo"] = {"@type": "GeoCoordinates", "latitude": space["latitude"], "longitude": space["longitude"]}
    if space["website"]:
        doc["sameAs"] = space["website"]
    if space["email"]:
        doc["email"] = space["email"]
    if space["phone"]:
        doc["telephone"] = space["phone"]
    if space["opening_hours"]:
        doc["openingHoursSpecification"] = [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": [f"https://schema.org/{_SCHEMA_DAYS[day]}" for day in day_codes(row["days"])],
                "opens": row["opens"],
                "closes": row["closes"],
            }
            for row in space["opening_hours"]
        ]
    if space["amenities"]:
        doc["amenityFeature"] = [
            {"@type": "LocationFeatureSpecification", "name": amenity, "value": True} for amenity in space["amenities"]
        ]
    if space["languages"]:
        doc["knowsLanguage"] = space["languages"]
    return doc
