"""Backfill against a hostile or broken space: loops, huge and slow pages, foreign and malformed items.

The "space" is a small aiohttp server on 127.0.0.1 that a real node follows (the follow
row is written directly: these tests are about reading its members collection).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from federation.jsonld import COFFEE_CONTEXT
from node.appkeys import BACKFILL, CONFIG, FETCH
from node.services import backfill
from node.federation_runtime import federation_client
from node.services.remote_actors import remember
from node.storage import catalogue as catalogue_store
from node.storage import db
from node.storage import follows as follows_store
from tests.federation_network.helpers import eventually, set_member
from tests.nodes import bind_socket

AP = "application/activity+json"


@dataclass
class HostileSpace:
    """Serves a space actor, its members collection (pages scripted by the test) and member documents."""

    base: str = ""
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # path?query -> page document
    delays: dict[str, float] = field(default_factory=dict)  # path?query -> seconds before answering
    gates: dict[str, asyncio.Event] = field(default_factory=dict)  # path?query -> answered once the event is set
    huge: set[str] = field(default_factory=set)  # path?query answered with 5 MB
    down: set[str] = field(default_factory=set)  # path?query answered 503
    hits: list[str] = field(default_factory=list)
    runner: web.AppRunner | None = None

    @property
    def space_id(self) -> str:
        return f"{self.base}/"

    def person(self, name: str, **fields: Any) -> dict[str, Any]:
        actor = f"{self.base}/@{name}"
        return {"@context": COFFEE_CONTEXT, "id": actor, "type": "Person", "preferredUsername": name, "name": name.title(),
                "inbox": f"{actor}/inbox", "discoverable": True, "indexable": True, "memberOf": self.space_id} | fields

    def page(self, number: int, items: list[Any], next_page: int | None) -> None:
        doc = {"@context": COFFEE_CONTEXT, "id": f"{self.base}/members?page={number}", "type": "OrderedCollectionPage",
               "orderedItems": items}
        if next_page is not None:
            doc["next"] = f"{self.base}/members?page={next_page}"
        self.pages[f"/members?page={number}"] = doc

    async def handle(self, request: web.Request) -> web.StreamResponse:
        key = request.path_qs
        self.hits.append(key)
        await asyncio.sleep(self.delays.get(key, 0))
        if key in self.gates:
            await self.gates[key].wait()
        if key in self.huge:
            return web.Response(body=b'{"id": "' + b"x" * 5_000_000 + b'"}', content_type=AP)
        if key in self.down:
            raise web.HTTPServiceUnavailable()
        if key == "/":
            doc = {"@context": COFFEE_CONTEXT, "id": self.space_id, "type": "Organization", "name": "Hostile Hub",
                   "inbox": f"{self.base}/inbox", "outbox": f"{self.base}/outbox", "members": f"{self.base}/members",
                   "country": "BE"}
        elif key == "/members":
            doc = {"@context": COFFEE_CONTEXT, "id": f"{self.base}/members", "type": "OrderedCollection",
                   "first": f"{self.base}/members?page=1"}
        elif key in self.pages:
            doc = self.pages[key]
        elif key.startswith("/@"):
            doc = self.person(key[2:])
            if key == "/@elsewhere":
                doc["memberOf"] = "https://other.example/"
            if key == "/@shy":
                doc["discoverable"] = False
        else:
            raise web.HTTPNotFound()
        return web.json_response(doc, content_type=AP)


async def hostile_space(node) -> HostileSpace:
    """Start the server and make `node` follow it (accepted)."""
    space = HostileSpace()
    app = web.Application()
    app.router.add_get("/{tail:.*}", space.handle)
    space.runner = web.AppRunner(app, shutdown_timeout=0.1)  # do not wait for the slow answers
    await space.runner.setup()
    sock = bind_socket()
    space.base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    await web.SockSite(space.runner, sock).start()
    remember(node.store, {"id": space.space_id, "type": "Organization", "name": "Hostile Hub",
                          "inbox": f"{space.base}/inbox", "country": "BE"})
    follows_store.put(node.store, f"{node.url}/", space.space_id, f"{node.url}/follows/hostile", "accepted")
    return space


async def run_job(node, space: HostileSpace, limits: backfill.Limits = backfill.DEFAULT_LIMITS) -> dict[str, Any]:
    """Queue and run the space's job here (claimed at once, so the node's own worker leaves it alone)."""
    job = backfill.restart(node.store, space.space_id, limits)
    assert job is not None
    return await backfill.run(node.store, node.app[CONFIG], node.app[FETCH], job, limits=limits)


def people(node, space: HostileSpace) -> set[str]:
    rows = node.store.conn.execute("SELECT actor_id FROM catalogue WHERE space_id = ?", [space.space_id])
    return {row[0] for row in rows}


async def test_looping_next_foreign_and_malformed_items(node_factory) -> None:
    lille = await node_factory()
    victim = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    set_member(victim, "claire", visibility="public")
    space = await hostile_space(lille)
    try:
        foreign = f"{victim.url}/@claire"  # someone else's member, claimed as one of ours
        space.page(1, [f"{space.base}/@ana", foreign, 42, {"no": "type"}, f"{space.base}/@elsewhere"], next_page=2)
        space.page(2, [{"type": "Person", "id": f"{space.base}/@ben"}, f"{space.base}/@shy",
                       {"type": "Follow", "id": f"{space.base}/f/1"}], next_page=1)  # loops back to page 1
        job = await run_job(lille, space)
    finally:
        await space.runner.cleanup()
    assert job["state"] == "done" and "loops" in job["error"] and job["pages_done"] == 2
    assert job["items_done"] == 2 and job["items_rejected"] == 4  # foreign, 42, untyped dict, member of another space
    assert people(lille, space) == {f"{space.base}/@ana", f"{space.base}/@ben"}
    assert catalogue_store.get(lille.store, foreign) is None
    assert catalogue_store.get(lille.store, f"{space.base}/@ana")["space_name"] == "Hostile Hub"


async def test_huge_and_slow_pages_fail_in_bounded_time_and_keep_what_was_read(node_factory) -> None:
    lille = await node_factory()
    space = await hostile_space(lille)
    try:
        space.page(1, [f"{space.base}/@ana"], next_page=2)
        space.huge.add("/members?page=2")
        job = await run_job(lille, space)
        assert job["state"] == "failed" and "exceeds" in job["error"] and job["next_url"].endswith("page=2")
        assert people(lille, space) == {f"{space.base}/@ana"}

        space.huge.clear()
        never = space.gates["/members?page=2"] = asyncio.Event()  # page 2 does not answer during this test
        limits = backfill.Limits(run_seconds=2)
        asked = space.hits.count("/members?page=2")
        running = asyncio.create_task(run_job(lille, space, limits))
        await eventually(lambda: space.hits.count("/members?page=2") > asked)  # the walk waits for the silent page
        async with lille.client().get("/healthz") as resp:  # the node keeps serving meanwhile
            assert resp.status == 200
        assert not running.done()
        job = await running  # page 1 read, page 2 silent: paused where it was
        assert job["state"] == "queued" and job["pages_done"] == 1 and job["next_url"].endswith("page=2")
        job = await backfill.run(lille.store, lille.app[CONFIG], lille.app[FETCH],
                                 backfill.claim(lille.store, limits, space.space_id), limits=limits)
        assert job["state"] == "failed" and "not one page" in job["error"]
        assert not never.is_set()  # the run limit ended both runs, not an answer (pytest-timeout bounds the rest)
    finally:
        await space.runner.cleanup()
    assert people(lille, space) == {f"{space.base}/@ana"}


async def test_paused_job_resumes_after_a_restart(node_factory) -> None:
    lille = await node_factory()
    space = await hostile_space(lille)
    try:
        for number in range(1, 6):
            space.page(number, [f"{space.base}/@p{number}"], next_page=number + 1 if number < 5 else None)
        gate = space.gates["/members?page=3"] = asyncio.Event()  # page 3 answers once the gate opens
        await lille.stop()  # a CLI run while the node is down (its worker cannot take the job up early)
        store = db.connect(lille.config.db_path)
        limits = backfill.Limits(run_seconds=2.0)
        async with federation_client(store, lille.config) as (_client, fetch):
            job = await backfill.run(store, lille.config, fetch, backfill.restart(store, space.space_id, limits),
                                     limits=limits)
        store.close()
        assert (job["state"], job["pages_done"]) == ("queued", 2) and job["next_url"].endswith("page=3")
        gate.set()
        await lille.start_again()  # the node's worker takes the job up from `next_url`
        await eventually(lambda: (catalogue_store.job(lille.store, space.space_id) or {}).get("state") == "done")
    finally:
        await space.runner.cleanup()
    job = catalogue_store.job(lille.store, space.space_id)
    assert job["pages_done"] == 5 and job["items_done"] == 5 and job["error"] is None
    assert space.hits.count("/members?page=1") == 1  # the resumed walk did not start over
    assert len(people(lille, space)) == 5


async def test_a_failed_walk_is_tried_again_on_its_own_where_it_stopped(node_factory) -> None:
    lille = await node_factory()
    space = await hostile_space(lille)
    try:
        space.page(1, [f"{space.base}/@ana"], next_page=2)
        space.page(2, [f"{space.base}/@ben"], next_page=None)
        space.down.add("/members?page=2")  # the space's server falls over in the middle of the walk
        job = await run_job(lille, space)
        assert (job["state"], job["attempts"], job["next_url"]) == ("failed", 1, f"{space.base}/members?page=2")
        wait = datetime.fromisoformat(job["retry_at"]) - datetime.now(timezone.utc)
        assert timedelta(minutes=4) < wait <= timedelta(minutes=5)
        assert backfill.claim(lille.store) is None  # not before its time

        space.down.clear()  # it is back; the planned time comes (moved forward here, not waited for)
        lille.store.conn.execute("UPDATE backfill_jobs SET retry_at = ? WHERE space_id = ?",
                                 [(datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat(timespec="seconds"),
                                  space.space_id])
        lille.app[BACKFILL].wake()
        job = await eventually(lambda: (lambda j: j if j["state"] == "done" else None)(
            catalogue_store.job(lille.store, space.space_id)))
    finally:
        await space.runner.cleanup()
    assert (job["attempts"], job["retry_at"], job["error"]) == (0, None, None)
    assert space.hits.count("/members?page=1") == 1  # resumed at page 2
    assert people(lille, space) == {f"{space.base}/@ana", f"{space.base}/@ben"}


def test_retries_stop_after_about_three_days() -> None:
    planned = [backfill.retry_time(attempt) for attempt in range(1, 10)]
    assert all(planned[:7]) and planned[7:] == [None, None]
    assert sum(backfill.RETRY_DELAYS, timedelta()) < timedelta(days=3, hours=1)
