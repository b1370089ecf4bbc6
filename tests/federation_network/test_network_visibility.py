"""Who sees a `network` profile: the spaces this node follows and that follow it back, and the trusted ones;
never a person who follows the space from another server, however politely (follows are accepted automatically)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from federation.errors import FetchError
from node.appkeys import FETCH
from node.services.publication import is_network_peer
from node.storage import actors as actors_store
from node.storage import follows as follows_store
from tests.federation_network.helpers import eventually, follow, peer, set_member, settled
from tests.test_events import CONFIG, make_store

TABLES = ("members", "follows", "activities", "deliveries", "actors")


def snapshot(node) -> dict[str, list]:
    return {table: [tuple(r) for r in node.store.conn.execute(f"SELECT * FROM {table} ORDER BY rowid")] for table in TABLES}


async def test_a_person_following_the_space_never_sees_network_profiles(node_factory, attacker) -> None:
    mastodon = attacker  # a Mastodon-like server on another origin: its user is a Person with real keys
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    await peer(lille, tournai)
    space = f"{tournai.url}/"
    # A person on another server follows the space: accepted automatically.
    follow_activity = {"id": f"{mastodon.actor}/follows/1", "type": "Follow", "actor": mastodon.actor, "object": space}
    assert await mastodon.post(f"{tournai.url}/inbox", follow_activity) == 202
    await eventually(lambda: (follows_store.get(tournai.store, mastodon.actor, space) or {}).get("state") == "accepted")

    set_member(tournai, "bram", display_name="Bram", visibility="network")
    set_member(tournai, "ines", display_name="Ines", visibility="public")
    await settled(lille, tournai)
    # Only the peer was told about Bram; the person heard of Ines only.
    told = {row[0] for row in tournai.store.conn.execute(
        "SELECT d.inbox FROM deliveries d JOIN activities a ON a.id = d.activity_id "
        "WHERE a.actor = ? AND a.type = 'Create'", [f"{tournai.url}/@bram"])}
    assert told and not any(inbox.startswith(mastodon.base) for inbox in told)
    assert (await lille.app[FETCH](f"{tournai.url}/@bram"))["name"] == "Bram"  # the peer reads it

    before = snapshot(tournai)
    for path in ("/@bram", "/@bram/outbox", "/@bram/followers"):
        status, _doc = await mastodon.get(f"{tournai.url}{path}")
        assert status == 404, path
    status, members = await mastodon.get(f"{tournai.url}/space/members?page=1")
    assert status == 200 and members["orderedItems"] == [f"{tournai.url}/@ines"]
    assert (await mastodon.get(f"{tournai.url}/@ines"))[0] == 200
    # Following Bram himself does not open the door either.
    assert await mastodon.post(f"{tournai.url}/inbox", {"id": f"{mastodon.actor}/follows/2", "type": "Follow",
                                                         "actor": mastodon.actor, "object": f"{tournai.url}/@bram"}) == 202
    await settled(lille, tournai)
    assert (follows_store.get(tournai.store, mastodon.actor, f"{tournai.url}/@bram") or {}).get("state") == "rejected"
    assert (await mastodon.get(f"{tournai.url}/@bram"))[0] == 404
    after = snapshot(tournai)
    assert {t: rows for t, rows in after.items() if t not in ("follows", "activities", "deliveries")} == {
        t: rows for t, rows in before.items() if t not in ("follows", "activities", "deliveries")}


async def test_a_space_that_is_followed_but_does_not_follow_back_is_not_the_network(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    await follow(lille, tournai)  # Tournai accepted automatically; it did not choose Lille
    set_member(tournai, "bram", display_name="Bram", visibility="network")
    await settled(lille, tournai)
    with pytest.raises(FetchError):
        await lille.app[FETCH](f"{tournai.url}/@bram")
    members = await lille.app[FETCH](f"{tournai.url}/space/members?page=1")
    assert members.get("orderedItems", []) == []  # empty properties are omitted
    await follow(tournai, lille)  # now it does
    assert (await lille.app[FETCH](f"{tournai.url}/@bram"))["name"] == "Bram"


def test_the_network_is_mutual_space_follows_plus_the_trusted_list() -> None:
    """Table-driven: who counts, by domain, for a node with one peer, one follower, one followed, one trusted."""
    store = make_store()
    config = replace(CONFIG, trusted_spaces=("acct:hub@trusted.example", "https://other-trusted.example/"))
    ours = f"{CONFIG.url}/"
    for n, (actor, kind, we_follow, they_follow) in enumerate([
        ("https://peer.example/", "Organization", True, True),
        ("https://fan.example/", "Organization", False, True),
        ("https://idol.example/", "Group", True, False),
        ("https://people.example/@ann", "Person", True, True),  # never a person, even mutual
        ("https://peer_example/", "Organization", False, False),  # `_` is a LIKE wildcard: no pattern matching
    ]):
        actors_store.upsert(store, {"id": actor, "type": kind, "domain": actor.split("/")[2], "inbox": f"{actor}inbox",
                                    "document": {}, "fetched_at": "2026-01-01T00:00:00+00:00"})
        if we_follow:
            follows_store.put(store, ours, actor, f"{CONFIG.url}/activities/f{n}", "accepted")
        if they_follow:
            follows_store.put(store, actor, ours, f"{actor}follows/{n}", "accepted")
    assert {domain: is_network_peer(store, config, domain) for domain in (
        "peer.example", "fan.example", "idol.example", "people.example", "peer_example", "peerXexample",
        "trusted.example", "other-trusted.example", "", None)} == {
        "peer.example": True, "fan.example": False, "idol.example": False, "people.example": False,
        "peer_example": False, "peerXexample": False, "trusted.example": True, "other-trusted.example": True,
        "": False, None: False}
