"""Retried Updates arrive in any order: the follower keeps the newest version, and the queue
sends only the newest Update of an object to an inbox."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from node import timeutil
from node.appkeys import DELIVERY
from node.config import load
from node.server import start
from node.services import announce
from node.services import events as events_service
from node.storage import activities as activities_store
from node.storage import actors as actors_store
from node.storage import events as events_store
from node.storage import inbox as inbox_store
from node.storage import members as members_store
from tests.federation_network.fake_inbox import add_follower, start_fake_inbox
from tests.federation_network.helpers import deliver, eventually, follow, set_member
from tests.nodes import bind_socket_to

RUNS = 20
EDITS = 5


class Clock:
    """The time the nodes see (`node.timeutil.now`): one second per edit, starting ten minutes ago."""

    def __init__(self) -> None:
        self.moment = datetime.now(timezone.utc) - timedelta(minutes=10)

    def __call__(self) -> datetime:
        return self.moment

    def tick(self) -> None:
        self.moment += timedelta(seconds=1)


async def settled(node) -> None:
    """The inbox queue is empty: this test sends the deliveries itself, in its own order, on a controlled clock."""
    await eventually(lambda: inbox_store.counts(node.store).get("queued", 0) == 0, timeout=10)


async def start_again(node) -> None:
    """The stopped node's process starts again on its port and data dir."""
    node.sock = bind_socket_to(node.config.port)
    node.runner = await start(load(node.config.data_dir, env={}), sock=node.sock)


async def test_five_edits_while_the_follower_is_down_end_with_the_newest_version(node_factory, monkeypatch) -> None:
    leader = await node_factory(name="Mutualab")
    follower = await node_factory(name="ESCO", country="BE", city="Tournai")
    await follow(follower, leader)
    clock = Clock()
    monkeypatch.setattr(timeutil, "now", clock)
    set_member(leader, "alice", display_name="Alice", visibility="public")
    alice = f"{leader.url}/@alice"
    await eventually(lambda: actors_store.get(follower.store, alice))
    for run in range(RUNS):
        # Given five edits of Alice's profile while the follower is down (its first attempts fail)
        await follower.stop()
        updates = []
        for edit in range(EDITS):
            clock.tick()
            set_member(leader, "alice", display_name=f"Alice r{run} v{edit}")
            updates.append(activities_store.page(leader.store, alice, public_only=True, limit=1, offset=0)[0]["id"])
        await leader.app[DELIVERY].run_once()
        pending = leader.store.conn.execute("SELECT activity_id FROM deliveries WHERE status = 'pending'").fetchall()
        assert [r[0] for r in pending] == updates[-1:]  # the queue coalesced them: only the newest is retried
        leader.store.conn.execute("DELETE FROM deliveries WHERE status = 'pending'")
        await start_again(follower)
        # When all five reach it anyway, in some order (as through a personal and a shared inbox, or
        # a sender that does not coalesce)
        for activity_id in random.Random(run).sample(updates, EDITS):
            assert (await deliver(leader, follower, activity_id)).status == 202
        await settled(follower)
        # Then it holds the newest version, and recorded the older ones as ignored
        assert actors_store.get(follower.store, alice)["name"] == f"Alice r{run} v{EDITS - 1}", f"run {run}"
    ignored = follower.store.conn.execute(
        "SELECT count(*) FROM inbox WHERE state = 'ignored' AND error LIKE 'older than%'").fetchone()[0]
    assert ignored > 0


async def test_an_update_without_updated_is_read_from_its_origin(node_factory) -> None:
    leader = await node_factory(name="Mutualab")
    follower = await node_factory(name="ESCO", country="BE", city="Tournai")
    await follow(follower, leader)
    set_member(leader, "alice", display_name="Alice", visibility="public")
    alice = f"{leader.url}/@alice"
    await eventually(lambda: actors_store.get(follower.store, alice))
    # Given the member's current name on her origin, and an Update that claims another without a time
    member = members_store.get_by_username(leader.store, "alice")
    members_store.update(leader.store, member["id"], display_name="Alice (current)")
    stale = dict(activities_store.page(leader.store, alice, public_only=True, limit=1, offset=0)[0]["document"])
    stale["id"] = f"{leader.url}/activities/undated"
    stale["object"] = {k: v for k, v in stale["object"].items() if k != "updated"} | {"name": "Alice (old copy)"}
    activities_store.insert(leader.store, {"id": stale["id"], "actor": alice, "type": "Update", "object_id": alice,
                                           "public": 1, "document": stale, "published": stale["published"]})
    # When it arrives
    assert (await deliver(leader, follower, stale["id"])).status == 202
    await settled(follower)
    # Then the follower read the profile from its origin instead
    assert actors_store.get(follower.store, alice)["name"] == "Alice (current)"


@pytest.fixture
async def fake():
    inbox = await start_fake_inbox()
    yield inbox
    await inbox.stop()


async def test_retries_send_only_the_newest_update_of_an_object(node, fake) -> None:
    # Given a follower whose server was down for five profile edits
    add_follower(node.store, f"{node.url}/", fake)
    fake.statuses = [503] * EDITS
    worker = node.app[DELIVERY]
    ids = []
    for edit in range(EDITS):
        node.store.conn.execute("UPDATE space SET name = ?", [f"Mutualab v{edit}"])
        ids.append(announce.space_changed(node.store, node.config))
        await worker.run_once()
    assert fake.attempts == EDITS
    # When the retries come due
    await worker.run_once(now=datetime.now(timezone.utc) + timedelta(hours=1))
    # Then only the newest went, and the older ones left the queue
    assert [a["id"] for a in fake.received] == [ids[-1]]
    rows = node.store.conn.execute("SELECT activity_id, status FROM deliveries").fetchall()
    assert [tuple(r) for r in rows] == [(ids[-1], "delivered")]


async def test_a_peer_event_keeps_its_newest_version_whatever_the_order_of_updates(node_factory, monkeypatch) -> None:
    esco = await node_factory(name="ESCO", slug="esco", country="BE", city="Tournai")
    mutualab = await node_factory(name="Mutualab")
    await follow(mutualab, esco)
    clock = Clock()
    monkeypatch.setattr(timeutil, "now", clock)
    start = (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%Y-%m-%dT18:00")
    end = start.replace("T18:00", "T21:00")
    event = events_service.create_event(esco.store, esco.config, {"name": {"fr": "Atelier"}, "start": start,
                                                                  "end": end, "timezone": "Europe/Brussels"}, by=None)
    esco.app[DELIVERY].wake()
    await eventually(lambda: events_store.get_by_ap_id(mutualab.store, event["ap_id"]))
    for run in range(RUNS // 4):
        # Given five edits of the event, each one an Update held back by the network
        updates = []
        await mutualab.stop()
        for edit in range(EDITS):
            clock.tick()
            events_service.update_event(esco.store, esco.config, event["uuid"], {"name": {"fr": f"Atelier r{run} v{edit}"}},
                                        by=None)
            updates.append(esco.store.conn.execute(
                "SELECT id FROM activities WHERE type = 'Update' ORDER BY published DESC, rowid DESC LIMIT 1").fetchone()[0])
        await esco.app[DELIVERY].run_once()  # the follower is down: the first attempts fail
        esco.store.conn.execute("DELETE FROM deliveries WHERE status = 'pending'")
        await start_again(mutualab)
        # When they reach the follower in some order
        for activity_id in random.Random(run).sample(updates, EDITS):
            assert (await deliver(esco, mutualab, activity_id)).status == 202
        await settled(mutualab)
        # Then its agenda shows the newest version
        copy = events_store.get_by_ap_id(mutualab.store, event["ap_id"])
        assert copy["name_map"]["fr"] == f"Atelier r{run} v{EDITS - 1}", f"run {run}"
