"""Events service: validation (all or nothing), times and zones, cross-border, registrations under concurrency."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from node.config import Config
from node.errors import Conflict, Gone, InvalidInput, NotFound, PermissionDenied
from node.services import events as ev
from node.storage import db
from node.storage import events as events_store
from node.storage import members as members_store
from node.storage import space as space_store

CONFIG = Config(data_dir=Path("/nonexistent"), url="https://esco.test", name="ESCO", slug="esco", country="BE",
                city="Tournai")
# Dates relative to today: events two years ahead stay in the future (registrations need that).
YEAR = date.today().year + 2
Y, PREV = str(YEAR), str(YEAR - 1)
FUTURE = {"start": f"{Y}-03-10T18:00", "end": f"{Y}-03-10T20:00"}


def last_sunday(year: int, month: int) -> date:
    """Europe's clocks change on the last Sunday of March and of October."""
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - 6) % 7)


SPRING_FORWARD, FALL_BACK = last_sunday(YEAR, 3), last_sunday(YEAR, 10)


def make_store(path: Path | None = None) -> db.Store:
    store = db.connect(path) if path else db.memory()
    space_store.create(store, slug="esco", name="ESCO", country="BE", city="Tournai", street="Rue de la Tannerie 1",
                       postal_code="7500", latitude=50.6056, longitude=3.3878, languages=["fr", "nl", "en"])
    return store


@pytest.fixture
def store() -> db.Store:
    return make_store()


def values(**extra: Any) -> dict[str, Any]:
    return {"name": {"fr": "Atelier réparation vélo"}, "timezone": "Europe/Brussels", **FUTURE} | extra


def member(store: db.Store, username: str, role: str = "member") -> dict[str, Any]:
    return members_store.insert(store, username=username, display_name=username.title(), role=role, status="active")


def attendee(name: str, country: str = "BE", host: str = "esco.test") -> ev.Attendee:
    origin = "local" if host == "esco.test" else f"https://{host}"
    return ev.Attendee(actor_id=f"https://{host}/@{name}", name=name, origin=origin, country=country)


# creating: validation, times


@pytest.mark.parametrize(("changes", "field"), [
    ({"end": f"{Y}-03-10T17:00"}, "end"),
    ({"end": f"{Y}-03-10T18:00"}, "end"),
    ({"timezone": "Europe/Atlantis"}, "timezone"),
    ({"timezone": "../../etc/passwd"}, "timezone"),
    ({"place_kind": "address", "place_name": "Parc", "latitude": "91", "longitude": "3"}, "latitude"),
    ({"place_kind": "address", "place_name": "Parc", "latitude": "50", "longitude": "-181"}, "longitude"),
    ({"place_kind": "address", "place_name": "Parc", "latitude": "50"}, "longitude"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": "-3"}, "capacity"),
    ({"capacity": "beaucoup"}, "capacity"),
    ({"name": {}}, "name"),
    ({"name": {"fr": "x" * 201}}, "name.fr"),
    ({"name": {"xx": "Atelier"}}, "name"),
    ({"description": {"fr": "x" * 10_001}}, "description.fr"),
    ({"languages": ["klingon"]}, "languages"),
    ({"category": "KNITTING_MARATHON"}, "category"),
    ({"online_url": "javascript:alert(1)"}, "online_url"),
    ({"place_kind": "online_only"}, "online_url"),
    ({"registration": "external"}, "external_url"),
    ({"registration": "external", "external_url": "ftp://tickets.example"}, "external_url"),
    ({"place_kind": "address"}, "place_name"),
    ({"place_kind": "address", "place_name": "Parc", "country": "Belgium"}, "country"),
    ({"start": "next tuesday"}, "start"),
    ({"start": f"{SPRING_FORWARD}T02:30", "end": f"{SPRING_FORWARD}T04:00"}, "start"),  # skipped by the clocks in Brussels
    ({"cohosts": ["not a handle"]}, "cohosts"),
    ({"status": "postponed-forever"}, "status"),
])
def test_bad_input_is_refused_and_nothing_is_stored(store: db.Store, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        ev.create_event(store, CONFIG, values(**changes), by=None)
    assert caught.value.field == field
    assert events_store.count(store) == 0


def test_wall_clock_time_is_stored_in_utc_with_its_zone(store: db.Store) -> None:
    eve = FALL_BACK - timedelta(days=1)
    summer = ev.create_event(store, CONFIG, values(start=f"{eve}T10:00", end=f"{eve}T12:00"), by=None)
    winter = ev.create_event(store, CONFIG, values(start=f"{FALL_BACK}T10:00", end=f"{FALL_BACK}T12:00"), by=None)
    assert summer["starts_at"] == f"{eve}T08:00:00+00:00"  # CEST, UTC+2
    assert winter["starts_at"] == f"{FALL_BACK}T09:00:00+00:00"  # CET after the switch, UTC+1
    assert [ev.local_times(e)[0].strftime("%H:%M %z") for e in (summer, winter)] == ["10:00 +0200", "10:00 +0100"]
    assert "10:00" in ev.describe_when(winter, "fr") and "(Europe/Brussels)" in ev.describe_when(winter, "fr")


def test_an_aware_time_keeps_its_instant(store: db.Store) -> None:
    event = ev.create_event(store, CONFIG, values(start=f"{Y}-03-10T18:00:00+00:00", end=f"{Y}-03-10T19:00:00Z",
                                                  timezone="Europe/Paris"), by=None)
    assert event["starts_at"] == f"{Y}-03-10T18:00:00+00:00"
    assert ev.local_times(event)[0].hour == 19


def test_this_space_copies_the_space_address_and_languages_default_to_the_texts(store: db.Store) -> None:
    event = ev.create_event(store, CONFIG, values(name={"fr": "Atelier", "nl": "Workshop"}), by=None)
    assert (event["place_name"], event["city"], event["country"], event["latitude"]) == ("ESCO", "Tournai", "BE", 50.6056)
    assert event["languages"] == ["fr", "nl"]
    assert event["ap_id"] == f"https://esco.test/events/{event['uuid']}" == event["url"]
    assert (event["organiser_id"], event["organiser_country"]) == ("https://esco.test/", "BE")


def test_update_changes_only_what_is_given_and_bumps_the_sequence(store: db.Store) -> None:
    event = ev.create_event(store, CONFIG, values(capacity=10), by=None)
    same = ev.update_event(store, CONFIG, event["uuid"], {"capacity": "10"}, by=None)
    assert same["sequence"] == 0
    changed = ev.update_event(store, CONFIG, event["uuid"], {"name": {"fr": "Atelier vélo"}}, by=None)
    assert (changed["sequence"], changed["capacity"], changed["name_map"]) == (1, 10, {"fr": "Atelier vélo"})
    with pytest.raises(InvalidInput):
        ev.update_event(store, CONFIG, event["uuid"], {"end": f"{Y}-03-10T10:00"}, by=None)
    assert events_store.get(store, event["id"])["sequence"] == 1


def test_cancel_keeps_the_event_and_delete_leaves_a_tombstone(store: db.Store) -> None:
    event = ev.create_event(store, CONFIG, values(), by=None)
    cancelled = ev.cancel_event(store, CONFIG, event["uuid"], by=None)
    assert cancelled["status"] == "cancelled" and cancelled["sequence"] == 1
    ev.delete_event(store, CONFIG, event["uuid"], by=None)
    with pytest.raises(Gone):
        ev.get_event(store, event["uuid"])
    assert store.db.execute("SELECT former_type FROM tombstones WHERE id = ?", [event["ap_id"]]).fetchone() == ("Event",)
    assert ev.find_events(store, ev.AgendaFilters()).total == 0


def test_who_may_create_and_manage(store: db.Store) -> None:
    admin, alice, bob = member(store, "admin", "admin"), member(store, "alice"), member(store, "bob")
    with pytest.raises(PermissionDenied):
        ev.create_event(store, CONFIG, values(), by=alice)
    space_store.update(store, members_can_create_events=1)
    event = ev.create_event(store, CONFIG, values(), by=alice)
    assert ev.can_manage(alice, event) and ev.can_manage(admin, event) and not ev.can_manage(bob, event)
    with pytest.raises(PermissionDenied):
        ev.cancel_event(store, CONFIG, event["uuid"], by=bob)
    assert ev.cancel_event(store, CONFIG, event["uuid"], by=admin)["status"] == "cancelled"


# cross-border


def test_cross_border_from_organisers_place_and_attendees(store: db.Store) -> None:
    local = ev.create_event(store, CONFIG, values(), by=None)
    assert not local["cross_border"]
    cohosted = ev.create_event(store, CONFIG, values(cohosts=[
        {"id": "https://mutualab.test/", "name": "Mutualab", "country": "FR"}]), by=None)
    assert cohosted["cross_border"]
    same_country = ev.create_event(store, CONFIG, values(cohosts=[
        {"id": "https://switch.test/", "name": "Switch", "country": "BE"}]), by=None)
    assert not same_country["cross_border"]
    abroad = ev.create_event(store, CONFIG, values(place_kind="address", place_name="Mutualab", city="Lille",
                                                   country="FR"), by=None)
    assert abroad["cross_border"]
    unresolved = ev.create_event(store, CONFIG, values(cohosts=["acct:mutualab@mutualab.test"]), by=None)
    assert not unresolved["cross_border"]  # country unknown until resolved: no guess

    ev.register(store, local["id"], attendee("emma", "FR", "mutualab.test"))
    assert events_store.get(store, local["id"])["cross_border"]
    ev.cancel_registration(store, local["id"], "https://mutualab.test/@emma")
    assert not events_store.get(store, local["id"])["cross_border"]
    assert [e["uuid"] for e in ev.find_events(store, ev.AgendaFilters(cross_border=True)).items] == [
        cohosted["uuid"], abroad["uuid"]]


# registrations


def test_registration_modes(store: db.Store) -> None:
    open_event = ev.create_event(store, CONFIG, values(capacity=1), by=None)
    assert ev.register(store, open_event["id"], attendee("ann")) == "accepted"
    assert ev.register(store, open_event["id"], attendee("ann")) == "accepted"  # asking again changes nothing
    with pytest.raises(Conflict):
        ev.register(store, open_event["id"], attendee("ben"))
    assert ev.cancel_registration(store, open_event["id"], "https://esco.test/@ann") == "cancelled"
    assert ev.register(store, open_event["id"], attendee("ben")) == "accepted"  # the seat came free

    approval = ev.create_event(store, CONFIG, values(registration="approval", capacity=1), by=None)
    assert ev.register(store, approval["id"], attendee("ann")) == "pending"
    assert ev.register(store, approval["id"], attendee("ben")) == "pending"
    ev.decide(store, CONFIG, approval["uuid"], "https://esco.test/@ann", accept=True, by=None)
    with pytest.raises(Conflict):
        ev.decide(store, CONFIG, approval["uuid"], "https://esco.test/@ben", accept=True, by=None)
    ev.decide(store, CONFIG, approval["uuid"], "https://esco.test/@ben", accept=False, by=None)
    assert ev.register(store, approval["id"], attendee("ben")) == "rejected"  # stays rejected
    assert ev.counts(store, approval["id"]) == {"accepted": 1, "pending": 0, "rejected": 1, "cancelled": 0}
    assert [(a["attendee_name"], a["status"]) for a in ev.attendees(store, approval["id"])] == [("ann", "accepted")]

    for mode, message in (("none", "takes no registrations"), ("external", "organisers' site")):
        extra = {"external_url": "https://tickets.example/e"} if mode == "external" else {}
        closed = ev.create_event(store, CONFIG, values(registration=mode, **extra), by=None)
        with pytest.raises(InvalidInput, match=message):
            ev.register(store, closed["id"], attendee("ann"))
    past = ev.create_event(store, CONFIG, values(start="2020-01-01T10:00", end="2020-01-01T11:00"), by=None)
    with pytest.raises(InvalidInput, match="over"):
        ev.register(store, past["id"], attendee("ann"))
    with pytest.raises(NotFound):
        ev.cancel_registration(store, past["id"], "https://esco.test/@ann")


def test_capacity_holds_under_concurrent_registrations(tmp_path: Path) -> None:
    """20 registrations from 20 threads, each with its own connection, for 5 seats: exactly 5 get one."""
    path = tmp_path / "coffee.db"
    store = make_store(path)
    event = ev.create_event(store, CONFIG, values(capacity=5), by=None)
    results: list[str] = []
    barrier = threading.Barrier(20)

    def register(number: int) -> None:
        own = db.connect(path)
        try:
            barrier.wait()
            try:
                results.append(ev.register(own, event["id"], attendee(f"person{number}")))
            except Conflict:
                results.append("full")
        finally:
            own.close()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results).count("accepted") == 5 and results.count("full") == 15
    assert events_store.get(store, event["id"])["participant_count"] == 5


def test_member_calendar_tokens(store: db.Store) -> None:
    alice = member(store, "alice")
    first = ev.new_calendar_token(store, alice["id"])
    assert ev.member_for_calendar_token(store, first) == alice["id"]
    second = ev.new_calendar_token(store, alice["id"])
    with pytest.raises(NotFound):
        ev.member_for_calendar_token(store, first)
    assert ev.member_for_calendar_token(store, second) == alice["id"]
    assert first not in str(store.db.execute("SELECT * FROM calendar_tokens").fetchall())  # only the hash is kept


# agendas


def test_filters_and_pagination(store: db.Store) -> None:
    ev.create_event(store, CONFIG, values(category="NETWORKING", languages=["nl"]), by=None)
    ev.create_event(store, CONFIG, values(start=f"{Y}-04-10T18:00", end=f"{Y}-04-10T19:00", category="MUSIC",
                                          place_kind="address", place_name="Gare", city="Lille", country="FR"), by=None)
    for n in range(25):
        ev.create_event(store, CONFIG, values(start=f"{Y}-05-{n + 1:02d}T10:00", end=f"{Y}-05-{n + 1:02d}T11:00",
                                              name={"en": f"Coffee {n}"}), by=None)

    def count(**query: str) -> int:
        return ev.find_events(store, ev.parse_filters(query, "Europe/Brussels")).total

    assert count() == 27
    assert count(category="networking") == 1 and count(language="nl") == 1 and count(country="FR") == 1
    assert count(country="BE") == 27  # organised by a Belgian space, even when held in France
    assert count(**{"from": f"{Y}-04-01", "to": f"{Y}-04-30"}) == 1
    assert count(**{"to": f"{Y}-03-10"}) == 1  # the `to` day is included
    assert count(space="https://esco.test/") == 27 and count(space="https://elsewhere.test/") == 0
    page = ev.find_events(store, ev.parse_filters({"page": "2"}, "Europe/Brussels"))
    assert (page.page, page.pages, len(page.items)) == (2, 2, 7)
    for bad in ({"from": "tomorrow"}, {"from": f"{Y}-05-02", "to": f"{Y}-05-01"}, {"category": "X"},
                {"cross_border": "maybe"}, {"page": "0"}, {"page": "x"}, {"country": "Narnia"}, {"space": "ftp://x"}):
        with pytest.raises(InvalidInput):
            ev.parse_filters(bad, "Europe/Brussels")


def test_month_grid_puts_events_on_their_local_days(store: db.Store) -> None:
    late = ev.create_event(store, CONFIG, values(start=f"{PREV}-12-31T23:30", end=f"{Y}-01-01T01:00"), by=None)
    first, start, end = ev.month_bounds(f"{PREV}-12", "Europe/Brussels")
    assert (first.isoformat(), start, end) == (f"{PREV}-12-01", datetime(YEAR - 1, 11, 30, 23, tzinfo=timezone.utc),
                                               datetime(YEAR - 1, 12, 31, 23, tzinfo=timezone.utc))
    weeks = ev.month_weeks(first, [late])
    days = {day.day: events for week in weeks for day, events in week if day}
    assert days[31] == [late] and all(not events for day, events in days.items() if day != 31)
    monday_first = date(YEAR - 1, 12, 1).weekday() == 0
    assert (weeks[0][0][0] is None) != monday_first  # days before the 1st of the month are outside it
    with pytest.raises(InvalidInput):
        ev.month_bounds(f"{PREV}-13", "Europe/Brussels")


# re-announcing registrations to followers


def _updates(store: db.Store, event: dict[str, Any]) -> list[dict[str, Any]]:
    rows = store.db.execute("SELECT document FROM activities WHERE type = 'Update' AND object_id = ? ORDER BY rowid",
                            [event["ap_id"]]).fetchall()
    return [json.loads(row[0])["object"] for row in rows]


def test_registrations_are_announced_once_per_change(store) -> None:
    event = ev.create_event(store, CONFIG, values(capacity=10), by=None)
    assert ev.announce_registration_changes(store, CONFIG) == 0  # the Create told everything
    for name in ("ann", "bob"):
        ev.register(store, event["id"], attendee(name))
    ev.register(store, event["id"], attendee("chloe", country="FR", host="mutualab.test"))
    assert ev.announce_registration_changes(store, CONFIG) == 1  # three Joins, one Update
    [update] = _updates(store, event)
    assert (update["participantCount"], update["remainingAttendeeCapacity"], update["crossBorder"]) == (3, 7, True)
    assert ev.announce_registration_changes(store, CONFIG) == 0
    ev.cancel_registration(store, event["id"], "https://mutualab.test/@chloe")
    assert ev.announce_registration_changes(store, CONFIG) == 1
    assert (_updates(store, event)[-1]["participantCount"], _updates(store, event)[-1]["crossBorder"]) == (2, False)
    ev.register(store, event["id"], attendee("dan"))
    ev.delete_event(store, CONFIG, event["uuid"], by=None)
    assert ev.announce_registration_changes(store, CONFIG) == 0  # deleted events are not re-announced


def test_upgrading_does_not_re_announce_every_event(tmp_path: Path) -> None:
    """Migration 5 records existing counts as announced: an upgraded node sends no burst of Updates."""
    store = make_store(tmp_path / "coffee.db")
    event = ev.create_event(store, CONFIG, values(), by=None)
    ev.register(store, event["id"], attendee("ann"))
    with store.transaction():  # back to the schema before migration 5
        for column in ("announced_participants", "announced_cross_border", "reported_cross_border"):
            store.db.execute(f"ALTER TABLE events DROP COLUMN {column}")
        store.db.execute("DELETE FROM _migrations WHERE name = 'm0005_event_counts'")
    store.close()
    store = db.connect(tmp_path / "coffee.db")
    assert ev.announce_registration_changes(store, CONFIG) == 0
    ev.register(store, event["id"], attendee("bob"))
    assert ev.announce_registration_changes(store, CONFIG) == 1
