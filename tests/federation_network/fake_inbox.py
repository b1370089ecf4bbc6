"""A follower's server reduced to its inboxes: answers with scripted statuses, records what arrived where.

Its actors have their own inbox (`/users/NAME/inbox`) and share the server's (`/inbox`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from federation import keys
from federation.jsonld import COFFEE_CONTEXT
from tests.nodes import bind_socket


@dataclass
class FakeInbox:
    base: str
    runner: web.AppRunner
    statuses: list[int] = field(default_factory=list)   # answers to give, in order; then 202
    received: list[dict[str, Any]] = field(default_factory=list)
    arrivals: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (inbox URL, activity)
    attempts: int = 0
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def actor(self) -> str:
        return f"{self.base}/users/follower"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    def actor_row(self, name: str = "follower") -> dict[str, Any]:
        actor = f"{self.base}/users/{name}"
        doc = {"@context": COFFEE_CONTEXT, "id": actor, "type": "Organization", "inbox": f"{actor}/inbox",
               "endpoints": {"sharedInbox": self.shared_inbox},
               "publicKey": {"id": f"{actor}#k", "owner": actor, "publicKeyPem": keys.public_pem(keys.generate_rsa(1024))}}
        from node.services.remote_actors import actor_row

        return actor_row(doc)

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_fake_inbox() -> FakeInbox:
    sock = bind_socket()
    app = web.Application()
    fake = FakeInbox(base=f"http://127.0.0.1:{sock.getsockname()[1]}", runner=web.AppRunner(app))

    async def inbox(request: web.Request) -> web.Response:
        fake.attempts += 1
        status = fake.statuses.pop(0) if fake.statuses else 202
        if status < 300:
            activity = json.loads(await request.read())
            fake.received.append(activity)
            fake.arrivals.append((f"{fake.base}{request.path}", activity))
        return web.Response(status=status, headers=fake.headers if status in (429, 503) else None)

    app.router.add_post("/inbox", inbox)
    app.router.add_post("/users/{name}/inbox", inbox)
    await fake.runner.setup()
    await web.SockSite(fake.runner, sock).start()
    return fake


def add_follower(store, space_id: str, fake: FakeInbox, name: str = "f") -> None:
    """Given: the fake server's actor follows the space (as if it had sent Follow and we accepted)."""
    from node.storage import actors as actors_store
    from node.storage import follows as follows_store

    actors_store.upsert(store, fake.actor_row())
    follows_store.put(store, fake.actor, space_id, f"{fake.actor}/follows/{name}", "accepted")
