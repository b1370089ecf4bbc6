"""Undo, Accept and Reject that name their object by id alone, as several servers send them.

A real remote server (real keys, signed POSTs) talks to a real node; each activity is waited
for until the node's inbox worker has settled it, then the stored state is compared.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from node.services import events as events_service
from node.storage import events as events_store
from node.storage import follows as follows_store
from tests.federation_network.attacker import Attacker, start_attacker
from tests.federation_network.helpers import cli, eventually


@pytest.fixture
async def peer():
    server = await start_attacker()
    yield server
    await server.stop()


async def processed(node, activity_id: str) -> str:
    """Wait until the node's inbox worker has handled `activity_id`; its final state."""
    query = "SELECT state FROM inbox WHERE activity_id = ? AND state != 'queued'"
    row = await eventually(lambda: node.store.db.execute(query, [activity_id]).fetchone(), timeout=10)
    return row[0]


async def deliver(node, peer: Attacker, activity: dict) -> str:
    activity = {"actor": peer.actor, **activity}
    assert await peer.post(f"{node.url}/inbox", activity) == 202
    return await processed(node, activity["id"])


@pytest.mark.parametrize("form", ["bare id", "embedded without a type"])
async def test_undo_of_a_follow_named_by_id_ends_the_follow(node, peer, form: str) -> None:
    space = f"{node.url}/"
    follow_id = f"{peer.actor}/follows/1"
    assert await deliver(node, peer, {"id": follow_id, "type": "Follow", "object": space}) == "done"
    assert follows_store.get(node.store, peer.actor, space)["state"] == "accepted"

    # Undo whose object is the Follow's id (as bovine sends it), not an embedded, typed Follow
    undone = follow_id if form == "bare id" else {"id": follow_id, "actor": peer.actor, "object": space}
    state = await deliver(node, peer, {"id": f"{peer.actor}/undo/1", "type": "Undo", "object": undone})

    assert state == "done"
    assert follows_store.get(node.store, peer.actor, space) is None


async def test_undo_of_a_join_named_by_id_cancels_the_registration(node, peer) -> None:
    start = (datetime.now() + timedelta(days=30)).replace(hour=18, minute=0, second=0, microsecond=0)
    event = events_service.create_event(node.store, node.config, {
        "name": {"fr": "Atelier"}, "timezone": "Europe/Paris",
        "start": start.strftime("%Y-%m-%dT%H:%M"), "end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    }, by=None)
    join_id = f"{peer.actor}/joins/1"
    assert await deliver(node, peer, {"id": join_id, "type": "Join", "object": event["ap_id"]}) == "done"
    assert events_store.registration(node.store, event["id"], peer.actor)["status"] == "accepted"

    state = await deliver(node, peer, {"id": f"{peer.actor}/undo/2", "type": "Undo", "object": join_id})

    assert state == "done"
    assert events_store.registration(node.store, event["id"], peer.actor)["status"] == "cancelled"


@pytest.mark.parametrize(("answer", "expected"), [("Accept", "accepted"), ("Reject", "rejected")])
async def test_an_answer_naming_our_follow_by_id_settles_it(node, peer, answer: str, expected: str) -> None:
    space = f"{node.url}/"
    peer.documents[peer.actor] = peer.actor_document(type="Organization")  # a space follows spaces only
    assert await cli("follow", str(node.config.data_dir), peer.actor) == 0
    ours = follows_store.get(node.store, space, peer.actor)
    assert ours["state"] == "pending"

    state = await deliver(node, peer, {"id": f"{peer.actor}/answers/1", "type": answer, "object": ours["activity_id"]})

    assert state == "done"
    assert follows_store.get(node.store, space, peer.actor)["state"] == expected


async def test_someone_else_cannot_undo_a_follow_by_its_id(node, peer) -> None:
    space = f"{node.url}/"
    follow_id = f"{peer.actor}/follows/1"
    await deliver(node, peer, {"id": follow_id, "type": "Follow", "object": space})
    other = await start_attacker()
    try:
        # the other server's actor names Mallory's Follow: an Undo of someone else's activity is refused at the door
        activity = {"id": f"{other.actor}/undo/1", "type": "Undo", "actor": other.actor, "object": follow_id}
        assert await other.post(f"{node.url}/inbox", activity) in (400, 403)
    finally:
        await other.stop()
    assert follows_store.get(node.store, peer.actor, space)["state"] == "accepted"
