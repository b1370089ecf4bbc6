"""iCalendar and Atom feeds, parsed back: times exactly preserved across a DST change, updates and cancellations."""

from __future__ import annotations

from datetime import date, datetime, timezone
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import icalendar

from node.services import calendars
from node.services import events as ev
from node.services import ics_import
from tests.test_events import CONFIG, make_store, values
from tests.test_import_events import AGENDA, OCTOBER
from tests.web import add_member, csrf_from, login

BRUSSELS = ZoneInfo("Europe/Brussels")
ATOM = "{http://www.w3.org/2005/Atom}"


def parse(body: bytes) -> list[icalendar.Event]:
    return icalendar.Calendar.from_ical(body).walk("VEVENT")


def test_times_survive_the_october_switch() -> None:
    store = make_store()
    before = ev.create_event(store, CONFIG, values(start="2026-10-24T10:00", end="2026-10-24T12:00"), by=None)
    after = ev.create_event(store, CONFIG, values(start="2026-10-25T10:00", end="2026-10-25T12:00"), by=None)
    body = calendars.calendar([before, after], name="ESCO", lang="fr")
    saturday, sunday = parse(body)
    assert saturday.start == datetime(2026, 10, 24, 10, tzinfo=BRUSSELS)
    assert sunday.start == datetime(2026, 10, 25, 10, tzinfo=BRUSSELS)
    assert (saturday.start.utcoffset().seconds, sunday.start.utcoffset().seconds) == (7200, 3600)
    assert saturday.start.astimezone(timezone.utc) == before["start"] and sunday.end.astimezone(timezone.utc) == after["end"]
    assert b"DTSTART;TZID=Europe/Brussels:20261025T100000" in body
    [zone] = icalendar.Calendar.from_ical(body).walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Brussels"
    assert {str(part["TZNAME"]) for part in zone.subcomponents} == {"CET", "CEST"}


def test_a_recurring_import_comes_out_at_the_same_wall_clock_time() -> None:
    store = make_store()
    ics_import.import_ics(store, CONFIG, AGENDA, now=OCTOBER)
    series = [e for e in ev.all_events(store, ev.AgendaFilters(), limit=100) if e["ics_uid"].startswith("coworking")]
    exported = parse(calendars.calendar(series, name="ESCO", lang="fr"))
    original = [c for c in icalendar.Calendar.from_ical(AGENDA).walk("VEVENT") if "RRULE" in c][0]
    assert original.start == datetime(2026, 10, 10, 10, tzinfo=BRUSSELS)
    assert [(e.start.strftime("%m-%d %H:%M"), e.start.utcoffset().seconds // 3600) for e in exported] == [
        ("10-10 10:00", 2), ("10-17 10:00", 2), ("10-24 10:00", 2), ("10-31 14:00", 1), ("11-07 10:00", 1)]
    assert all(e.end - e.start == original.end - original.start for e in exported)


def test_event_fields_sequence_and_cancellation() -> None:
    store = make_store()
    event = ev.create_event(store, CONFIG, values(category="WORKSHOPS_SKILL_SHARING"), by=None)
    [first] = parse(calendars.calendar([event], name="ESCO", lang="fr"))
    assert str(first["UID"]) == event["ap_id"] and str(first["URL"]) == event["url"]
    assert (first["SEQUENCE"], str(first["STATUS"]), str(first["SUMMARY"])) == (0, "CONFIRMED", "Atelier réparation vélo")
    assert str(first["LOCATION"]) == "ESCO, Rue de la Tannerie 1, 7500 Tournai, BE"
    assert (first["GEO"].latitude, first["GEO"].longitude) == (50.6056, 3.3878)
    assert first.categories == ["WORKSHOPS_SKILL_SHARING"]
    ev.update_event(store, CONFIG, event["uuid"], {"name": {"fr": "Atelier vélo"}}, by=None)
    cancelled = ev.cancel_event(store, CONFIG, event["uuid"], by=None)
    [last] = parse(calendars.calendar([cancelled], name="ESCO", lang="fr"))
    assert (last["SEQUENCE"], str(last["STATUS"]), str(last["UID"])) == (2, "CANCELLED", event["ap_id"])


def test_all_day_events_are_dates() -> None:
    store = make_store()
    event = ev.create_event(store, CONFIG, values(start=date(2026, 10, 21), end=date(2026, 10, 23), all_day=True), by=None)
    [vevent] = parse(calendars.calendar([event], name="ESCO", lang="fr"))
    assert (vevent.start, vevent.end) == (date(2026, 10, 21), date(2026, 10, 23))
    assert " ".join(ev.describe_when(event, "en").split()) == "Wed, Oct 21 – Thu, Oct 22, 2026"  # CLDR thin spaces


def test_atom_feed_is_valid_atom() -> None:
    store = make_store()
    event = ev.create_event(store, CONFIG, values(description={"fr": "Outils fournis."}), by=None)
    body = calendars.atom_feed([event], title="ESCO", feed_url="https://esco.test/events.atom",
                               html_url="https://esco.test/events", author="ESCO", author_uri="https://esco.test/",
                               lang="fr", now=datetime(2026, 11, 1, tzinfo=timezone.utc))
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    feed = ElementTree.fromstring(body)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "https://esco.test/events.atom"
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}id") == event["ap_id"]
    assert entry.findtext(f"{ATOM}updated").endswith("Z")
    assert "18:00" in entry.findtext(f"{ATOM}summary") and "Europe/Brussels" in entry.findtext(f"{ATOM}summary")
    assert entry.find(f"{ATOM}content").get("type") == "html" and "<p>Outils fournis.</p>" in entry.findtext(f"{ATOM}content")
    empty = ElementTree.fromstring(calendars.atom_feed(
        [], title="ESCO", feed_url="https://esco.test/events.atom", html_url="https://esco.test/events",
        author="ESCO", author_uri="https://esco.test/", lang="fr", now=datetime(2026, 11, 1, tzinfo=timezone.utc)))
    assert empty.findtext(f"{ATOM}updated") == "2026-11-01T00:00:00Z"


async def test_feeds_over_http(node) -> None:
    add_member(node, "admin", role="admin")
    add_member(node, "alice")
    october = ev.create_event(node.store, node.config, values(start="2026-10-25T10:00", end="2026-10-25T12:00"), by=None)
    upcoming = ev.create_event(node.store, node.config, values(name={"fr": "Plus tard"}, start="2030-01-10T10:00",
                                                               end="2030-01-10T12:00"), by=None)
    http = node.client()
    async with http.get("/agenda.ics", params={"from": "2026-10-01", "to": "2026-10-31"}) as resp:
        assert resp.status == 200 and resp.content_type == "text/calendar"
        [vevent] = parse(await resp.read())
        assert vevent.start == datetime(2026, 10, 25, 10, tzinfo=BRUSSELS) and str(vevent["UID"]) == october["ap_id"]
    async with http.get("/agenda.ics", params={"category": "NOPE"}) as resp:
        assert resp.status == 400
    async with http.get("/events.ics") as resp:
        assert upcoming["ap_id"] in {str(v["UID"]) for v in parse(await resp.read())}
    async with http.get(f"/events/{upcoming['uuid']}.ics") as resp:
        assert resp.headers["Content-Disposition"] == f'attachment; filename="{upcoming["uuid"]}.ics"'
        assert [str(v["UID"]) for v in parse(await resp.read())] == [upcoming["ap_id"]]
    async with http.get("/events.atom") as resp:
        assert resp.content_type == "application/atom+xml"
        entries = ElementTree.fromstring(await resp.read()).findall(f"{ATOM}entry")
        assert [e.findtext(f"{ATOM}id") for e in entries] == [upcoming["ap_id"]]  # upcoming only

    assert await login(http) == 303
    token = await csrf_from(http, f"/events/{upcoming['uuid']}")
    async with http.post(f"/events/{upcoming['uuid']}/attend", data={"csrf_token": token}, allow_redirects=False) as resp:
        assert resp.status == 303
    token = await csrf_from(http, "/me/events")
    async with http.post("/me/events/calendar-link", data={"csrf_token": token}) as resp:
        page = await resp.text()
    feed_url = page.split('readonly value="')[1].split('"')[0].replace("&amp;", "&")
    async with node.client().get(feed_url.removeprefix(node.url)) as resp:  # a calendar app: no session
        assert [str(v["UID"]) for v in parse(await resp.read())] == [upcoming["ap_id"]]
    token = await csrf_from(http, "/me/events")
    async with http.post("/me/events/calendar-link", data={"csrf_token": token}) as resp:
        assert resp.status == 200
    async with node.client().get(feed_url.removeprefix(node.url)) as resp:
        assert resp.status == 404  # replaced by the new link
    async with node.client().get("/me/events.ics") as resp:
        assert resp.status == 404
