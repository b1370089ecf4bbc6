"""Events across nodes: publishing, a peer's agenda, Join/Accept/Reject/Leave, and who may change what."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.appkeys import DELIVERY
from node.errors import InvalidInput
from node.logs import JsonFormatter
from node.services import events as ev
from node.services.inbound import InboundContext, dispatch, load_handlers
from node.storage import events as events_store
from node.storage import follows as follows_store
from node.storage import members as members_store
from tests.federation_network.helpers import delivered, eventually, follow
from tests.test_event_documents import MOBILIZON_EVENT
from tests.test_events import CONFIG, make_store, values
from tests.web import add_member, login, submit

WHEN = {"start": "2030-06-05T18:00", "end": "2030-06-05T21:00"}
EDITED = datetime.now(UTC).isoformat(timespec="seconds")  # an Update says when (else it is refetched)


def remote(node, ap_id: str) -> dict | None:
    return events_store.get_by_ap_id(node.store, ap_id)


def registration(node, event_id: int, actor_id: str) -> str | None:
    row = events_store.registration(node.store, event_id, actor_id)
    return row["status"] if row else None


def network_member(node, username: str) -> dict:
    member = add_member(node, username)
    return members_store.update(node.store, member["id"], visibility="public")


async def test_a_followed_space_events_reach_the_agenda_and_people_register_across(node_factory) -> None:
    esco = await node_factory(name="ESCO", slug="esco", country="BE", city="Tournai")
    mutualab = await node_factory(name="Mutualab", country="FR", city="Lille")
    await follow(mutualab, esco)

    # ESCO publishes an event with one place: Mutualab's agenda gets it, organiser and country included.
    event = ev.create_event(esco.store, esco.config, values(capacity=1, **WHEN), by=None)
    esco.app[DELIVERY].wake()
    copy = await eventually(lambda: remote(mutualab, event["ap_id"]))
    assert (copy["origin"], copy["organiser_id"], copy["organiser_name"], copy["organiser_country"]) == (
        esco.url, f"{esco.url}/", "ESCO", "BE")
    assert copy["start"] == event["start"] and copy["timezone"] == "Europe/Brussels" and not copy["cross_border"]
    async with mutualab.client().get("/agenda") as resp:
        assert f'/events/{copy["uuid"]}' in await resp.text()

    # Alice, at Mutualab, attends from her own node: a Join that ESCO accepts (it has a place).
    network_member(mutualab, "alice")
    alice = mutualab.client()
    await login(alice)
    status, _body, _location = await submit(alice, f"/events/{copy['uuid']}", f"/events/{copy['uuid']}/attend")
    assert status == 303
    alice_id = f"{mutualab.url}/@alice"
    assert registration(mutualab, copy["id"], alice_id) == "pending"
    await eventually(lambda: registration(esco, event["id"], alice_id) == "accepted")
    await eventually(lambda: registration(mutualab, copy["id"], alice_id) == "accepted")
    [person] = ev.attendees(esco.store, event["id"])
    assert (person["attendee_name"], person["attendee_origin"], person["attendee_country"]) == (
        "Alice", mutualab.url, "FR")
    assert events_store.get(esco.store, event["id"])["cross_border"]  # a French attendee at a Belgian event
    assert person["attendee_space"] == "Mutualab"  # issue 10, bug 7: the organisers saw her server's URL
    add_member(esco, "organiser", role="admin")
    organiser = esco.client()
    await login(organiser, "organiser")
    async with organiser.get(f"/events/{event['uuid']}") as resp:
        attendees_table = (await resp.text()).split('id="attendees"')[1]
    assert "<td>Mutualab (FR)</td>" in attendees_table and mutualab.url not in attendees_table

    # Bob comes too late: ESCO is full and answers Reject.
    bob = network_member(mutualab, "bob")
    ev.attend(mutualab.store, mutualab.config, copy["uuid"], bob)
    mutualab.app[DELIVERY].wake()
    await eventually(lambda: registration(mutualab, copy["id"], f"{mutualab.url}/@bob") == "rejected")
    assert registration(esco, event["id"], f"{mutualab.url}/@bob") is None

    # ESCO renames it: Mutualab follows; the count the origin reports is shown there.
    ev.update_event(esco.store, esco.config, event["uuid"], {"name": {"fr": "Afterwork transfrontalier"}}, by=None)
    esco.app[DELIVERY].wake()
    await eventually(lambda: remote(mutualab, event["ap_id"])["name_map"] == {"fr": "Afterwork transfrontalier"})
    assert remote(mutualab, event["ap_id"])["participant_count"] == 1

    # Alice leaves: ESCO frees the place.
    ev.leave(mutualab.store, mutualab.config, copy["uuid"], members_store.get_by_username(mutualab.store, "alice"))
    mutualab.app[DELIVERY].wake()
    await eventually(lambda: registration(esco, event["id"], alice_id) == "cancelled")

    # Cancelled, then deleted, at the origin: the copy follows.
    ev.cancel_event(esco.store, esco.config, event["uuid"], by=None)
    esco.app[DELIVERY].wake()
    await eventually(lambda: remote(mutualab, event["ap_id"])["status"] == "cancelled")
    ev.delete_event(esco.store, esco.config, event["uuid"], by=None)
    esco.app[DELIVERY].wake()
    await eventually(lambda: remote(mutualab, event["ap_id"])["deleted_at"])


def backfill_state(node, space_id: str) -> str | None:
    row = node.store.db.execute("SELECT state FROM backfill_jobs WHERE space_id = ?", [space_id]).fetchone()
    return row[0] if row and row[0] in ("done", "failed") else None


async def test_a_newly_followed_space_brings_its_upcoming_events_not_its_past_ones(node_factory) -> None:
    """Issue 10, bug 1: following a space filled the catalogue but left the agenda empty."""
    esco = await node_factory(name="ESCO", slug="esco", country="BE", city="Tournai")
    mutualab = await node_factory(name="Mutualab", country="FR", city="Lille")
    soon = datetime.now(UTC) + timedelta(days=14)
    past = datetime.now(UTC) - timedelta(days=14)
    upcoming = ev.create_event(esco.store, esco.config, values(
        name={"fr": "Apéro des indépendants"}, start=soon.strftime("%Y-%m-%dT18:00"),
        end=soon.strftime("%Y-%m-%dT21:00")), by=None)
    over = ev.create_event(esco.store, esco.config, values(
        name={"fr": "Atelier passé"}, start=past.strftime("%Y-%m-%dT18:00"), end=past.strftime("%Y-%m-%dT21:00")),
        by=None)
    cancelled = ev.create_event(esco.store, esco.config, values(
        name={"fr": "Annulé"}, start=soon.strftime("%Y-%m-%dT10:00"), end=soon.strftime("%Y-%m-%dT12:00")), by=None)
    ev.delete_event(esco.store, esco.config, cancelled["uuid"], by=None)

    await follow(mutualab, esco)
    assert await eventually(lambda: backfill_state(mutualab, f"{esco.url}/"), timeout=20) == "done"
    copy = remote(mutualab, upcoming["ap_id"])
    assert copy is not None and copy["organiser_name"] == "ESCO" and copy["name_map"] == {"fr": "Apéro des indépendants"}
    assert remote(mutualab, over["ap_id"]) is None and remote(mutualab, cancelled["ap_id"]) is None
    async with mutualab.client().get("/agenda") as resp:
        assert f'/events/{copy["uuid"]}' in await resp.text()


async def test_approval_waits_for_the_organisers(node_factory) -> None:
    esco = await node_factory(name="ESCO", slug="esco", country="BE", city="Tournai")
    mutualab = await node_factory(name="Mutualab", country="FR", city="Lille")
    await follow(mutualab, esco)
    event = ev.create_event(esco.store, esco.config, values(registration="approval", **WHEN), by=None)
    esco.app[DELIVERY].wake()
    copy = await eventually(lambda: remote(mutualab, event["ap_id"]))
    assert copy["registration"] == "approval"

    alice = network_member(mutualab, "alice")
    alice_id = f"{mutualab.url}/@alice"
    assert ev.attend(mutualab.store, mutualab.config, copy["uuid"], alice) == "pending"
    mutualab.app[DELIVERY].wake()
    await eventually(lambda: registration(esco, event["id"], alice_id) == "pending")
    ev.decide(esco.store, esco.config, event["uuid"], alice_id, accept=True, by=None)
    esco.app[DELIVERY].wake()
    await eventually(lambda: registration(mutualab, copy["id"], alice_id) == "accepted")


async def test_local_only_members_cannot_join_elsewhere(node_factory) -> None:
    esco = await node_factory(name="ESCO", slug="esco", country="BE", city="Tournai")
    mutualab = await node_factory(name="Mutualab", country="FR", city="Lille")
    await follow(mutualab, esco)
    event = ev.create_event(esco.store, esco.config, values(**WHEN), by=None)
    esco.app[DELIVERY].wake()
    copy = await eventually(lambda: remote(mutualab, event["ap_id"]))
    add_member(mutualab, "carol")  # visibility local: her actor does not exist for ESCO
    http = mutualab.client()
    await login(http, "carol")
    status, body, _location = await submit(http, f"/events/{copy['uuid']}", f"/events/{copy['uuid']}/attend")
    assert status == 400 and "show your profile to the network" in body
    assert registration(mutualab, copy["id"], f"{mutualab.url}/@carol") is None


# Handlers on their own: what a peer may and may not do with events.

MOBILIZON_ACTOR = "https://mobilizon.example/@repair_cafe_lille"


def context(store, activity: dict[str, Any], actor: str) -> InboundContext:
    async def fetch(url: str) -> dict[str, Any]:
        return {"id": url, "type": "Group", "inbox": f"{url}/inbox", "name": "Repair Café Lille",
                "preferredUsername": url.rsplit("@", 1)[-1]}

    return InboundContext(store=store, config=CONFIG, activity=activity, actor=actor, recipient=None, fetch=fetch)


async def deliver(store, kind: str, obj: Any, actor: str = MOBILIZON_ACTOR) -> bool:
    load_handlers()
    activity = {"id": f"{actor}/activities/{kind.lower()}", "type": kind, "actor": actor, "object": obj}
    return await dispatch(context(store, activity, actor))


async def test_peer_events_need_a_followed_origin_and_only_the_owner_changes_them() -> None:
    store = make_store()
    assert await deliver(store, "Create", MOBILIZON_EVENT)
    assert events_store.get_by_ap_id(store, MOBILIZON_EVENT["id"]) is None  # nobody here follows them
    follows_store.put(store, "https://esco.test/", MOBILIZON_ACTOR, "https://esco.test/activities/f1", "accepted")
    unlisted = MOBILIZON_EVENT | {"to": [f"{MOBILIZON_ACTOR}/followers"]}
    await deliver(store, "Create", unlisted)
    assert events_store.get_by_ap_id(store, MOBILIZON_EVENT["id"]) is None  # not public: not in an agenda
    await deliver(store, "Create", MOBILIZON_EVENT)
    stored = events_store.get_by_ap_id(store, MOBILIZON_EVENT["id"])
    assert (stored["origin"], stored["organiser_name"], stored["country"], stored["participant_count"]) == (
        "https://mobilizon.example", "Repair Café Lille", "FR", 12)
    assert not stored["cross_border"]  # the organiser's country is unknown: not guessed from the place
    # Another account of the same server cannot rewrite it.
    await deliver(store, "Update", MOBILIZON_EVENT | {"name": "Hijacked"}, actor="https://mobilizon.example/@mallory")
    assert events_store.get_by_ap_id(store, MOBILIZON_EVENT["id"])["name_map"] == stored["name_map"]
    await deliver(store, "Delete", {"id": MOBILIZON_EVENT["id"], "type": "Tombstone"},
                  actor="https://mobilizon.example/@mallory")
    assert not events_store.get_by_ap_id(store, MOBILIZON_EVENT["id"])["deleted_at"]
    # The organiser can.
    await deliver(store, "Update", MOBILIZON_EVENT | {"name": "Repair Café de janvier", "status": "CANCELLED",
                                                    "ical:status": "CANCELLED", "updated": EDITED})
    changed = events_store.get_by_ap_id(store, MOBILIZON_EVENT["id"])
    assert (changed["name_map"], changed["status"], changed["sequence"]) == ({"fr": "Repair Café de janvier"}, "cancelled", 1)
    await deliver(store, "Delete", {"id": MOBILIZON_EVENT["id"], "type": "Tombstone"})
    assert events_store.get_by_ap_id(store, MOBILIZON_EVENT["id"])["deleted_at"]


async def test_an_announced_event_is_read_from_its_origin_and_owned_by_its_organiser() -> None:
    """Mobilizon's relay and groups share events with Announce: we take the event from its origin,
    never the announcer's copy, and only its organiser may change it afterwards."""
    load_handlers()
    store = make_store()
    relay = "https://mobilizon.example/relay"
    served = {MOBILIZON_EVENT["id"]: MOBILIZON_EVENT,
              "https://mobilizon.example/notes/1": {"id": "https://mobilizon.example/notes/1", "type": "Note"},
              "https://mobilizon.example/events/foreign": MOBILIZON_EVENT | {
                  "id": "https://mobilizon.example/events/foreign", "attributedTo": "https://elsewhere.example/@x"}}
    fetched: list[str] = []

    async def fetch(url: str) -> dict[str, Any]:
        fetched.append(url)
        if url in served:
            return served[url]
        return {"id": url, "type": "Group", "inbox": f"{url}/inbox", "name": "Repair Café Lille",
                "preferredUsername": url.rsplit("@", 1)[-1]}

    async def announce(obj: Any, actor: str = relay) -> None:
        activity = {"id": f"{actor}/announces/{len(fetched)}", "type": "Announce", "actor": actor, "object": obj,
                    "to": ["https://www.w3.org/ns/activitystreams#Public"]}
        await dispatch(InboundContext(store=store, config=CONFIG, activity=activity, actor=actor, recipient=None,
                                      fetch=fetch))

    await announce(MOBILIZON_EVENT["id"])
    assert events_store.get_by_ap_id(store, MOBILIZON_EVENT["id"]) is None and fetched == []  # we follow no one there
    follows_store.put(store, "https://esco.test/", relay, "https://esco.test/activities/f1", "accepted")
    await announce(MOBILIZON_EVENT | {"name": "Forged by the announcer"})  # an embedded copy is not taken as is
    stored = events_store.get_by_ap_id(store, MOBILIZON_EVENT["id"])
    assert stored["name_map"] == {"fr": "Repair Café de décembre"} and fetched[0] == MOBILIZON_EVENT["id"]
    assert (stored["organiser_id"], stored["published_by"]) == (MOBILIZON_ACTOR, MOBILIZON_ACTOR)
    # The announcer cannot change it; its organiser can.
    await deliver(store, "Update", MOBILIZON_EVENT | {"name": "Hijacked"}, actor=relay)
    assert events_store.get_by_ap_id(store, MOBILIZON_EVENT["id"])["name_map"] == stored["name_map"]
    await deliver(store, "Update", MOBILIZON_EVENT | {"name": "Repair Café de janvier", "updated": EDITED})
    assert events_store.get_by_ap_id(store, MOBILIZON_EVENT["id"])["name_map"] == {"fr": "Repair Café de janvier"}
    # Shared notes, and events whose organiser is on another origin than the event, stay out.
    await announce("https://mobilizon.example/notes/1")
    await announce("https://mobilizon.example/events/foreign")
    assert events_store.count(store) == 1
    fetches = len(fetched)
    await announce({"id": "https://mobilizon.example/notes/2", "type": "Note"})  # an embedded note is not fetched
    assert len(fetched) == fetches


async def test_an_event_naming_us_as_cohost_is_taken_without_a_follow() -> None:
    store = make_store()
    invitation = MOBILIZON_EVENT | {"id": "https://mobilizon.example/events/cohosted", "organizers": {
        "type": "Collection", "items": [MOBILIZON_ACTOR, {"type": "Organization", "id": "https://esco.test/",
                                                          "name": "ESCO", "country": "BE"}]}}
    await deliver(store, "Create", invitation)
    stored = events_store.get_by_ap_id(store, invitation["id"])
    assert stored["cohosts"] == [{"id": "https://esco.test/", "name": "ESCO", "country": "BE", "acct": ""}]
    found = ev.find_events(store, ev.AgendaFilters(space="https://esco.test/")).items
    assert [e["ap_id"] for e in found] == [invitation["id"]]  # it shows in our own agenda too


async def test_only_public_profiles_join_events_outside_the_network() -> None:
    store = make_store()  # no follow between us and them: they only named us as cohost
    invitation = MOBILIZON_EVENT | {"organizers": {"type": "Collection", "items": [
        MOBILIZON_ACTOR, {"type": "Organization", "id": "https://esco.test/", "name": "ESCO", "country": "BE"}]}}
    await deliver(store, "Create", invitation)
    copy = events_store.get_by_ap_id(store, MOBILIZON_EVENT["id"])
    dora = members_store.insert(store, username="dora", display_name="Dora", status="active", visibility="network")
    with pytest.raises(InvalidInput, match="outside the Coffee network"):
        ev.attend(store, CONFIG, copy["uuid"], dora)  # Mobilizon could not read her profile to check her Join
    dora = members_store.update(store, dora["id"], visibility="public")
    assert ev.attend(store, CONFIG, copy["uuid"], dora) == "pending"
    join = store.db.execute("SELECT document FROM activities WHERE type = 'Join'").fetchone()[0]
    assert json.loads(join)["object"] == MOBILIZON_EVENT["id"] and json.loads(join)["actor"] == "https://esco.test/@dora"


async def test_a_bare_id_delete_removes_a_remote_event_mobilizon_style() -> None:
    """Mobilizon sends Delete(Event) with the event's id only: the type we stored routes it."""
    store = make_store()
    follows_store.put(store, "https://esco.test/", MOBILIZON_ACTOR, "https://esco.test/activities/f1", "accepted")
    await deliver(store, "Create", MOBILIZON_EVENT)
    assert not events_store.get_by_ap_id(store, MOBILIZON_EVENT["id"])["deleted_at"]
    assert await deliver(store, "Delete", MOBILIZON_EVENT["id"])
    assert events_store.get_by_ap_id(store, MOBILIZON_EVENT["id"])["deleted_at"]
    assert not await deliver(store, "Delete", "https://mobilizon.example/events/never-seen")  # stored and ignored


async def test_event_log_lines_keep_their_event_name(caplog) -> None:
    """An `event` extra used to overwrite the JSON line's `event` (its name): `event.deleted` read as a URL."""
    store = make_store()
    follows_store.put(store, "https://esco.test/", MOBILIZON_ACTOR, "https://esco.test/activities/f1", "accepted")
    await deliver(store, "Create", MOBILIZON_EVENT)
    caplog.set_level(logging.INFO, logger="coffee.inbound")
    assert await deliver(store, "Delete", MOBILIZON_EVENT["id"])
    lines = [json.loads(JsonFormatter().format(record)) for record in caplog.records]
    deleted = [line for line in lines if line["event"] == "event.deleted"]
    assert deleted and deleted[0]["event_id"] == MOBILIZON_EVENT["id"]
    assert all(line["event"].startswith(("event.", "inbox.", "follow.")) for line in lines), lines


async def test_twenty_joins_from_another_node_fill_exactly_the_capacity(node_factory) -> None:
    """20 members of Lille ask at once for 5 seats in Tournai: 5 accepted, 15 rejected, same counts on both sides;
    Lille's network iCal feed carries the event with its exact time."""
    import icalendar

    tournai = await node_factory(name="ESCO", slug="esco", country="BE", city="Tournai")
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    await follow(lille, tournai)
    event = ev.create_event(tournai.store, tournai.config, values(capacity=5, **WHEN), by=None)
    tournai.app[DELIVERY].wake()
    copy = await eventually(lambda: remote(lille, event["ap_id"]))

    async with lille.client().get("/agenda.ics") as resp:
        calendar = icalendar.Calendar.from_ical(await resp.read())
    [vevent] = [c for c in calendar.walk("VEVENT") if str(c["UID"]) == event["ap_id"]]
    assert vevent.decoded("DTSTART").isoformat() == "2030-06-05T18:00:00+02:00"

    people = [network_member(lille, f"p{i}") for i in range(20)]
    for person in people:
        ev.attend(lille.store, lille.config, copy["uuid"], person)
    lille.app[DELIVERY].wake()

    await delivered(lille, tournai)  # every Join answered, the new counts announced and read (no time budget)
    here = {k: v for k, v in events_store.registration_counts(lille.store, copy["id"]).items() if v}
    assert here == {"accepted": 5, "rejected": 15}
    # The organiser keeps the 5 it accepted (a refused Join is answered, not stored): both sides agree.
    there = {k: v for k, v in events_store.registration_counts(tournai.store, event["id"]).items() if v}
    assert there == {"accepted": 5}
    assert {a["attendee_id"] for a in ev.attendees(tournai.store, event["id"])} == {
        r["attendee_id"] for r in events_store.registrations(lille.store, copy["id"], ["accepted"])}
    # Lille's copy learns the new count, and that French attendees made it cross-border, from
    # Tournai's Update; the rush of Joins is folded into a handful of Updates, not one per Join.
    assert not copy["cross_border"]
    settled_copy = events_store.get(lille.store, copy["id"])
    assert (settled_copy["participant_count"], settled_copy["cross_border"]) == (5, True)
    assert settled_copy["sequence"] == copy["sequence"]  # figures, not a new version of the event for calendars
    updates = tournai.store.db.execute(
        "SELECT count(*) FROM activities WHERE type = 'Update' AND object_id = ?", [event["ap_id"]]).fetchone()[0]
    assert 1 <= updates <= 3, updates
    # A Lille member who did not register sees that it is full, and may still ask.
    latecomer = network_member(lille, "late")
    http = lille.client()
    await login(http, latecomer["username"])
    async with http.get(f"/events/{copy['uuid']}") as resp:
        page = await resp.text()
    assert "0 places left" in page and "last said this event was full" in page and "/attend" in page
