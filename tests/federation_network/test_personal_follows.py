"""Done-means 1 of issue 13: a member's own follows and their home feed, across three real nodes."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

from node.appkeys import DELIVERY
from node.services import events as events_service
from node.storage import deliveries as deliveries_store
from node.storage import follows as follows_store
from tests.federation_network.helpers import eventually, handle, set_member, settled
from tests.web import add_member, login, submit


def event_values(name: str) -> dict:
    start = (datetime.now(timezone.utc) + timedelta(days=30)).replace(hour=18, minute=0, second=0, microsecond=0)
    return {"name": {"fr": name, "nl": f"{name} (nl)"}, "timezone": "Europe/Brussels",
            "start": start.strftime("%Y-%m-%dT%H:%M"), "end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}


def state(node, follower: str, followee: str) -> str | None:
    row = follows_store.get(node.store, follower, followee)
    return row["state"] if row else None


async def feed(http, query: str = "") -> str:
    async with http.get(f"/home{query}") as resp:
        assert resp.status == 200
        return await resp.text()


async def test_a_lille_member_follows_switch_and_a_person_at_mons(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    switch = await node_factory(name="Switch", slug="switch", country="BE", city="Charleroi")
    mons = await node_factory(name="LouiseHub", slug="louise", country="BE", city="Mons")
    set_member(mons, "claire", display_name="Claire Dubois", visibility="public")
    alice = add_member(lille, "alice")
    set_member(lille, "alice", visibility="public")
    node_following_before = follows_store.following(lille.store, f"{lille.url}/", state=None)
    http = lille.client()
    await login(http, "alice")

    # Given Alice follows Switch (by handle) and Claire at Mons (by actor URL) from her home node
    for target in (handle(switch), f"{mons.url}/@claire"):
        status, _body, location = await submit(http, "/me/following", "/me/following", {"target": target})
        assert (status, location) == (303, "/me/following")
    alice_id, claire_id = f"{lille.url}/@alice", f"{mons.url}/@claire"
    await eventually(lambda: state(lille, alice_id, f"{switch.url}/") == "accepted"
                     and state(lille, alice_id, claire_id) == "accepted")
    async with http.get("/me/following") as resp:
        page = await resp.text()
    assert "Switch" in page and "Claire Dubois" in page and "accepted" in page

    # When Switch publishes an event and Claire edits her profile
    started = time.monotonic()
    events_service.create_event(switch.store, switch.config, event_values("Repair café"), by=None)
    switch.app[DELIVERY].wake()
    set_member(mons, "claire", display_name="Claire Dubois-Martin")
    # Then both reach Alice's feed within a second, newest first, in her language where translated
    await eventually(lambda: lille.store.db.execute(
        "SELECT count(*) FROM feed_items WHERE member_id = ?", [alice["id"]]).fetchone()[0] == 2, timeout=1.0)
    assert time.monotonic() - started < 1.0
    await http.get("/lang/nl")
    body = await feed(http)
    assert "Repair café (nl)" in body and "Claire Dubois-Martin" in body
    assert body.index("Claire Dubois-Martin") < body.index("Repair café (nl)")  # the newer first
    events_only = await feed(http, "?kind=event")
    assert "Repair café (nl)" in events_only and "Claire Dubois-Martin" not in events_only

    # When she stops following both
    for followee in (f"{switch.url}/", claire_id):
        status, _b, _l = await submit(http, "/me/following", "/me/following/unfollow", {"actor": followee})
        assert status == 303
    await eventually(lambda: state(switch, alice_id, f"{switch.url}/") is None and state(mons, alice_id, claire_id) is None)
    # Then what they publish next no longer reaches her
    events_service.create_event(switch.store, switch.config, event_values("Atelier vélo"), by=None)
    switch.app[DELIVERY].wake()
    set_member(mons, "claire", display_name="Claire Martin")
    await settled(lille, switch, mons)
    body = await feed(http)
    assert "Atelier vélo" not in body and "Claire Martin<" not in body
    assert lille.store.db.execute("SELECT count(*) FROM feed_items").fetchone()[0] == 2

    # And the node's own follows never changed
    assert follows_store.following(lille.store, f"{lille.url}/", state=None) == node_following_before == []


async def test_local_people_follow_each_other_without_federation(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    bob = add_member(lille, "bob")
    add_member(lille, "alice")  # local visibility: no network actor needed for a local follow
    http = lille.client()
    await login(http, "bob")
    status, _b, _l = await submit(http, "/me/following", "/me/following", {"target": f"alice@{lille.config.domain}"})
    assert status == 303
    assert state(lille, f"{lille.url}/@bob", f"{lille.url}/@alice") == "accepted"
    set_member(lille, "alice", display_name="Alice Lambert", visibility="public")  # she joins the network
    assert "Alice Lambert" in await feed(http, "?kind=member")
    assert deliveries_store.count_by_status(lille.store) == {}  # nobody remote was involved
    bob_feed = lille.store.db.execute("SELECT member_id FROM feed_items").fetchall()
    assert bob_feed == [(bob["id"],)]


async def test_the_home_feed_as_atom_behind_the_members_secret_link(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    add_member(lille, "bob")
    add_member(lille, "alice")
    http = lille.client()
    await login(http, "bob")
    await submit(http, "/me/following", "/me/following", {"target": f"{lille.url}/@alice"})
    set_member(lille, "alice", display_name="Alice Lambert", visibility="public")
    status, page, _l = await submit(http, "/home", "/home/feed-link")
    assert status == 200
    link = re.search(r'value="(http://[^"]+/home\.atom\?token=[^"]+)"', page).group(1)
    anonymous = lille.client()  # a feed reader: no session, only the secret link
    async with anonymous.get(link.removeprefix(lille.url)) as resp:
        assert resp.status == 200 and resp.content_type == "application/atom+xml"
        atom = await resp.text()
    assert "<title>Alice Lambert</title>" in atom and '<category term="member"' in atom
    for bad in ("/home.atom", "/home.atom?token=nope"):
        async with anonymous.get(bad) as resp:
            assert resp.status == 404
    async with anonymous.get("/home", allow_redirects=False) as resp:
        assert resp.status == 303  # the page itself needs a session
