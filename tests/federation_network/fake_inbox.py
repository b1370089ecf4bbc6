"""A follower's server reduced to its inbox: answers with scripted statuses, records what arrived."""

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
    attempts: int = 0
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def actor(self) -> str:
        return f"{self.base}/users/follower"

    def actor_row(self) -> dict[str, Any]:
        doc = {"@context": COFFEE_CONTEXT, "id": self.actor, "type": "Organization", "inbox": f"{self.base}/inbox",
               "publicKey": {"id": f"{self.actor}#k", "owner": self.actor, "publicKeyPem": keys.public_pem(keys.generate_rsa(1024))}}
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
            fake.received.append(json.loads(await request.read()))
        return web.Response(status=status, headers=fake.headers if status in (429, 503) else None)

    app.router.add_post("/inbox", inbox)
    await fake.runner.setup()
    await web.SockSite(fake.runner, sock).start()
    return fake


def add_follower(store, space_id: str, fake: FakeInbox, name: str = "f") -> None:
    """Given: the fake server's actor follows the space (as if it had sent Follow and we accepted)."""
    from node.storage import actors as actors_store
    from node.storage import follows as follows_store

    actors_store.upsert(store, fake.actor_row())
    follows_store.put(store, fake.actor, space_id, f"{fake.actor}/follows/{name}", "accepted")
