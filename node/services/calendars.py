"""Events as iCalendar (RFC 5545) and Atom feeds: what calendar apps and feed readers subscribe to.

Times keep their zone (DTSTART;TZID=Europe/Brussels) with the VTIMEZONE
definitions for the years the events span, so a 10:00 event stays at 10:00 in
every calendar app on both sides of a DST change. UID is the event's ActivityPub
id and SEQUENCE its revision, so updates replace entries instead of doubling them.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Mapping
from xml.etree import ElementTree

import icalendar
import nh3

from node.i18n import pick
from node.services import events as events_service
from node.services.actor_documents import paragraphs

PRODID = "-//Coffee//coffee-node//EN"
ICAL_STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED"}
ATOM_NS = "http://www.w3.org/2005/Atom"


def plain_description(event: Mapping[str, Any], lang: str) -> str:
    text = pick(event["content_map"], lang)
    if event["content_format"] == "html":
        text = html.unescape(nh3.clean(text.replace("</p>", "</p>\n\n").replace("<br>", "\n"), tags=set())).strip()
    return text


def vevent(event: Mapping[str, Any], lang: str) -> icalendar.Event:
    component = icalendar.Event()
    component.add("uid", event["ap_id"])
    component.add("sequence", event["sequence"])
    component.add("dtstamp", datetime.fromisoformat(event["updated_at"]))
    component.add("created", datetime.fromisoformat(event["created_at"]))
    component.add("last-modified", datetime.fromisoformat(event["updated_at"]))
    start, end = events_service.local_times(event)
    if event["all_day"]:
        component.add("dtstart", start.date())
        component.add("dtend", end.date())
    else:
        component.add("dtstart", start)
        component.add("dtend", end)
    component.add("summary", pick(event["name_map"], lang))
    description = plain_description(event, lang)
    if event["online_url"] and event["place_kind"] != "online_only":
        description = f"{description}\n\n{event['online_url']}".strip()
    if description:
        component.add("description", description)
    place = events_service.describe_place(event)
    if place:
        component.add("location", place)
    if event["latitude"] is not None:
        component.add("geo", (event["latitude"], event["longitude"]))
    component.add("status", ICAL_STATUS[event["status"]])
    if event["url"]:
        component.add("url", event["url"])
    if event["category"]:
        component.add("categories", [event["category"]])
    return component


def calendar(events: Iterable[Mapping[str, Any]], *, name: str, lang: str) -> bytes:
    """A VCALENDAR with one VEVENT per event and the VTIMEZONEs they use."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    events = list(events)
    for event in events:
        cal.add_component(vevent(event, lang))
    if events:
        first = min(event["start"] for event in events).date() - timedelta(days=366)
        last = max(event["end"] for event in events).date() + timedelta(days=366)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()


def _atom_time(value: str | datetime) -> str:
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return instant.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def atom_feed(
    events: Iterable[Mapping[str, Any]], *, title: str, feed_url: str, html_url: str, author: str,
    author_uri: str, lang: str, now: datetime, summarise: Callable[[Mapping[str, Any], str], str] | None = None,
) -> bytes:
    """An Atom 1.0 feed (RFC 4287): one entry per event, its summary saying when and where.

    Other dated items with the same columns (`ap_id`, `name_map`, `content_map`, `url`, ...),
    opportunities for one, pass their own `summarise(item, lang)`."""
    def sub(parent: ElementTree.Element, tag: str, text: str | None = None, **attrs: str) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, tag, attrs)
        if text is not None:
            element.text = text
        return element

    events = list(events)
    feed = ElementTree.Element("feed", {"xmlns": ATOM_NS, "xml:lang": lang})
    sub(feed, "id", feed_url)
    sub(feed, "title", title)
    updated = max((_atom_time(event["updated_at"]) for event in events), default=_atom_time(now))
    sub(feed, "updated", updated)
    sub(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    sub(feed, "link", rel="alternate", type="text/html", href=html_url)
    person = sub(feed, "author")
    sub(person, "name", author)
    sub(person, "uri", author_uri)
    sub(feed, "generator", "Coffee")
    for event in events:
        entry = sub(feed, "entry")
        sub(entry, "id", event["ap_id"])
        sub(entry, "title", pick(event["name_map"], lang))
        sub(entry, "published", _atom_time(event["published_at"]))
        sub(entry, "updated", _atom_time(event["updated_at"]))
        sub(entry, "link", rel="alternate", type="text/html", href=event["url"])
        sub(entry, "summary", (summarise or _when_and_where)(event, lang))
        body = pick(event["content_map"], lang)
        if body:
            sub(entry, "content", body if event["content_format"] == "html" else paragraphs(body), type="html")
        if event.get("category"):
            sub(entry, "category", term=event["category"])
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)


def _when_and_where(event: Mapping[str, Any], lang: str) -> str:
    when = events_service.describe_when(event, lang)
    place = events_service.describe_place(event)
    return " · ".join(part for part in (when, place) if part)


def default_window(now: datetime) -> datetime:
    """Feeds keep the last month too: a calendar app should not drop an event the day after."""
    return now - timedelta(days=31)
