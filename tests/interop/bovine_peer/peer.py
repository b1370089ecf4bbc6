"""A second independent ActivityPub peer, built on bovine (Python), for Coffee's interop tests.

Runs in its own virtualenv (`.venv` here, from `requirements.txt`, made by
`tests/setup_tools.sh`): bovine pins versions of cryptography and pyld that Coffee does not
use, and a peer should not share its libraries with the server it checks.

Everything federated goes through bovine: actor and activity documents are built with its
factories, requests are signed by its HTTP client (draft-cavage, `Digest`), inbound
signatures are checked by its `SignatureChecker`, actors and objects are read by its
parser (`bovine.parse`, which compacts with bovine's own JSON-LD context), WebFinger is its
client. The glue (an aiohttp server, a control API) is all that is written here.

    python peer.py --host 127.0.0.1 --port 0 --username peer

prints one JSON line when listening (`{"ready": true, "port", "url", "actor", "version"}`)
and logs one line per event on stderr. Control API under `/_control/` (plain JSON): `health`,
`follow`, `unfollow`, `lookup`, `send`, `inbox`, `state`, `reset` (see README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import socket
import sys
import uuid
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

import bovine.jsonld
from bovine.activitystreams import Actor as ActorBuilder
from bovine.activitystreams.activity_factory import ActivityFactory
from bovine.activitystreams.object_factory import ObjectFactory
from bovine.clients import lookup_uri_with_webfinger
from bovine.clients.signed_http import SignedHttpClient
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.types import CryptographicIdentifier
from bovine.parse import Activity, Actor, Object
from bovine.types import Visibility

log = logging.getLogger("bovine-peer")
AP_JSON = "application/activity+json"
SECURITY_V1 = Path(__file__).resolve().parents[3] / "schemas" / "security-v1.jsonld"


def offline_contexts() -> None:
    """bovine fetches JSON-LD contexts it does not bundle; CI has no internet, so the one our
    documents use besides AS2 (security v1, vendored in schemas/) goes into bovine's cache."""
    context = json.loads(SECURITY_V1.read_text(encoding="utf-8"))["@context"]
    for url in ("https://w3id.org/security/v1", "https://w3id.org/security/v1.jsonld"):
        if bovine.jsonld.jsonld_cache.retrieve(url) is None:
            bovine.jsonld.jsonld_cache.add(url, context)


class Peer:
    """One actor, its followers and follows, and what arrived at its inboxes."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.actor_id = f"{base}/users/{username}"
        self.key_id = f"{self.actor_id}#main-key"
        self.public_pem, self.private_pem = generate_rsa_public_private_key()
        self.document = ActorBuilder(
            id=self.actor_id, type="Person", preferred_username=username, name=f"Bovine {username}",
            inbox=f"{self.actor_id}/inbox", outbox=f"{self.actor_id}/outbox",
            followers=f"{self.actor_id}/followers", following=f"{self.actor_id}/following",
            public_key=self.public_pem, public_key_name="main-key",
            properties={"endpoints": {"sharedInbox": f"{base}/inbox"}},
        ).build(visibility=Visibility.OWNER)
        self.activities = ActivityFactory(self.document, id_generator=lambda: self.new_id("activities"))
        self.objects = ObjectFactory(self.document, id_generator=lambda: self.new_id("objects"))
        self.served: dict[str, dict[str, Any]] = {}      # our activities and objects, by id
        self.followers: dict[str, str] = {}               # follower -> its inbox
        self.following: dict[str, dict[str, Any]] = {}   # followee -> {"state", "follow"}
        self.received: list[dict[str, Any]] = []          # verified inbound activities
        self.requests: list[dict[str, Any]] = []          # federated requests answered
        self.session: aiohttp.ClientSession | None = None
        self.client: SignedHttpClient | None = None
        self.verify = build_validate_http_signature_raw(self.retrieve_key)
        self.reactions: set[asyncio.Task[None]] = set()  # answers run after the 202, kept until done

    def new_id(self, kind: str) -> str:
        return f"{self.base}/{kind}/{uuid.uuid4()}"

    # -- outgoing ---------------------------------------------------------------------------

    async def fetch(self, url: str) -> dict[str, Any]:
        """A signed GET (bovine signs it with our key)."""
        assert self.client is not None
        response = await self.client.get(url, headers={"accept": AP_JSON})
        async with response:
            if response.status != 200:
                raise LookupError(f"GET {url}: {response.status}")
            return json.loads(await response.text())

    async def actor(self, target: str) -> Actor:
        """An actor read with bovine's parser, from an actor URL or an acct: handle (WebFinger)."""
        if target.startswith("acct:"):
            host = target.rsplit("@", 1)[1]
            found, _ = await lookup_uri_with_webfinger(self.session, target, domain=f"http://{host}")
            if found is None:
                raise LookupError(f"WebFinger found nothing for {target}")
            target = found
        return Actor(await self.fetch(target), domain=urlsplit(target).netloc)

    async def deliver(self, inbox: str, activity: dict[str, Any]) -> int:
        assert self.client is not None
        self.served[activity["id"]] = activity
        response = await self.client.post(inbox, json.dumps(activity))
        async with response:
            log.info("deliver %s %s -> %s: %s", activity["type"], activity["id"], inbox, response.status)
            return response.status

    # -- incoming -----------------------------------------------------------------------------

    async def retrieve_key(self, key_id: str) -> CryptographicIdentifier | None:
        """bovine's SignatureChecker asks for the key: read the owner's actor with bovine."""
        try:
            actor = Actor(await self.fetch(key_id.split("#", 1)[0]), domain=urlsplit(key_id).netloc)
        except (LookupError, ValueError, aiohttp.ClientError) as exc:
            log.info("key %s not found: %s", key_id, exc)
            return None
        pem = actor.publicKeyPem(key_id)
        return CryptographicIdentifier.from_pem(pem, actor.id) if pem else None

    async def inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        owner = await self.verify(request.method, str(request.url), request.headers, request.read)
        entry = {"method": "POST", "path": request.path, "status": 202 if owner else 401}
        self.requests.append(entry)
        if not owner:
            log.info("inbox %s: signature not verified", request.path)
            return web.json_response({"error": "signature"}, status=401)
        raw = json.loads(body)
        try:
            activity = Activity(raw, domain=urlsplit(owner).netloc)
            actor = activity.actor_id
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        if actor != owner:
            return web.json_response({"error": f"signed by {owner}, actor {actor}"}, status=403)
        obj = raw.get("object")
        self.received.append({
            "type": raw.get("type"), "id": raw.get("id"), "actor": actor, "inbox": f"{self.base}{request.path}",
            "object": {"id": activity.object_id, "type": obj.get("type") if isinstance(obj, dict) else None},
            "signer": owner, "raw": raw,
        })
        log.info("inbox %s: %s %s from %s", request.path, raw.get("type"), raw.get("id"), actor)
        task = asyncio.get_running_loop().create_task(self.react(raw, actor))
        self.reactions.add(task)
        task.add_done_callback(self.reacted)
        return web.Response(status=202)

    def reacted(self, task: asyncio.Task[None]) -> None:
        self.reactions.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("reaction failed: %r", task.exception())

    async def react(self, raw: dict[str, Any], actor: str) -> None:
        """Accept every Follow; note Accepts, Rejects and Undos of Follows."""
        kind, object_id = raw.get("type"), Activity(raw, domain=urlsplit(actor).netloc).object_id
        if kind == "Follow" and object_id == self.actor_id:
            follower = await self.actor(actor)
            self.followers[actor] = follower.data["inbox"]
            await self.deliver(follower.data["inbox"], self.activities.accept(raw).build())
        elif kind in ("Accept", "Reject"):
            for followee, row in self.following.items():
                if followee == actor and row["follow"]["id"] == object_id:
                    row["state"] = "accepted" if kind == "Accept" else "rejected"
        elif kind == "Undo":
            self.followers.pop(actor, None)


def control_routes(peer: Peer) -> list[web.RouteDef]:
    async def body(request: web.Request) -> dict[str, Any]:
        return await request.json() if request.can_read_body else {}

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "actor": peer.actor_id, "version": version("bovine")})

    async def follow(request: web.Request) -> web.Response:
        target = await peer.actor((await body(request))["target"])
        activity = peer.activities.follow(target.id).build()
        peer.following[target.id] = {"state": "pending", "follow": activity}
        status = await peer.deliver(target.data["inbox"], activity)
        return web.json_response({"followed": target.id, "inbox": target.data["inbox"],
                                  "activity": activity["id"], "status": status})

    async def unfollow(request: web.Request) -> web.Response:
        target = await peer.actor((await body(request))["target"])
        row = peer.following.pop(target.id)
        undo = peer.activities.undo(row["follow"]).build()  # bovine names the Follow by its id
        status = await peer.deliver(target.data["inbox"], undo)
        return web.json_response({"sent": undo["id"], "activity": undo, "status": status})

    async def lookup(request: web.Request) -> web.Response:
        """What bovine's parser makes of a document: an actor (with its keys) or another object."""
        uri = (await body(request))["uri"]
        try:
            if uri.startswith("acct:"):
                parsed: Object | Actor = await peer.actor(uri)
            else:
                doc = await peer.fetch(uri)
                kind = doc.get("type")
                is_actor = kind in ("Person", "Organization", "Application", "Group", "Service")
                parsed = (Actor if is_actor else Object)(doc, domain=urlsplit(uri).netloc)
        except (LookupError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=422)
        data = parsed.data
        summary = {"id": data.get("id"), "type": data.get("type"), "data": data}
        if isinstance(parsed, Actor):
            summary["keys"] = [{"id": key.id, "controller": key.controller}
                               for key in parsed.cryptographic_identifiers]
            summary["acct"] = parsed.unvalidated_acct_uri
        else:
            summary["attributedTo"] = parsed.attributed_to_id
        return web.json_response(summary)

    async def send(request: web.Request) -> web.Response:
        """Create(Note) to one actor, to its own inbox."""
        given = await body(request)
        target = await peer.actor(given["to"])
        note = peer.objects.note(content=given["content"], to={target.id}).build()
        peer.served[note["id"]] = note
        activity = peer.activities.create(note).build()
        status = await peer.deliver(target.data["inbox"], activity)
        return web.json_response({"sent": activity["id"], "object": note["id"], "status": status})

    async def inbox(request: web.Request) -> web.Response:
        return web.json_response(peer.received)

    async def state(request: web.Request) -> web.Response:
        return web.json_response({"followers": sorted(peer.followers),
                                  "following": {k: v["state"] for k, v in peer.following.items()},
                                  "requests": peer.requests})

    async def reset(request: web.Request) -> web.Response:
        peer.received.clear()
        peer.requests.clear()
        return web.json_response({"ok": True})

    return [web.get("/_control/health", health), web.post("/_control/follow", follow),
            web.post("/_control/unfollow", unfollow), web.post("/_control/lookup", lookup),
            web.post("/_control/send", send), web.get("/_control/inbox", inbox),
            web.get("/_control/state", state), web.post("/_control/reset", reset)]


def federation_routes(peer: Peer, username: str) -> list[web.RouteDef]:
    def ap(doc: dict[str, Any]) -> web.Response:
        return web.json_response(doc, content_type=AP_JSON)

    async def actor(request: web.Request) -> web.Response:
        return ap(peer.document)

    async def served(request: web.Request) -> web.Response:
        doc = peer.served.get(f"{peer.base}{request.path}")
        if doc is None:
            raise web.HTTPNotFound()
        return ap(doc)

    async def collection(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        items = sorted(peer.followers) if name == "followers" else []
        return ap({"@context": "https://www.w3.org/ns/activitystreams", "id": f"{peer.actor_id}/{name}",
                   "type": "OrderedCollection", "totalItems": len(items), "orderedItems": items})

    async def webfinger(request: web.Request) -> web.Response:
        host = urlsplit(peer.base).netloc
        if request.query.get("resource") != f"acct:{username}@{host}":
            raise web.HTTPNotFound()
        return web.json_response({"subject": f"acct:{username}@{host}", "links": [
            {"rel": "self", "type": AP_JSON, "href": peer.actor_id}]}, content_type="application/jrd+json")

    return [web.get(f"/users/{username}", actor), web.post(f"/users/{username}/inbox", peer.inbox),
            web.post("/inbox", peer.inbox), web.get(f"/users/{username}/{{name}}", collection),
            web.get("/activities/{id}", served), web.get("/objects/{id}", served),
            web.get("/.well-known/webfinger", webfinger)]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--username", default="peer")
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(name)s %(message)s")
    offline_contexts()

    sock = socket.socket()
    sock.bind((args.host, args.port))  # bound first: the port is known before the routes are made
    port = sock.getsockname()[1]
    peer = Peer(f"http://{args.host}:{port}", args.username)
    app = web.Application()
    app.router.add_routes(control_routes(peer) + federation_routes(peer, args.username))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    async with aiohttp.ClientSession() as session:
        peer.session = session
        peer.client = SignedHttpClient(session, peer.key_id, peer.private_pem)
        print(json.dumps({"ready": True, "port": port, "url": peer.base, "actor": peer.actor_id,
                          "version": version("bovine")}), flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
