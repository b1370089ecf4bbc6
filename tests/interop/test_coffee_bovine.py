"""A real Coffee node federates with a second independent implementation: a bovine peer (Python).

The node runs in-process (aiohttp, real SQLite, real keys); the peer runs bovine in its own
process and virtualenv (`bovine_peer/peer.py`). What reaches `peer.inbox()` passed bovine's
signature checker; what `peer.lookup()` answers went through bovine's parser. bovine names the
activity it answers or undoes by id (`Accept`, `Undo` with a bare `object`), which is how we
found that an Undo by id used to be ignored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from node.services import events as ev
from tests.federation_network.helpers import cli, eventually, handle, set_member
from tests.interop.peer import BovinePeer, PeerError

pytestmark = pytest.mark.interop


def _follow_state(node, follower: str, followee: str) -> str | None:
    row = node.store.db.execute("SELECT state FROM follows WHERE follower = ? AND followee = ?",
                                [follower, followee]).fetchone()
    return row[0] if row else None


async def _settled(node, activity_id: str) -> tuple[str, str | None, str]:
    """Wait until our inbox worker handled `activity_id`: (state, error, signer)."""
    query = "SELECT state, error, signer FROM inbox WHERE activity_id = ? AND state != 'queued'"
    return await eventually(lambda: node.store.db.execute(query, [activity_id]).fetchone(), timeout=10)


async def _peer_follows_space(node, peer: BovinePeer) -> dict[str, Any]:
    space = f"{node.url}/"
    followed = await peer.follow(handle(node))  # bovine's WebFinger client, parser and signed POST
    assert (followed["followed"], followed["inbox"], followed["status"]) == (space, f"{node.url}/space/inbox", 202)
    assert (await _settled(node, followed["activity"]))[:2] == ("done", None)
    # our Accept passed bovine's signature check and came to the peer's own inbox, not the shared one
    accept = await peer.wait_for(lambda a: a["type"] == "Accept" and a["actor"] == space)
    assert accept["object"]["id"] == followed["activity"] and accept["signer"] == space
    assert accept["inbox"] == f"{peer.actor_id}/inbox"
    assert (await peer.state())["followers"] == [] and _follow_state(node, peer.actor_id, space) == "accepted"
    return followed


async def test_bovine_follows_our_space_and_receives_our_public_activities(node, bovine_peer) -> None:
    await _peer_follows_space(node, bovine_peer)

    set_member(node, "claire", display_name="Claire Dubois", visibility="public", languages=["fr", "nl"])

    member = f"{node.url}/@claire"
    create = await bovine_peer.wait_for(lambda a: a["type"] == "Create" and a["object"]["id"] == member)
    assert create["signer"] == member and create["object"]["type"] == "Person"
    assert create["inbox"] == f"{bovine_peer.url}/inbox"  # public: the shared inbox
    person = create["raw"]["object"]
    assert (person["name"], person["knowsLanguage"]) == ("Claire Dubois", ["fr", "nl"])
    assert "summary" not in person and "seeks" not in person and "organization" not in person


async def test_bovine_reads_our_actors_and_events_with_its_own_parser(node, bovine_peer) -> None:
    set_member(node, "claire", display_name="Claire Dubois", visibility="public")
    start = (datetime.now() + timedelta(days=10)).replace(hour=18, minute=0, second=0, microsecond=0)
    event = ev.create_event(node.store, node.config, {
        "name": {"fr": "Atelier vélo", "en": "Bike workshop"}, "timezone": "Europe/Paris",
        "start": start.strftime("%Y-%m-%dT%H:%M"), "end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    }, by=None)
    space, member, application = f"{node.url}/", f"{node.url}/@claire", f"{node.url}/actor"

    by_handle = await bovine_peer.lookup(handle(node))
    assert by_handle["id"] == space
    for actor_id, kind in ((space, "Organization"), (member, "Person"), (application, "Application")):
        seen = await bovine_peer.lookup(actor_id)
        assert (seen["id"], seen["type"]) == (actor_id, kind)
        assert seen["keys"] == [{"id": f"{actor_id}#main-key", "controller": actor_id}]
        assert seen["data"]["inbox"].startswith(node.url) and seen["data"]["outbox"].startswith(node.url)
    assert (await bovine_peer.lookup(space))["acct"] == f"acct:{node.config.slug}@{node.config.domain}"

    seen = await bovine_peer.lookup(event["ap_id"])
    assert (seen["id"], seen["type"], seen["attributedTo"]) == (event["ap_id"], "Event", space)
    assert seen["data"]["nameMap"] == {"fr": "Atelier vélo", "en": "Bike workshop"}
    assert seen["data"]["startTime"].startswith(start.strftime("%Y-%m-%dT"))


async def test_we_follow_bovine_and_read_its_accept_by_id(node, bovine_peer) -> None:
    # bovine's actor is a Person: the space refuses to follow it (a space follows spaces), a member may.
    assert await cli("follow", str(node.config.data_dir), bovine_peer.handle) == 1
    set_member(node, "ana", display_name="Ana", visibility="public")
    ana = f"{node.url}/@ana"
    assert await cli("follow", str(node.config.data_dir), bovine_peer.handle, "--as", "ana") == 0

    # bovine verified our Follow, which came to its actor's own inbox,
    follow = await bovine_peer.wait_for(lambda a: a["type"] == "Follow" and a["actor"] == ana)
    assert follow["signer"] == ana and follow["inbox"] == f"{bovine_peer.actor_id}/inbox"

    async def ana_follows() -> bool:  # bovine records a follower after fetching its actor, after the 202
        return (await bovine_peer.state())["followers"] == [ana]

    await eventually(ana_follows)
    # and its Accept names our Follow by id only: we resolve it and the follow is accepted.
    await eventually(lambda: _follow_state(node, ana, bovine_peer.actor_id) == "accepted")
    accept = node.store.db.execute("SELECT document FROM inbox WHERE type = 'Accept' AND actor = ?",
                                   [bovine_peer.actor_id]).fetchone()[0]
    assert f'"object": "{follow["id"]}"' in accept


async def test_bovine_undo_of_its_follow_by_id_ends_our_deliveries(node, bovine_peer) -> None:
    space = f"{node.url}/"
    followed = await _peer_follows_space(node, bovine_peer)

    undone = await bovine_peer.unfollow(handle(node))
    assert undone["activity"]["object"] == followed["activity"]  # the Follow by id, as bovine sends it
    assert undone["status"] == 202
    assert (await _settled(node, undone["sent"]))[:2] == ("done", None)
    assert _follow_state(node, bovine_peer.actor_id, space) is None

    # what the space publishes next is no longer delivered to the peer
    before = node.store.db.execute("SELECT coalesce(max(id), 0) FROM deliveries").fetchone()[0]
    set_member(node, "claire", visibility="public")
    inboxes = [row[0] for row in node.store.db.execute("SELECT inbox FROM deliveries WHERE id > ?", [before])]
    assert not [inbox for inbox in inboxes if inbox.startswith(bovine_peer.url)]


async def test_bovine_sends_us_a_note(node, bovine_peer) -> None:
    space = f"{node.url}/"
    sent = await bovine_peer.send_note(space, "Bonjour Coffee")
    assert sent["status"] == 202
    state, error, signer = await _settled(node, sent["sent"])
    assert (state, error, signer) == ("ignored", None, f"{bovine_peer.actor_id}#main-key")


async def test_we_verify_bovines_signed_get_of_a_network_only_member(node, bovine_peer) -> None:
    set_member(node, "nina", display_name="Nina", visibility="network")
    member = f"{node.url}/@nina"
    with pytest.raises(PeerError) as refused:  # bovine's server is not in our network yet
        await bovine_peer.lookup(member)
    assert refused.value.status == 422 and "404" in (refused.value.error or "")

    await _peer_follows_space(node, bovine_peer)
    with pytest.raises(PeerError) as refused:  # a person following the space does not make its server the network
        await bovine_peer.lookup(member)
    assert refused.value.status == 422 and "404" in (refused.value.error or "")

    toml = node.config.data_dir / "node.toml"  # the admin trusts bovine's server
    toml.write_text(toml.read_text().replace("trusted_spaces = []", f'trusted_spaces = ["{bovine_peer.actor_id}"]'))
    await node.restart()
    # bovine signs its GET (draft-cavage, `accept` among the signed headers); we verify it
    seen = await bovine_peer.lookup(member)
    assert (seen["id"], seen["type"], seen["keys"]) == (
        member, "Person", [{"id": f"{member}#main-key", "controller": member}])
