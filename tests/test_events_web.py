"""Event pages, forms and the JSON API through real HTTP: a browser's and an API client's view."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest

from node.services import events as ev
from node.services import space as space_service
from node.storage import events as events_store
from tests.test_api import openapi_schema
from tests.test_event_documents import schema
from tests.profiles_web import png_bytes, post_form
from tests.test_events import values
from tests.test_space import with_changes
from tests.federation_network.helpers import follow
from tests.web import add_member, csrf_from, login, submit

FORM = {"name_fr": "Atelier vélo", "start": "2030-03-10T18:00", "end": "2030-03-10T20:00",
        "timezone": "Europe/Brussels", "place_kind": "this_space", "registration": "open"}


async def admin_client(node):
    add_member(node, "admin", role="admin")
    http = node.client()
    assert await login(http, "admin") == 303
    return http


@pytest.mark.parametrize(("changes", "message"), [
    ({"end": "2030-03-10T17:00"}, "The event must end after it starts."),
    ({"timezone": "Europe/Atlantis"}, "Unknown time zone: Europe/Atlantis."),
    ({"place_kind": "address", "place_name": "Parc", "latitude": "95", "longitude": "3"}, "A latitude lies between -90 and 90."),
    ({"capacity": "0"}, "The capacity must be a whole number of at least 1."),
])
async def test_bad_form_is_a_400_and_stores_nothing(node, changes: dict[str, str], message: str) -> None:
    http = await admin_client(node)
    status, body, _location = await submit(http, "/events/new", "/events/new", FORM | changes)
    assert status == 400 and message in body
    assert 'value="Atelier vélo"' in body  # the form comes back filled in
    assert events_store.count(node.store) == 0


async def test_create_show_edit_cancel(node) -> None:
    http = await admin_client(node)
    status, _body, location = await submit(http, "/events/new", "/events/new", FORM | {
        "description_fr": "Apportez votre vélo.", "capacity": "12",
        "languages": "fr", "category": "WORKSHOPS_SKILL_SHARING"})
    assert status == 303 and re.fullmatch(r"/events/[0-9a-f-]{36}", location)
    async with http.get(location) as resp:
        page = await resp.text()
    assert "Europe/Brussels" in page and "Apportez votre vélo." in page
    assert "openstreetmap.org/?mlat=" not in page  # the space has no coordinates yet: search by address
    assert "12 places" in page and "Attendees" in page
    status, _body, _location = await submit(http, location + "/edit", location + "/edit",
                                            FORM | {"name_fr": "Atelier vélo et trottinettes", "capacity": "12"})
    assert status == 303
    event = events_store.get_by_uuid(node.store, location.rsplit("/", 1)[1])
    assert event["name_map"] == {"fr": "Atelier vélo et trottinettes"} and event["sequence"] == 1
    status, _body, _location = await submit(http, location, location + "/cancel")
    assert status == 303
    async with http.get(location) as resp:
        assert "This event was cancelled." in await resp.text()
    async with http.get("/events", params={"from": "2030-03-01"}) as resp:
        assert "<del>Atelier vélo et trottinettes</del>" in await resp.text()
    async with http.get("/events", params={"view": "month", "month": "2030-03"}) as resp:
        month = await resp.text()
    assert "18:00 <del>Atelier vélo et trottinettes</del>" in month


async def test_cohosts_are_resolved_over_the_network(node_factory) -> None:
    mutualab = await node_factory()
    esco = await node_factory(name="ESCO", country="BE", city="Tournai")
    http = await admin_client(mutualab)
    status, body, _location = await submit(http, "/events/new", "/events/new",
                                           FORM | {"cohosts": "acct:nobody@127.0.0.1:1"})
    assert status == 400 and "The server of nobody@127.0.0.1:1 does not answer" in body
    assert events_store.count(mutualab.store) == 0
    status, _body, location = await submit(http, "/events/new", "/events/new",
                                           FORM | {"cohosts": f"acct:{esco.config.slug}@{esco.config.domain}"})
    assert status == 303
    event = events_store.get_by_uuid(mutualab.store, location.rsplit("/", 1)[1])
    assert event["cohosts"] == [{"id": f"{esco.url}/", "name": "ESCO", "country": "BE",
                                 "acct": f"{esco.config.slug}@{esco.config.domain}"}]
    assert event["cross_border"]
    async with http.get(location) as resp:
        assert f'<a href="{esco.url}/">ESCO</a> (BE)' in await resp.text()
    await esco.stop()  # the cohost's server goes away: the event can still be edited
    async with http.get(location + "/edit") as resp:
        assert f"{esco.config.slug}@{esco.config.domain}</textarea>" in await resp.text()
    status, _body, _location = await submit(http, location + "/edit", location + "/edit", FORM | {
        "name_fr": "Afterwork", "cohosts": f"acct:{esco.config.slug}@{esco.config.domain}"})
    assert status == 303
    assert events_store.get_by_uuid(mutualab.store, location.rsplit("/", 1)[1])["cohosts"] == event["cohosts"]


async def test_who_may_create(node) -> None:
    admin = await admin_client(node)
    add_member(node, "alice")
    http = node.client()
    async with http.get("/events/new", allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"].startswith("/login")
    await login(http)
    async with http.get("/events/new") as resp:
        assert resp.status == 403
    # The admin opens the agenda to members on the space settings page.
    status, _body, _location = await post_form(admin, "/admin/space", "/admin/space",
                                               with_changes({"members_can_create_events": "on"}))
    assert status == 303
    async with admin.get("/admin/space") as resp:
        assert 'name="members_can_create_events" checked' in await resp.text()
    status, _body, location = await submit(http, "/events/new", "/events/new", FORM)
    assert status == 303
    async with http.get(location) as resp:
        assert "Edit the event" in await resp.text()  # the member who created it manages it
    async with http.post(location + "/cancel", data={}) as resp:
        assert resp.status == 403  # no CSRF token
    status, _body, _location = await post_form(admin, "/admin/space", "/admin/space", with_changes({}))
    assert status == 303  # unticked: members may no longer create events
    async with http.get("/events/new") as resp:
        assert resp.status == 403


async def test_twenty_members_race_for_five_places(node) -> None:
    event = ev.create_event(node.store, node.config, values(capacity=5, start="2030-01-10T18:00",
                                                            end="2030-01-10T20:00"), by=None)
    path = f"/events/{event['uuid']}"
    clients = []
    for number in range(20):
        add_member(node, f"member{number}")
        http = node.client()
        assert await login(http, f"member{number}") == 303
        clients.append((http, await csrf_from(http, path)))

    async def attend(http, token: str) -> int:
        async with http.post(f"{path}/attend", data={"csrf_token": token}, allow_redirects=False) as resp:
            return resp.status

    statuses = await asyncio.gather(*(attend(http, token) for http, token in clients))
    assert sorted(statuses) == [303] * 5 + [409] * 15
    assert ev.counts(node.store, event["id"])["accepted"] == 5
    async with clients[0][0].get(path) as resp:
        page = await resp.text()
    assert "5 people registered" in page and "Attendees" not in page  # members do not see who comes


async def test_approval_and_attendee_list(node) -> None:
    http = await admin_client(node)
    add_member(node, "alice")
    event = ev.create_event(node.store, node.config, values(registration="approval", start="2030-01-10T18:00",
                                                            end="2030-01-10T20:00"), by=None)
    path = f"/events/{event['uuid']}"
    alice = node.client()
    await login(alice)
    status, _body, _location = await submit(alice, path, f"{path}/attend")
    assert status == 303
    async with alice.get(path) as resp:
        assert "Waiting for the organisers" in await resp.text()
    async with alice.get("/me/events") as resp:
        assert "Atelier réparation vélo" in await resp.text()
    async with http.get(path) as resp:
        page = await resp.text()
    assert "Alice" in page and "This space (FR)" in page and "0 registered, 1 waiting" in page
    status, _body, _location = await submit(http, path, f"{path}/attendees",
                                            {"attendee": f"{node.url}/@alice", "decision": "accept"})
    assert status == 303
    async with alice.get(path) as resp:
        page = await resp.text()
    assert "Registered" in page and "Cancel my registration" in page
    status, _body, _location = await submit(alice, path, f"{path}/leave")
    assert ev.counts(node.store, event["id"])["cancelled"] == 1


async def test_event_as_activitypub_and_tombstone(node) -> None:
    event = ev.create_event(node.store, node.config, values(start="2030-01-10T18:00", end="2030-01-10T20:00"), by=None)
    http = node.client()
    headers = {"Accept": "application/activity+json"}
    async with http.get(f"/events/{event['uuid']}", headers=headers) as resp:
        assert resp.status == 200 and resp.content_type == "application/activity+json"
        doc = await resp.json(content_type=None)
    jsonschema.validate(doc, schema())
    assert doc["id"] == event["ap_id"] and doc["attributedTo"] == f"{node.url}/"
    ev.delete_event(node.store, node.config, event["uuid"], by=None)
    async with http.get(f"/events/{event['uuid']}", headers=headers) as resp:
        assert resp.status == 410 and (await resp.json(content_type=None))["type"] == "Tombstone"
    async with http.get(f"/events/{event['uuid']}") as resp:
        assert resp.status == 410
    async with http.get("/events/00000000-0000-0000-0000-000000000000") as resp:
        assert resp.status == 404


async def test_api_events(node) -> None:
    ev.create_event(node.store, node.config, values(start="2030-01-10T18:00", end="2030-01-10T20:00",
                                                    category="NETWORKING"), by=None)
    ev.create_event(node.store, node.config, values(start="2030-02-10T18:00", end="2030-02-10T20:00",
                                                    cohosts=[{"id": "https://tournai.test/", "name": "ESCO",
                                                              "country": "BE"}]), by=None)
    for n in range(20):
        ev.create_event(node.store, node.config, values(start=f"2030-03-{n + 1:02d}T10:00",
                                                        end=f"2030-03-{n + 1:02d}T11:00"), by=None)
    http = node.client()
    async with http.get("/api/events") as resp:
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
        body = await resp.json()
    jsonschema.validate(body, await openapi_schema(http, "EventsPage"))
    assert (body["total"], body["page"], body["pages"], body["per_page"]) == (22, 1, 2, 20)
    assert body["next"] == f"{node.url}/api/events?page=2"
    first = body["events"][0]
    assert first["start"] == "2030-01-10T18:00:00+01:00" and first["timezone"] == "Europe/Brussels"
    assert first["organiser"] == {"id": f"{node.url}/", "name": "Mutualab", "country": "FR"}
    assert "attendees" not in first and first["remaining"] is None
    async with http.get("/api/events", params={"page": "2"}) as resp:
        second = await resp.json()
    assert len(second["events"]) == 2 and second["next"] is None
    async with http.get("/api/events", params={"cross_border": "yes"}) as resp:
        assert [event["cohosts"][0]["name"] for event in (await resp.json())["events"]] == ["ESCO"]
    async with http.get("/api/events", params={"category": "NETWORKING", "from": "2030-01-01", "to": "2030-01-31"}) as resp:
        assert (await resp.json())["total"] == 1
    for params, field in (({"from": "someday"}, "from"), ({"cross_border": "perhaps"}, "cross_border"),
                          ({"page": "0"}, "page"), ({"colour": "red"}, "colour")):
        async with http.get("/api/events", params=params) as resp:
            assert resp.status == 400
            error = await resp.json()
            assert error["field"] == field and error["status"] == 400


async def test_an_uploaded_picture_is_re_encoded_and_replaced_cleanly(node) -> None:
    from PIL import Image

    http = await admin_client(node)
    media_dir = node.config.media_dir
    form = list(FORM.items())
    status, body, location = await post_form(http, "/events/new", "/events/new",
                                             [*form, ("image_file", ("flyer.png", png_bytes(3000, 1500), "image/png"))])
    assert status == 303, body
    event = events_store.get_by_uuid(node.store, location.rsplit("/", 1)[1])
    first = event["image"]
    assert first.startswith(f"{node.url}/media/") and first.endswith(".webp")
    async with http.get(first) as resp:
        assert resp.status == 200 and resp.content_type == "image/webp"
        with Image.open(io.BytesIO(await resp.read())) as picture:
            assert picture.size == (1600, 800)  # wide enough for a banner, no bigger
    async with http.get(location) as resp:
        assert f'<img src="{first}"' in await resp.text()

    # Not a picture: the form comes back, the event keeps its picture, no file is left behind.
    files_before = sorted(media_dir.iterdir())
    status, body, _location = await post_form(http, location + "/edit", location + "/edit", [
        *form, ("image", first), ("image_file", ("flyer.png", b"%PDF-1.4 not an image", "image/png"))])
    assert status == 400 and "This file is not a picture" in body
    assert sorted(media_dir.iterdir()) == files_before
    assert events_store.get_by_uuid(node.store, event["uuid"])["image"] == first

    # A new picture replaces the old one, whose file goes.
    status, _body, _location = await post_form(http, location + "/edit", location + "/edit", [
        *form, ("image", first), ("image_file", ("new.png", png_bytes(800, 600), "image/png"))])
    assert status == 303
    second = events_store.get_by_uuid(node.store, event["uuid"])["image"]
    assert second != first and [p.name for p in media_dir.iterdir()] == [second.rsplit("/", 1)[1]]
    # Deleting the event deletes its picture.
    status, _body, _location = await submit(http, location, location + "/delete")
    assert status == 303 and list(media_dir.iterdir()) == []


async def test_an_event_in_another_space_of_the_network_takes_its_address_from_a_picker(node_factory) -> None:
    """Issue 10, bug 8: "in another space of the network" offered no list of the known spaces, and a
    typed name gave a place without address or map."""
    mutualab = await node_factory()
    esco = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    space_service.update_space(esco.store, {"street": "Grand-Place 1", "postal_code": "7500", "region": "Wallonie",
                                            "latitude": 50.606, "longitude": 3.3878})
    await follow(mutualab, esco)
    http = await admin_client(mutualab)
    async with http.get("/events/new") as resp:
        form = await resp.text()
    picker = form[form.index('<select id="network_space"'):]
    picker = picker[:picker.index("</select>")]
    assert f'<option value="{esco.url}/">ESCO Tournai — Grand-Place 1, 7500 Tournai, BE</option>' in picker

    status, body, _location = await submit(http, "/events/new", "/events/new",
                                           FORM | {"place_kind": "network_space", "network_space": "https://elsewhere.example/"})
    assert status == 400 and "Choose one of the spaces this space follows." in body
    status, _body, location = await submit(http, "/events/new", "/events/new",
                                           FORM | {"place_kind": "network_space", "network_space": f"{esco.url}/"})
    assert status == 303, re.findall(r'<div class="error-box".*?</div>', _body, re.S)
    event = events_store.get(mutualab.store, 1)
    assert (event["place_kind"], event["place_name"], event["street"], event["postal_code"], event["city"],
            event["country"], event["latitude"], event["longitude"]) == (
        "network_space", "ESCO Tournai", "Grand-Place 1", "7500", "Tournai", "BE", 50.606, 3.3878)
    async with http.get(location) as resp:
        page = await resp.text()
    assert "Grand-Place 1" in page and "50.606" in page  # an address and a map link


async def test_an_event_dated_in_the_past_asks_for_a_confirmation_before_it_is_published(node) -> None:
    """Issue 10, bug 9: an event dated in the past was published without a word."""
    http = await admin_client(node)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    past = FORM | {"start": yesterday.strftime("%Y-%m-%dT10:00"), "end": yesterday.strftime("%Y-%m-%dT12:00")}
    status, body, _location = await submit(http, "/events/new", "/events/new", past)
    assert status == 400 and "This event starts in the past." in body
    assert '<input type="checkbox" id="confirm_past" name="confirm_past" value="1"' in body
    assert events_store.count(node.store) == 0
    status, _body, location = await submit(http, "/events/new", "/events/new", past | {"confirm_past": "1"})
    assert status == 303 and events_store.count(node.store) == 1
    status, _body, future = await submit(http, "/events/new", "/events/new", FORM)  # 2030: no question asked
    assert status == 303 and events_store.count(node.store) == 2
    # Moving an event into the past asks too; editing a past event's text does not.
    status, body, _location = await submit(http, f"{future}/edit", f"{future}/edit", past)
    assert status == 400 and "This event starts in the past." in body
    status, body, _location = await submit(http, f"{location}/edit", f"{location}/edit", past | {"name_fr": "Atelier"})
    assert status == 303
