"""Helpers for multi-node tests: waiting for convergence, running CLI commands beside a serving node."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Awaitable, Callable

from federation.client import DeliveryResult, Signer
from node.appkeys import CLIENT
from node.cli import main
from node.services import announce, local_actors
from node.storage import activities as activities_store
from node.services.skills import load_skill_index
from node.storage import members as members_store


async def eventually(check: Callable[[], Any], timeout: float = 30.0, interval: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy; fail with the last value after `timeout` s.

    The timeout only bounds a failure: on two busy cores a federation round trip can take seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if isinstance(value, Awaitable):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(interval)


async def settled(*nodes, timeout: float = 60.0) -> None:
    """Wait until every background loop of every node is idle (node.workers.Worker.idle): inbox and
    delivery queues empty, no backfill or discovery running, the event re-announcer with nothing to say.

    All nodes of a test share one event loop, so one look sees them all at the same instant: a
    delivery in flight keeps its sender's worker busy until the receiver has stored it.
    Compare stored state only after this. The timeout is generous (a loaded machine is slow, not wrong):
    it catches a node that never settles; pytest-timeout catches a hang.
    """
    from node.appkeys import WORKERS

    await eventually(lambda: all(worker.idle() for node in nodes for worker in node.app[WORKERS].values()),
                     timeout=timeout, interval=0.02)


async def delivered(*nodes) -> None:
    """Settled, with every delivery sent: a retry a loaded machine scheduled for later (a timeout, a 503)
    is brought forward, as a controlled clock would, instead of being waited for."""
    from node.appkeys import DELIVERY

    while True:
        await settled(*nodes)
        late = [node for node in nodes
                if node.store.conn.execute("SELECT 1 FROM deliveries WHERE status = 'pending' LIMIT 1").fetchone()]
        if not late:
            return
        for node in late:
            node.store.conn.execute("UPDATE deliveries SET next_attempt_at = ? WHERE status = 'pending'",
                                    ["1970-01-01T00:00:00+00:00"])
            node.app[DELIVERY].wake()


async def cli(*args: str) -> int:
    """Run `coffee-node ...` in a thread (it has its own event loop and DB connection)."""
    return await asyncio.to_thread(main, list(args))


def handle(node) -> str:
    return f"acct:{node.config.slug}@{node.config.domain}"


async def follow(follower_node, followee_node) -> None:
    """The follower space follows the other by acct: through the CLI, and waits for the Accept."""
    assert await cli("follow", str(follower_node.config.data_dir), handle(followee_node)) == 0
    followee_id = f"{followee_node.url}/"
    await eventually(lambda: follower_node.store.db.execute(
        "SELECT 1 FROM follows WHERE followee = ? AND state = 'accepted'", [followee_id]).fetchone())


async def peer(a, b) -> None:
    """Make two spaces network peers: each follows the other (see node.services.publication.is_network_peer)."""
    await follow(a, b)
    await follow(b, a)


def set_member(node, username: str, **fields: Any) -> dict:
    """Create or change a member through storage and publish what it means, as the services do."""
    before = members_store.get_by_username(node.store, username)
    if before is None:
        after = members_store.insert(node.store, username=username, display_name=fields.pop("display_name", username),
                                     status="active", **fields)
    else:
        after = members_store.update(node.store, before["id"], **fields)
    announce.member_changed(node.store, node.config, before, after, load_skill_index().label)
    from node.appkeys import DELIVERY
    node.app[DELIVERY].wake()
    return after


async def deliver(sender, receiver, activity_id: str) -> DeliveryResult:
    """What the sender's delivery worker does for one stored activity: sign now, POST to the shared inbox."""
    row = activities_store.get(sender.store, activity_id)
    actor = row["actor"]
    signer = Signer(key_id=actor + local_actors.KEY_FRAGMENT,
                    private_key=local_actors.private_key_for(sender.store, sender.config, actor))
    return await sender.app[CLIENT].post_activity(f"{receiver.url}/inbox", json.dumps(row["document"]).encode(),
                                                  signer=signer)
