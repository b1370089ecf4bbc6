"""Durable delivery: retries with backoff, no retry on 410, survival across kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest

from node.appkeys import DELIVERY
from node.services import announce
from node.services import follows as follows_service
from node.storage import actors as actors_store
from node.storage import follows as follows_store
from node.storage import deliveries as deliveries_store
from node.storage.db import connect
from node.services.setup import init_node
from tests.federation_network.fake_inbox import add_follower, start_fake_inbox
from tests.federation_network.helpers import eventually, set_member
from tests.nodes import bind_socket


@pytest.fixture
async def fake():
    inbox = await start_fake_inbox()
    yield inbox
    await inbox.stop()


def statuses(store) -> list[tuple[str, int, int | None]]:
    return [tuple(r) for r in store.conn.execute("SELECT status, attempts, last_status FROM deliveries ORDER BY id")]


async def test_500_then_200_is_delivered_after_a_retry(node, fake) -> None:
    # Given a follower whose server fails once
    add_follower(node.store, f"{node.url}/", fake)
    fake.statuses = [500]
    worker = node.app[DELIVERY]
    # When the space's profile changes
    activity_id = announce.space_changed(node.store, node.config)
    await worker.run_once()
    # Then the delivery is pending with its error, to retry later
    assert statuses(node.store) == [("pending", 1, 500)]
    assert fake.received == []
    # When the retry time comes
    await worker.run_once(now=datetime.now(timezone.utc) + timedelta(minutes=5))
    # Then it arrives
    assert statuses(node.store) == [("delivered", 2, 202)]
    assert [a["id"] for a in fake.received] == [activity_id]


async def test_410_is_not_retried(node, fake) -> None:
    add_follower(node.store, f"{node.url}/", fake)
    fake.statuses = [410]
    worker = node.app[DELIVERY]
    announce.space_changed(node.store, node.config)
    await worker.run_once()
    await worker.run_once(now=datetime.now(timezone.utc) + timedelta(days=3))
    assert statuses(node.store) == [("failed", 1, 410)]
    assert fake.attempts == 1


async def test_retry_after_is_honoured_on_429(node, fake) -> None:
    add_follower(node.store, f"{node.url}/", fake)
    fake.statuses, fake.headers = [429], {"Retry-After": "120"}
    worker = node.app[DELIVERY]
    announce.space_changed(node.store, node.config)
    await worker.run_once()
    due = node.store.conn.execute("SELECT next_attempt_at FROM deliveries").fetchone()[0]
    delay = datetime.fromisoformat(due) - datetime.now(timezone.utc)
    assert timedelta(seconds=100) < delay <= timedelta(seconds=121)
    await worker.run_once(now=datetime.now(timezone.utc) + timedelta(seconds=60))
    assert fake.attempts == 1  # not before its time


async def test_shared_inboxes_are_deduplicated_and_we_never_deliver_to_ourselves(node, fake) -> None:
    add_follower(node.store, f"{node.url}/", fake, "a")
    twin = fake.actor_row("twin")
    actors_store.upsert(node.store, twin)
    follows_store.put(node.store, twin["id"], f"{node.url}/", f"{fake.base}/follows/twin", "accepted")
    follows_store.put(node.store, f"{node.url}/@someone", f"{node.url}/", f"{node.url}/f/1", "accepted")
    announce.space_changed(node.store, node.config)
    inboxes = [r[0] for r in node.store.conn.execute("SELECT inbox FROM deliveries")]
    assert inboxes == [f"{fake.base}/inbox"]


async def test_public_and_followers_activities_go_to_shared_inboxes_the_others_to_personal_ones(node, fake) -> None:
    # Given two actors of one server: "follower" follows the space; "twin" asks to, and waits for an answer
    space = f"{node.url}/"
    add_follower(node.store, space, fake)
    actors_store.upsert(node.store, fake.actor_row("twin"))
    twin = fake.actor_row("twin")["id"]
    asking = follows_store.put(node.store, twin, space, f"{twin}/follows/1", "pending")

    # When the space publishes to the public, follows "follower" back (which accepts: the two spaces
    # are now each other's network), publishes a network-only member to followers only,
    # and answers twin's Follow
    public = announce.space_changed(node.store, node.config)
    back = follows_service.follow(node.store, node.config, space, actors_store.get(node.store, fake.actor))
    follows_store.set_state(node.store, back["id"], "accepted")
    set_member(node, "bram", visibility="network")
    follows_service.answer(node.store, node.config, asking, accept=True)
    node.app[DELIVERY].wake()  # set_member woke the worker too: wait for it to settle rather than race it
    await eventually(lambda: statuses(node.store) and all(status == "delivered" for status, *_ in statuses(node.store)))

    # Then the first two reach the shared inbox once; the Accept and the Follow, each actor's own inbox
    where = {(activity["type"], inbox) for inbox, activity in fake.arrivals}
    assert where == {
        ("Update", fake.shared_inbox), ("Create", fake.shared_inbox),
        ("Accept", f"{twin}/inbox"), ("Follow", f"{fake.actor}/inbox"),
    }
    assert len(fake.arrivals) == 4
    assert public in {activity["id"] for inbox, activity in fake.arrivals if inbox == fake.shared_inbox}


async def test_pending_deliveries_survive_kill_9(tmp_path, fake) -> None:
    # Given a node process with a follower whose server is down (503, retry in 1 s)
    sock = bind_socket()
    port = sock.getsockname()[1]
    sock.close()
    data = tmp_path / "node"
    config = init_node(data, url=f"http://127.0.0.1:{port}", name="Mutualab", country="FR", city="Lille",
                       allow_private_network=True, port=port)
    store = connect(config.db_path)
    add_follower(store, f"{config.url}/", fake)
    fake.statuses, fake.headers = [503] * 1000, {"Retry-After": "1"}
    env = os.environ | {"COFFEE_LOG_FORMAT": "text"}

    async def start():
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "node", "serve", str(data), env=env,
                                                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        async with aiohttp.ClientSession() as http:
            async def up():
                try:
                    async with http.get(f"{config.url}/healthz") as resp:
                        return resp.status == 200
                except aiohttp.ClientError:
                    return False
            await eventually(up)
        return proc

    proc = await start()
    activity_id = announce.space_changed(store, config)  # written by another process, as the CLI does
    await eventually(lambda: fake.attempts >= 1)
    # When the node is killed with the delivery still pending
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    assert deliveries_store.count_by_status(store) == {"pending": 1}
    # And restarted once the follower's server is back
    fake.statuses = []
    proc = await start()
    try:
        # Then the activity is delivered
        await eventually(lambda: fake.received)
        assert [a["id"] for a in fake.received] == [activity_id]
        await eventually(lambda: deliveries_store.count_by_status(store) == {"delivered": 1})
    finally:
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
        store.close()
