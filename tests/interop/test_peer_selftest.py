"""The Fedify harness works on its own, before any Coffee node is involved.

Two Fedify peers federate with each other (so the peer is a correct ActivityPub server),
and one peer reads documents served by a small aiohttp app on loopback (so Python-served
JSON-LD reaches Fedify's parser over plain http). The Coffee-vs-Fedify tests build on this.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.interop.peer import FedifyPeer, PeerError

pytestmark = pytest.mark.interop

AS = "https://www.w3.org/ns/activitystreams"


# -- peer with peer --------------------------------------------------------------------------

async def test_peer_follows_peer_by_handle() -> None:
    async with FedifyPeer.start() as a, FedifyPeer.start() as b:
        # Given two peers, when A follows B by its acct: handle (WebFinger)
        followed = await a.follow(b.handle)

        # then B received and verified the Follow,
        assert followed["followed"] == b.actor_id
        follow = await b.wait_for(lambda x: x["type"] == "Follow" and x["actor"] == a.actor_id)
        assert follow["object"]["id"] == b.actor_id
        assert follow["signature"]["scheme"] == "rfc9421"  # Fedify knocks with RFC 9421 first
        # and A received B's Accept of exactly that Follow.
        accept = await a.wait_for(lambda x: x["type"] == "Accept" and x["actor"] == b.actor_id)
        assert accept["object"] == {"id": followed["activity"], "type": "Follow"}
        assert (await a.state())["following"] == {b.actor_id: "accepted"}
        assert (await b.state())["followers"] == [a.actor_id]


async def test_peer_parses_the_other_peers_actor() -> None:
    async with FedifyPeer.start() as a, FedifyPeer.start() as b:
        actor = await a.lookup(b.actor_id)
        assert actor["type"] == "Person"
        assert actor["id"] == b.actor_id
        assert actor["preferredUsername"] == "peer"
        assert actor["inbox"] == f"{b.actor_id}/inbox"
        assert actor["endpoints"]["sharedInbox"] == f"{b.url}/inbox"
        assert actor["publicKeys"] == [{"id": f"{b.actor_id}#main-key", "owner": b.actor_id,
                                        "algorithm": "RSASSA-PKCS1-v1_5"}]
        assert actor["jsonld"]["id"] == b.actor_id


async def test_peer_sends_a_note_that_the_other_reads() -> None:
    async with FedifyPeer.start() as a, FedifyPeer.start() as b:
        sent = await a.send("Create", to=b.actor_id, object={"type": "Note", "content": "Bonjour"})
        create = await b.wait_for(lambda x: x["type"] == "Create" and x["id"] == sent["sent"])
        assert create["object"]["type"] == "Note"
        note = await b.lookup(create["object"]["id"])  # A serves the note it created
        assert (note["type"], note["content"], note["attributedTo"]) == ("Note", "Bonjour", [a.actor_id])


async def test_unfollow_sends_undo_of_the_follow() -> None:
    async with FedifyPeer.start() as a, FedifyPeer.start() as b:
        followed = await a.follow(b.actor_id)
        await a.wait_for(lambda x: x["type"] == "Accept")
        await a.unfollow(b.actor_id)
        undo = await b.wait_for(lambda x: x["type"] == "Undo")
        assert undo["object"] == {"id": followed["activity"], "type": "Follow"}
        assert (await b.state())["followers"] == []


# -- peer reading documents served by Python ---------------------------------------------------

def _public_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _alice(base: str, pem: str) -> dict[str, Any]:
    """A hand-written Person, shaped like what a Coffee member actor will look like."""
    return {
        "@context": [
            AS,
            "https://w3id.org/security/v1",
            {"schema": "http://schema.org#", "PropertyValue": "schema:PropertyValue",
             "value": "schema:value", "Hashtag": "as:Hashtag"},
        ],
        "id": f"{base}/users/alice",
        "type": "Person",
        "preferredUsername": "alice",
        "name": "Alice Martin",
        "nameMap": {"fr": "Alice Martin", "en": "Alice Martin"},
        "summary": "<p>Graphiste</p>",
        "url": f"{base}/@alice",
        "inbox": f"{base}/users/alice/inbox",
        "outbox": f"{base}/users/alice/outbox",
        "followers": f"{base}/users/alice/followers",
        "following": f"{base}/users/alice/following",
        "endpoints": {"sharedInbox": f"{base}/inbox"},
        "icon": {"type": "Image", "mediaType": "image/webp", "url": f"{base}/media/alice.webp"},
        "attachment": [{"type": "PropertyValue", "name": "Métier", "value": "Graphiste"}],
        "tag": [{"type": "Hashtag", "name": "#design", "href": f"{base}/tags/design"}],
        "publicKey": {"id": f"{base}/users/alice#main-key", "owner": f"{base}/users/alice",
                      "publicKeyPem": pem},
    }


def _event(base: str) -> dict[str, Any]:
    return {
        "@context": AS,
        "id": f"{base}/events/1",
        "type": "Event",
        "name": "Apéro coworking",
        "attributedTo": f"{base}/users/alice",
        "startTime": "2025-06-12T16:00:00Z",
        "endTime": "2025-06-12T19:00:00Z",
        "location": {"type": "Place", "name": "Mutualab"},
    }


def _static_site(pem: str, inbox_log: list[dict[str, str]]) -> web.Application:
    """Static ActivityPub documents plus an inbox that refuses RFC 9421 signatures."""

    def base(request: web.Request) -> str:
        return f"http://{request.host}"

    def activity_json(doc: Any) -> web.Response:
        return web.json_response(doc, content_type="application/activity+json")

    async def webfinger(request: web.Request) -> web.Response:
        if request.query.get("resource") != f"acct:alice@{request.host}":
            raise web.HTTPNotFound()
        return web.json_response({
            "subject": f"acct:alice@{request.host}",
            "links": [{"rel": "self", "type": "application/activity+json",
                       "href": f"{base(request)}/users/alice"}],
        }, content_type="application/jrd+json")

    async def alice(request: web.Request) -> web.Response:
        return activity_json(_alice(base(request), pem))

    async def event(request: web.Request) -> web.Response:
        return activity_json(_event(base(request)))

    async def impostor(request: web.Request) -> web.Response:
        doc = _alice(base(request), pem) | {"id": "https://elsewhere.example/users/alice"}
        return activity_json(doc)

    async def garbage(request: web.Request) -> web.Response:
        return web.Response(text="{not json", content_type="application/activity+json")

    async def inbox(request: web.Request) -> web.Response:
        # Accept only draft-cavage, so Fedify has to knock twice.
        inbox_log.append({"signature-input": request.headers.get("Signature-Input", ""),
                          "signature": request.headers.get("Signature", ""),
                          "digest": request.headers.get("Digest", "")})
        if "Signature-Input" in request.headers:
            return web.Response(status=401, text="RFC 9421 is not supported here")
        return web.Response(status=202)

    app = web.Application()
    app.router.add_get("/.well-known/webfinger", webfinger)
    app.router.add_get("/users/alice", alice)
    app.router.add_get("/events/1", event)
    app.router.add_get("/users/impostor", impostor)
    app.router.add_get("/garbage", garbage)
    app.router.add_post("/users/alice/inbox", inbox)
    return app


@pytest.fixture
async def static_site(aiohttp_server) -> tuple[str, list[dict[str, str]]]:
    """(base URL on 127.0.0.1, log of inbox POSTs)."""
    inbox_log: list[dict[str, str]] = []
    server = await aiohttp_server(_static_site(_public_pem(), inbox_log), host="127.0.0.1")
    return str(server.make_url("")).rstrip("/"), inbox_log


async def test_peer_reads_a_python_served_actor_by_handle(fedify_peer: FedifyPeer, static_site) -> None:
    base, _ = static_site
    host = base.removeprefix("http://")

    actor = await fedify_peer.lookup(f"acct:alice@{host}")

    assert actor["type"] == "Person"
    assert actor["id"] == f"{base}/users/alice"
    assert actor["preferredUsername"] == "alice"
    assert actor["nameMap"] == {"und": "Alice Martin", "fr": "Alice Martin", "en": "Alice Martin"}
    assert actor["summary"] == "<p>Graphiste</p>"
    assert actor["url"] == f"{base}/@alice"
    assert actor["inbox"] == f"{base}/users/alice/inbox"
    assert actor["endpoints"]["sharedInbox"] == f"{base}/inbox"
    assert actor["icon"] == {"type": "Image", "url": f"{base}/media/alice.webp", "mediaType": "image/webp"}
    assert actor["attachments"] == [{"type": "PropertyValue", "name": "Métier", "value": "Graphiste"}]
    assert actor["tags"] == [{"type": "Hashtag", "name": "#design", "href": f"{base}/tags/design"}]
    assert actor["publicKeys"] == [{"id": f"{base}/users/alice#main-key", "owner": f"{base}/users/alice",
                                    "algorithm": "RSASSA-PKCS1-v1_5"}]


async def test_peer_reads_a_python_served_event(fedify_peer: FedifyPeer, static_site) -> None:
    base, _ = static_site
    event = await fedify_peer.lookup(f"{base}/events/1")
    assert event["type"] == "Event"
    assert event["startTime"] == "2025-06-12T16:00:00Z"
    assert event["endTime"] == "2025-06-12T19:00:00Z"
    assert event["location"]["name"] == "Mutualab"
    assert event["attributedTo"] == [f"{base}/users/alice"]


@pytest.mark.parametrize(("path", "reason"), [
    ("/users/impostor", "another origin"),
    ("/garbage", "fetching"),
    ("/missing", "HTTP 404"),
])
async def test_unreadable_documents_are_a_422_with_a_reason(fedify_peer: FedifyPeer, static_site,
                                                            path: str, reason: str) -> None:
    base, _ = static_site
    with pytest.raises(PeerError) as failure:
        await fedify_peer.lookup(f"{base}{path}")
    assert failure.value.status == 422
    assert reason in (failure.value.error or "")


async def test_fedify_knocks_with_rfc9421_then_draft_cavage(fedify_peer: FedifyPeer, static_site) -> None:
    base, inbox_log = static_site

    # When the first delivery is refused with 401 (the inbox only speaks draft-cavage),
    sent = await fedify_peer.send("Create", to=f"{base}/users/alice",
                                  object={"type": "Note", "content": "Bonjour"})
    posts = [(r["scheme"], r["status"]) for r in sent["requests"] if r["method"] == "POST"]
    # Fedify retries at once with draft-cavage, with a Digest header,
    assert posts == [("rfc9421", 401), ("draft-cavage", 202)]
    cavage = inbox_log[-1]
    assert cavage["digest"].startswith("SHA-256=")
    signed = cavage["signature"].split('headers="')[1].split('"')[0].split()
    assert {"(request-target)", "host", "date", "digest"} <= set(signed)
    # and remembers it: the next delivery to that origin starts with draft-cavage.
    again = await fedify_peer.send("Create", to=f"{base}/users/alice",
                                   object={"type": "Note", "content": "Encore"})
    assert [(r["scheme"], r["status"]) for r in again["requests"] if r["method"] == "POST"] == \
        [("draft-cavage", 202)]


async def test_unsigned_delivery_is_refused_and_logged(fedify_peer: FedifyPeer) -> None:
    # Fedify only hands verified activities to its listeners; the refusal is visible in
    # requests(), which is where a Coffee delivery that Fedify rejects will show up.
    note = {"@context": AS, "id": "http://127.0.0.1:9/activities/1", "type": "Create",
            "actor": "http://127.0.0.1:9/users/x", "object": {"type": "Note", "content": "x"}}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{fedify_peer.actor_id}/inbox", json=note,
                             headers={"Content-Type": "application/activity+json"}) as resp:
            assert resp.status == 401
    [request] = [r for r in await fedify_peer.requests() if r["method"] == "POST"]
    assert (request["status"], request["scheme"]) == (401, None)
    assert "signature" in request["error"]
    assert await fedify_peer.inbox() == []
