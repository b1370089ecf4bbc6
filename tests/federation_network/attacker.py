"""A hostile server for inbox tests: real keys, real actor documents, forged claims.

Mallory runs her own ActivityPub server on 127.0.0.1 (so her signatures verify)
and tries to make a Coffee node believe things she does not own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web

from federation import httpsig, keys
from federation.jsonld import COFFEE_CONTEXT
from tests.nodes import bind_socket


@dataclass
class Attacker:
    base: str
    runner: web.AppRunner
    key: Any = field(default_factory=keys.generate_rsa)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    content_type: str = "application/activity+json"  # what documents are served as
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location
    last_answer: str = ""  # the body of the last answer to `post`

    @property
    def actor(self) -> str:
        return f"{self.base}/users/mallory"

    @property
    def key_id(self) -> str:
        return f"{self.actor}#main-key"

    def actor_document(self, **overrides: Any) -> dict[str, Any]:
        doc = {"@context": COFFEE_CONTEXT, "id": self.actor, "type": "Person", "preferredUsername": "mallory",
               "name": "Mallory", "inbox": f"{self.actor}/inbox",
               "publicKey": {"id": self.key_id, "owner": self.actor, "publicKeyPem": keys.public_pem(self.key)}}
        return doc | overrides

    async def post(self, inbox: str, activity: dict[str, Any], *, key_id: str | None = None, key: Any = None,
                   body: bytes | None = None, headers: dict[str, str] | None = None,
                   now: datetime | None = None, tamper: bool = False) -> int:
        """Sign and POST; `tamper` alters the body after signing."""
        payload = body if body is not None else json.dumps(activity).encode()
        signed = httpsig.sign_request("POST", inbox, {"Content-Type": "application/activity+json", **(headers or {})},
                                      payload, key_id=key_id or self.key_id, private_key=key or self.key, now=now)
        if tamper:
            payload = payload.replace(b"Mallory", b"Mallorx")
        async with aiohttp.ClientSession() as http:
            async with http.post(inbox, data=payload, headers=signed) as resp:
                self.last_answer = await resp.text()
                return resp.status

    async def get(self, url: str) -> tuple[int, Any]:
        """A signed GET, as a server fetching a document: (status, JSON body or None)."""
        signed = httpsig.sign_request("GET", url, {"Accept": "application/activity+json"}, None,
                                      key_id=self.key_id, private_key=self.key)
        async with aiohttp.ClientSession() as http:
            async with http.get(url, headers=signed) as resp:
                return resp.status, await resp.json(content_type=None) if resp.status == 200 else None

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_attacker() -> Attacker:
    sock = bind_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = web.Application()
    attacker = Attacker(base=base, runner=web.AppRunner(app))

    async def serve(request: web.Request) -> web.Response:
        """Documents by path under `attacker.base` (which a test may point at another host name)."""
        attacker.hits.append(request.path)
        if request.path in attacker.redirects:
            raise web.HTTPFound(attacker.redirects[request.path])
        url = f"{attacker.base}{request.path}"
        document = attacker.documents.get(url) or (attacker.actor_document() if url == attacker.actor else None)
        if document is None:
            raise web.HTTPNotFound()
        return web.Response(text=json.dumps(document), headers={"Content-Type": attacker.content_type})

    app.router.add_get("/{tail:.*}", serve)
    await attacker.runner.setup()
    await web.SockSite(attacker.runner, sock).start()
    return attacker
