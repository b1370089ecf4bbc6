"""Importing .ics exports: recurring series expanded and bounded, idempotent re-imports, bad VEVENTs reported."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from node.config import load
from node.errors import InvalidInput
from node.services import events as ev
from node.services import ics_import
from node.storage import db
from node.storage import events as events_store
from tests.commands import make_node_dir, run
from tests.test_events import CONFIG, make_store

DATA = Path(__file__).parent / "data"
AGENDA = (DATA / "agenda.ics").read_bytes()
OCTOBER = datetime(2026, 10, 1, tzinfo=timezone.utc)


def by_key(store: db.Store) -> dict[str, dict]:
    return {row["ics_uid"]: row for row in events_store.select(store)}


def test_import_expands_series_and_reports_bad_events() -> None:
    store = make_store()
    report = ics_import.import_ics(store, CONFIG, AGENDA, now=OCTOBER)
    assert (report.created, report.updated, report.unchanged, report.truncated) == (9, 0, 0, False)
    assert {(item["uid"], item["summary"]) for item in report.skipped} == {
        ("no-start@esco.test", "Sans début"), ("bad-rule@esco.test", "Règle cassée"), ("no-title@esco.test", "")}
    assert "no DTSTART" in next(i["reason"] for i in report.skipped if i["uid"] == "no-start@esco.test")
    events = by_key(store)
    assert "last-year@esco.test" not in events  # over before the import: not brought in

    series = sorted(key for key in events if key.startswith("coworking-breakfast"))
    assert series == [f"coworking-breakfast@esco.test/{stamp}" for stamp in (
        "20261010T080000Z", "20261017T080000Z", "20261024T080000Z", "20261031T090000Z", "20261107T090000Z")]
    # Every occurrence at 10:00 in Brussels, on both sides of the 25 October switch...
    local = [ev.local_times(events[key])[0].strftime("%d %H:%M %z") for key in series if not key.endswith("1031T090000Z")]
    assert local == ["10 10:00 +0200", "17 10:00 +0200", "24 10:00 +0200", "07 10:00 +0100"]
    # ...except the one moved to the afternoon, still keyed by its original start.
    moved = events["coworking-breakfast@esco.test/20261031T090000Z"]
    assert ev.local_times(moved)[0].strftime("%H:%M") == "14:00" and "Halloween" in moved["name_map"]["fr"]
    assert events[series[0]]["content_map"] == {"fr": "Croissants et café.\n\nOuvert à tous."}  # Google's HTML, as text

    floating, all_day = events["floating@esco.test"], events["open-days@esco.test"]
    assert (floating["starts_at"], floating["timezone"]) == ("2026-10-20T07:00:00+00:00", "Europe/Brussels")
    assert all_day["all_day"] and ev.local_times(all_day)[0].strftime("%Y-%m-%d %H:%M") == "2026-10-21 00:00"
    assert ev.local_times(all_day)[1].strftime("%Y-%m-%d") == "2026-10-23"
    webinar, bike = events["webinar@esco.test"], events["bike@esco.test"]
    assert (webinar["place_kind"], webinar["online_url"], webinar["status"]) == (
        "online_only", "https://meet.example/esco", "tentative")
    assert (bike["place_kind"], bike["place_name"], bike["latitude"]) == ("address", "Maison du vélo, Tournai", 50.6071)
    assert {event["registration"] for event in events.values()} == {"none"}


def test_reimport_updates_instead_of_doubling() -> None:
    store = make_store()
    ics_import.import_ics(store, CONFIG, AGENDA, now=OCTOBER)
    again = ics_import.import_ics(store, CONFIG, AGENDA, now=OCTOBER)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 9)
    bike = by_key(store)["bike@esco.test"]
    ev.update_event(store, CONFIG, bike["uuid"], {"registration": "open", "capacity": 8}, by=None)
    changed = AGENDA.replace("SUMMARY:Atelier vélo".encode(), "SUMMARY:Atelier vélo et trottinettes".encode())
    third = ics_import.import_ics(store, CONFIG, changed, now=OCTOBER)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 8)
    bike = by_key(store)["bike@esco.test"]
    assert bike["name_map"] == {"fr": "Atelier vélo et trottinettes"} and bike["sequence"] == 2
    assert (bike["registration"], bike["capacity"]) == ("open", 8)  # what was set here is kept
    assert events_store.count(store) == 9


def test_deleted_here_stays_deleted() -> None:
    store = make_store()
    ics_import.import_ics(store, CONFIG, AGENDA, now=OCTOBER)
    ev.delete_event(store, CONFIG, by_key(store)["bike@esco.test"]["uuid"], by=None)
    report = ics_import.import_ics(store, CONFIG, AGENDA, now=OCTOBER)
    assert report.created == 0 and by_key(store)["bike@esco.test"]["deleted_at"]


def test_occurrences_are_capped_and_the_horizon_bounded() -> None:
    daily = b"\r\n".join([
        b"BEGIN:VCALENDAR", b"VERSION:2.0", b"PRODID:test", b"BEGIN:VEVENT", b"UID:daily@esco.test",
        b"DTSTART;TZID=Europe/Brussels:20261002T090000", b"DTEND;TZID=Europe/Brussels:20261002T093000",
        b"RRULE:FREQ=DAILY", b"SUMMARY:Stand-up", b"END:VEVENT", b"END:VCALENDAR", b""])
    store = make_store()
    report = ics_import.import_ics(store, CONFIG, daily, horizon_days=ics_import.MAX_HORIZON_DAYS, now=OCTOBER)
    assert (report.created, report.truncated) == (ics_import.MAX_OCCURRENCES, True)
    short = ics_import.import_ics(make_store(), CONFIG, daily, horizon_days=7, now=OCTOBER)
    assert (short.created, short.truncated) == (6, False)  # 2 to 7 October: the 8th starts after the window
    for days in (0, ics_import.MAX_HORIZON_DAYS + 1):
        with pytest.raises(InvalidInput):
            ics_import.import_ics(store, CONFIG, daily, horizon_days=days, now=OCTOBER)


def test_x_wr_timezone_places_floating_times() -> None:
    google = b"\r\n".join([
        b"BEGIN:VCALENDAR", b"VERSION:2.0", b"PRODID:test", b"X-WR-TIMEZONE:Europe/Paris", b"BEGIN:VEVENT",
        b"UID:paris@esco.test", b"DTSTART:20261105T183000", b"DTEND:20261105T200000", b"SUMMARY:Afterwork",
        b"END:VEVENT", b"END:VCALENDAR", b""])
    store = make_store()
    ics_import.import_ics(store, CONFIG, google, now=OCTOBER)
    event = by_key(store)["paris@esco.test"]
    assert (event["starts_at"], event["timezone"]) == ("2026-11-05T17:30:00+00:00", "Europe/Paris")


@pytest.mark.parametrize("data", [b"", b"not a calendar", b"BEGIN:VCARD\r\nFN:Ann\r\nEND:VCARD\r\n"])
def test_not_a_calendar(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        ics_import.import_ics(make_store(), CONFIG, data, now=OCTOBER)


def test_import_events_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    node_dir = make_node_dir(tmp_path)
    next_year = tmp_path / "next-year.ics"  # the command imports from today on: move the agenda to next year
    next_year.write_bytes(AGENDA.replace(b"2026", str(datetime.now().year + 1).encode()))
    code, out, _err = run(capsys, "import-events", node_dir, next_year, "--horizon-days", "730", "--json")
    assert code == 0
    result = json.loads(out)
    assert (result["created"], len(result["skipped"])) == (10, 3)
    code, out, _err = run(capsys, "import-events", node_dir, next_year, "--horizon-days", "730")
    assert code == 0 and out.startswith("0 created, 0 updated, 10 unchanged, 3 skipped.")
    assert "skipped no-start@esco.test 'Sans début': no DTSTART" in out
    store = db.connect(load(node_dir, env={}).db_path)
    try:
        floating = events_store.get_by_ics_uid(store, "floating@esco.test")
        assert floating["timezone"] == "Europe/Paris"  # Mutualab is in France: floating times are Paris times
    finally:
        store.close()
    code, _out, err = run(capsys, "import-events", node_dir, tmp_path / "missing.ics")
    assert code == 1 and err.count("\n") == 1 and "cannot read" in err
    code, _out, err = run(capsys, "import-events", node_dir, next_year, "--horizon-days", "900")
    assert code == 1 and "horizon" in err
