"""Events as ActivityStreams `Event` objects, both ways; pure functions, no I/O.

Out: one document that Coffee nodes, Mobilizon (joinMode, isOnline, `status`,
the "Website" link attachment), FEP-8a8e readers (timezone, category,
organizers, eventStatus, VirtualLocation) and Mastodon (which shows `name`,
`summary` and `url` of an Event) all understand.

In: a peer's document is first compacted with `EVENT_CONTEXT` through the
offline JSON-LD loader, so Mobilizon's `mz:`/`sc:`/`ical:` spellings, FEP terms
and our own come out under one set of keys; then read defensively (every value
may be missing, a list or of the wrong type) and HTML is sanitised with nh3.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping

import nh3

from federation.documents import omit_empty
from federation.jsonld import COFFEE_CONTEXT, PUBLIC, compact
from node.services import events as events_service
from node.services.actor_documents import paragraphs
from node.services import fields as check

# Terms our events use that `schemas/context.jsonld` does not define (yet).
EVENT_TERMS: dict[str, Any] = {
    "ical": "http://www.w3.org/2002/12/cal/ical#",
    "status": "ical:status",
    "inLanguage": "schema:inLanguage",
    "VirtualLocation": "schema:VirtualLocation",
    "eventStatus": {"@id": "fep8a8e:eventStatus", "@type": "@vocab"},
    "EventScheduled": "fep8a8e:EventScheduled",
    "EventTentative": "fep8a8e:EventTentative",
    "EventCancelled": "fep8a8e:EventCancelled",
    "EventPostponed": "fep8a8e:EventPostponed",
    "EventRescheduled": "fep8a8e:EventRescheduled",
    "EventMovedOnline": "fep8a8e:EventMovedOnline",
}
EVENT_CONTEXT: list[Any] = [*COFFEE_CONTEXT, EVENT_TERMS]

JOIN_MODES = {"open": "free", "approval": "restricted", "external": "external", "none": "none"}
JOIN_MODES_IN = {"free": "open", "restricted": "approval", "external": "external", "none": "none", "invite": "none"}
EVENT_STATUS = {"confirmed": "EventScheduled", "tentative": "EventTentative", "cancelled": "EventCancelled"}
EVENT_STATUS_IN = {
    "EventScheduled": "confirmed", "EventRescheduled": "confirmed", "EventMovedOnline": "confirmed",
    "EventTentative": "tentative", "EventPostponed": "tentative", "EventCancelled": "cancelled",
}
ICAL_STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED"}
INFERRED_DURATION = timedelta(hours=1)
MOBILIZON_ONLINE_LINK = "Website"  # the attachment name Mobilizon reads an online address from


# out


def _utc(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _main_language(event: Mapping[str, Any]) -> str:
    for lang in event["languages"]:
        if lang in event["name_map"]:
            return lang
    return next(iter(event["name_map"]))


def _place(event: Mapping[str, Any]) -> dict[str, Any]:
    address = {
        "type": "PostalAddress",
        "streetAddress": event["street"],
        "postalCode": event["postal_code"],
        "addressLocality": event["city"],
        "addressRegion": event["region"],
        "addressCountry": event["country"],
    }
    place: dict[str, Any] = {
        "type": "Place",
        "name": event["place_name"] or event["city"],
        "address": {key: value for key, value in address.items() if value},
    }
    if event["latitude"] is not None:
        place |= {"latitude": event["latitude"], "longitude": event["longitude"]}
    return place


def _organizers(event: Mapping[str, Any]) -> dict[str, Any]:
    people = [{"id": event["organiser_id"], "name": event["organiser_name"], "country": event["organiser_country"]}]
    people += [cohost for cohost in event["cohosts"] if cohost.get("id")]
    items = [
        {"type": "Organization", "id": person["id"]} | {key: person[key] for key in ("name", "country") if person.get(key)}
        for person in people
    ]
    return {"type": "Collection", "totalItems": len(items), "items": items}


def event_to_ap(event: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """Our Event document for `event` (a row of `node.storage.events`, local to `base_url`)."""
    main = _main_language(event)
    start, end = events_service.local_times(event)
    place = events_service.describe_place(event)
    summaries = {
        lang: " · ".join(part for part in (events_service.describe_when(event, lang), place) if part)
        for lang in event["name_map"]
    }
    contents = {
        lang: text if event["content_format"] == "html" else paragraphs(text)
        for lang, text in event["content_map"].items()
    }
    doc: dict[str, Any] = {
        "@context": EVENT_CONTEXT,
        "id": event["ap_id"],
        "type": "Event",
        "url": event["url"],
        "attributedTo": event["organiser_id"],
        "organizers": _organizers(event),
        "to": [PUBLIC],
        "cc": [f"{base_url}/space/followers"],
        "name": event["name_map"][main],
        "nameMap": event["name_map"],
        "summary": summaries[main],
        "summaryMap": summaries,
        "mediaType": "text/html",
        "startTime": start.isoformat(),
        "endTime": end.isoformat(),
        "timezone": event["timezone"],
        "inLanguage": event["languages"][0] if len(event["languages"]) == 1 else event["languages"],
        "joinMode": JOIN_MODES[event["registration"]],
        "participantCount": event["participant_count"],
        "eventStatus": EVENT_STATUS[event["status"]],
        "status": ICAL_STATUS[event["status"]],
        "crossBorder": event["cross_border"],
        "isOnline": event["place_kind"] == "online_only",
        "published": _utc(event["published_at"]),
        "updated": _utc(event["updated_at"]),
    }
    if contents:
        doc["content"] = contents.get(main) or next(iter(contents.values()))
        doc["contentMap"] = contents
    if event["place_kind"] == "online_only":
        doc["location"] = {"type": "VirtualLocation", "url": event["online_url"]}
    else:
        doc["location"] = _place(event)
    if event["online_url"]:
        doc["attachment"] = [
            {"type": "Link", "name": MOBILIZON_ONLINE_LINK, "mediaType": "text/html", "href": event["online_url"]}
        ]
    if event["category"]:
        doc["category"] = event["category"]
    if event["registration"] == "external":
        doc["externalParticipationUrl"] = event["external_url"]
    if event["capacity"] is not None:
        doc["maximumAttendeeCapacity"] = event["capacity"]
        doc["remainingAttendeeCapacity"] = events_service.remaining(event)
    if event["image"]:
        doc["image"] = {"type": "Image", "url": event["image"]}
    return omit_empty(doc)


# in


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _first_str(value: Any) -> str | None:
    for item in _list(value):
        if isinstance(item, str) and item:
            return item
    return None


def _ref(value: Any) -> str | None:
    """An id from `"https://..."`, `{"id": ...}`, `{"href": ...}` or a list of those."""
    for item in _list(value):
        if isinstance(item, str) and item.startswith(("https://", "http://")):
            return item
        if isinstance(item, dict):
            found = _ref(item.get("id")) or _ref(item.get("href"))
            if found:
                return found
    return None


def _types(node: Mapping[str, Any]) -> set[str]:
    return {kind.rsplit("#", 1)[-1].rsplit(":", 1)[-1] for kind in _list(node.get("type")) if isinstance(kind, str)}


def _plain(text: str) -> str:
    """Names are plain text (FEP-8a8e); peers sometimes send markup anyway."""
    return html.unescape(nh3.clean(text, tags=set())).strip()


def _language_map(doc: Mapping[str, Any], key: str, default_language: str) -> dict[str, str]:
    found: dict[str, str] = {}
    mapping = doc.get(f"{key}Map")
    if isinstance(mapping, dict):
        found = {lang.split("-")[0].lower(): text for lang, text in mapping.items() if isinstance(text, str)}
    plain = _first_str(doc.get(key))
    if plain and plain not in found.values():
        found.setdefault(default_language, plain)
    return {lang: text for lang, text in found.items() if lang in check.KNOWN_LANGUAGES and text.strip()}


def _bounded_html(text: str) -> str:
    """Sanitised HTML within our limit; re-sanitising a cut closes any tag the cut left open."""
    safe = events_service.sanitise_html(text)
    while len(safe) > events_service.MAX_DESCRIPTION:
        safe = events_service.sanitise_html(safe[: events_service.MAX_DESCRIPTION - 200])
    return safe


def _instant(value: Any) -> datetime | None:
    text = _first_str(value)
    if not text:
        return None
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    return instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)


def _number(value: Any, low: float, high: float) -> float | None:
    for item in _list(value):
        try:
            number = float(item)
        except (TypeError, ValueError):
            continue
        if low <= number <= high:
            return number
    return None


def _short(value: Any, limit: int) -> str:
    return _plain(_first_str(value) or "")[:limit]


def _location(doc: Mapping[str, Any]) -> dict[str, Any]:
    place: dict[str, Any] = {}
    online = ""
    for item in _list(doc.get("location")):
        if not isinstance(item, dict):
            continue
        kinds = _types(item)
        if "VirtualLocation" in kinds:
            online = online or _ref(item.get("url")) or ""
        elif "Place" in kinds and not place:
            address = item.get("address")
            place = {"place_name": _short(item.get("name"), events_service.MAX_PLACE_TEXT)}
            if isinstance(address, dict):
                place |= {
                    "street": _short(address.get("streetAddress"), events_service.MAX_PLACE_TEXT),
                    "postal_code": _short(address.get("postalCode"), 20),
                    "city": _short(address.get("addressLocality"), 100),
                    "region": _short(address.get("addressRegion"), 100),
                    "country": events_service.country_code(_first_str(address.get("addressCountry"))),
                }
            elif isinstance(address, str):
                place["street"] = _short(address, events_service.MAX_PLACE_TEXT)
            latitude = _number(item.get("latitude"), -90, 90)
            longitude = _number(item.get("longitude"), -180, 180)
            if latitude is not None and longitude is not None:
                place |= {"latitude": latitude, "longitude": longitude}
    for item in _list(doc.get("attachment")):
        if isinstance(item, dict) and _first_str(item.get("name")) == MOBILIZON_ONLINE_LINK:
            online = online or _ref(item.get("href")) or ""
    if online and not (place.get("place_name") or place.get("street") or place.get("city")):
        return {"place_kind": "online_only", "online_url": online}
    return {"place_kind": "address", "online_url": online, **place}


def _status(doc: Mapping[str, Any]) -> str:
    for value in _list(doc.get("eventStatus")):
        if isinstance(value, str):
            name = value.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
            if name in EVENT_STATUS_IN:
                return EVENT_STATUS_IN[name]
    ical = (_first_str(doc.get("status")) or "").lower()
    return ical if ical in events_service.STATUSES else "confirmed"


def _organisers(doc: Mapping[str, Any]) -> list[dict[str, str]]:
    collection = doc.get("organizers")
    if isinstance(collection, dict):
        first = collection.get("first")
        items = _list(collection.get("items")) + _list(collection.get("orderedItems"))
        if isinstance(first, dict):
            items += _list(first.get("items")) + _list(first.get("orderedItems"))
    else:
        items = _list(collection)
    found: list[dict[str, str]] = []
    for item in items:
        actor_id = _ref(item)
        if actor_id and all(entry["id"] != actor_id for entry in found):
            details = item if isinstance(item, dict) else {}
            found.append({
                "id": actor_id, "name": _short(details.get("name"), events_service.MAX_PLACE_TEXT),
                "country": events_service.country_code(_first_str(details.get("country"))), "acct": "",
            })
    return found


def _image(doc: Mapping[str, Any]) -> str:
    """The flyer (`image`), else the banner attachment (FEP-8a8e `isBannerImage`, Mobilizon's "Banner")."""
    for item in _list(doc.get("image")):
        found = _ref(item.get("url")) if isinstance(item, dict) else _ref(item)
        if found:
            return found
    for item in _list(doc.get("attachment")):
        if isinstance(item, dict) and _types(item) & {"Image", "Document"} and (
            item.get("isBannerImage") is True or _first_str(item.get("name")) == "Banner"
        ):
            return _ref(item.get("url")) or ""
    return ""


def _http_urls(values: Iterable[str | None]) -> str:
    for value in values:
        if value and value.startswith(("https://", "http://")):
            return value
    return ""


def _adopt_dropped_terms(obj: dict[str, Any]) -> dict[str, Any]:
    """Read `_:inLanguage` as `inLanguage`, and so on for our event terms.

    A peer that names its context by URL (FEP-8a8e's, schema.org's) gets it replaced
    by an empty one offline; its bare terms then come out as blank-node keys. We give
    them the meaning `EVENT_TERMS` gives, as `federation.jsonld` does for its own terms.
    """
    for term in EVENT_TERMS:
        if f"_:{term}" in obj and term not in obj:
            obj[term] = obj.pop(f"_:{term}")
    return obj


def event_from_ap(doc: Mapping[str, Any], *, default_language: str = "en") -> dict[str, Any]:
    """A peer's Event as `clean_event` values plus what only remote events have.

    Extra keys: `id`, `url`, `organiser` ({id, name, country}), `public` (Public
    in `to`: only those go in public agendas, FEP-8a8e), `reported_participants`, `reported_cross_border`,
    `published`, `updated`. `timezone` is None when the peer gave no valid IANA zone.
    Raises federation's MalformedError for documents JSON-LD cannot read.
    """
    obj = _adopt_dropped_terms(compact(dict(doc), EVENT_CONTEXT))
    attributed = _ref(obj.get("attributedTo")) or _ref(obj.get("actor")) or ""
    organisers = _organisers(obj)
    organiser = next((entry for entry in organisers if entry["id"] == attributed),
                     {"id": attributed, "name": "", "country": "", "acct": ""})
    declared = [lang for lang in _list(obj.get("inLanguage")) if isinstance(lang, str) and lang in check.KNOWN_LANGUAGES]
    text_language = declared[0] if declared else default_language
    names = {lang: _plain(text)[: events_service.MAX_NAME] for lang, text in _language_map(obj, "name", text_language).items()}
    contents = {lang: _bounded_html(text) for lang, text in _language_map(obj, "content", text_language).items()}
    # The languages spoken are what the peer declares; translations of the title are not among them.
    languages = declared or [lang for lang in list(contents) + list(names) if lang in check.KNOWN_LANGUAGES]
    category = next((value.upper() for value in _list(obj.get("category"))
                     if isinstance(value, str) and value.upper() in events_service.CATEGORIES), "")
    join_mode = JOIN_MODES_IN.get(_first_str(obj.get("joinMode")) or "free", "open")
    external_url = _http_urls([_ref(obj.get("externalParticipationUrl"))])
    if join_mode == "external" and not external_url:
        join_mode = "none"
    capacity = _number(obj.get("maximumAttendeeCapacity"), 1, events_service.MAX_CAPACITY)
    participants = _number(obj.get("participantCount"), 0, 10_000_000)
    zone = _first_str(obj.get("timezone"))
    start, end = _instant(obj.get("startTime")), _instant(obj.get("endTime"))
    if start is not None and end is None:
        end = start + INFERRED_DURATION  # FEP-8a8e: an open end may be given a nominal one
    return {
        "id": _ref(obj.get("id")) or "",
        "url": _http_urls([_ref(obj.get("url")), _ref(obj.get("id"))]),
        "organiser": organiser,
        "public": PUBLIC in _list(obj.get("to")),  # compact() spells Public one way
        "reported_participants": int(participants) if participants is not None else None,
        "reported_cross_border": obj.get("crossBorder") is True,
        "published": _first_str(obj.get("published")),
        "updated": _first_str(obj.get("updated")),
        "name": names,
        "description": contents,
        "content_format": "html",
        "start": start,
        "end": end,
        "timezone": zone if zone in events_service.known_timezones() else None,
        **_location(obj),
        "category": category,
        "languages": list(dict.fromkeys(languages))[:10],
        "capacity": int(capacity) if capacity is not None else None,
        "registration": join_mode,
        "external_url": external_url if join_mode == "external" else "",
        "status": _status(obj),
        "cohosts": [entry for entry in organisers if entry["id"] != attributed][: events_service.MAX_COHOSTS],
        "image": _http_urls([_image(obj)]),
    }
