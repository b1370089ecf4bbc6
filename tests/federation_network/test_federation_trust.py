"""Whom a node trusts, tried by hostile peers on 127.0.0.1 (issue 9, items 1-4, 8 and 11).

Each test goes through the node's real inbox and its real remote fetch, and fails on the
code before the fix: plain JSON passing for an actor, a key shadowed by an impostor, a
block dodged by spelling, a peer's rate spent by spam claiming it, a body cut in two,
a key refetched for every forged request, and an inbound document kept in a shape pyld
would have changed.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from federation import httpsig, keys
from federation.jsonld import COFFEE_CONTEXT, PUBLIC
from node.appkeys import RATE
from node.storage import actors as actors_store
from tests.federation_network.attacker import Attacker, start_attacker
from tests.federation_network.helpers import cli, eventually

TABLES = ("inbox", "actors", "follows", "members", "deliveries", "activities", "domains")


def snapshot(node) -> dict[str, list]:
    return {table: [tuple(r) for r in node.store.conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
            for table in TABLES}


def like(actor: str, node, n: int | str = 1) -> dict[str, Any]:
    return {"id": f"{actor}/likes/{n}", "type": "Like", "actor": actor, "object": f"{node.url}/"}


def inbox_rows(node) -> list[tuple]:
    return node.store.conn.execute("SELECT actor, type FROM inbox ORDER BY rowid").fetchall()


@pytest.fixture
async def hostile():
    """Start attackers on demand; all stopped at the end."""
    started: list[Attacker] = []

    async def start() -> Attacker:
        started.append(await start_attacker())
        return started[-1]

    yield start
    for attacker in started:
        await attacker.stop()


# --- item 1: only ActivityPub media types are ActivityPub documents ---------------------------

@pytest.mark.parametrize("content_type", ["application/json", "application/ld+json",
                                          'application/ld+json; profile="https://evil.example/ns"'])
async def test_an_actor_served_as_plain_json_is_not_trusted(node, hostile, content_type: str) -> None:
    """A JSON file uploaded to a peer (served as application/json) must not pass for its actor and key."""
    mallory = await hostile()
    mallory.content_type = content_type
    before = snapshot(node)
    assert await mallory.post(f"{node.url}/inbox", like(mallory.actor, node)) == 401
    assert snapshot(node) == before
    # The same documents under an ActivityPub media type are accepted (the test is not vacuous).
    mallory.content_type = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    assert await mallory.post(f"{node.url}/inbox", like(mallory.actor, node, 2)) == 202


# --- item 2: key shadowing ----------------------------------------------------------------------

async def test_an_actor_listing_another_actors_key_cannot_shadow_it(node, hostile) -> None:
    """Eve's actor lists Alice's keyId and PEM; once Eve is stored, Alice's own signatures still verify as Alice."""
    alice, eve = await hostile(), await hostile()
    shadow = {"id": alice.key_id, "owner": eve.actor, "publicKeyPem": keys.public_pem(alice.key)}
    own = {"id": eve.key_id, "owner": eve.actor, "publicKeyPem": keys.public_pem(eve.key)}
    eve.documents[eve.actor] = eve.actor_document(publicKey=[shadow, own])
    follow = {"id": f"{eve.actor}/follows/1", "type": "Follow", "actor": eve.actor, "object": f"{node.url}/"}
    assert await eve.post(f"{node.url}/inbox", follow) == 202
    stored = await eventually(lambda: actors_store.get(node.store, eve.actor))
    assert stored["public_key_id"] == eve.key_id  # the key Eve may hold, never Alice's

    assert await alice.post(f"{node.url}/inbox", like(alice.actor, node)) == 202
    assert (alice.actor, "Like") in inbox_rows(node)


async def test_a_redirect_cannot_lend_a_keyid_to_another_origin(node, hostile) -> None:
    """Alice's server redirects (an open redirect) to Eve's actor, which lists a keyId on Alice's origin."""
    alice, eve = await hostile(), await hostile()
    borrowed = f"{alice.base}/users/eve#main-key"
    alice.redirects["/users/eve"] = eve.actor
    eve.documents[eve.actor] = eve.actor_document(
        publicKey={"id": borrowed, "owner": eve.actor, "publicKeyPem": keys.public_pem(eve.key)})
    before = snapshot(node)
    assert await eve.post(f"{node.url}/inbox", like(eve.actor, node), key_id=borrowed) == 401
    assert snapshot(node) == before


# --- item 3: one host normalisation; blocks cover spellings and subdomains; rates ---------------

async def resolving(node, names: list[str]) -> None:
    """Restart `node` resolving `names` to 127.0.0.1 (its outbound client's host overrides)."""
    with (node.config.data_dir / "node.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[federation.host_overrides]\n" + "".join(f'"{name}" = "127.0.0.1"\n' for name in names))
    await node.restart()


async def test_a_block_covers_every_spelling_and_subdomain(node, hostile) -> None:
    mallory = await hostile()
    port = mallory.base.rsplit(":", 1)[1]
    await resolving(node, ["evil.example", "sub.evil.example"])
    assert await cli("block", str(node.config.data_dir), "EVIL.example.:443", "--reason", "spam") == 0
    before, hits = snapshot(node), len(mallory.hits)
    for base, status in [(f"http://evil.example:{port}", 403),  # a block without port covers every port
                         (f"http://sub.evil.example:{port}", 403),  # and every subdomain
                         (f"http://evil.example.:{port}", 403),  # trailing dot
                         (f"http://eve@evil.example:{port}", 400)]:  # userinfo: refused outright
        mallory.base = base
        assert await mallory.post(f"{node.url}/inbox", like(mallory.actor, node)) == status, base
    assert snapshot(node) == before
    assert len(mallory.hits) == hits  # refused before any key fetch
    mallory.base = f"http://127.0.0.1:{port}"  # not blocked: accepted (the test is not vacuous)
    assert await mallory.post(f"{node.url}/inbox", like(mallory.actor, node)) == 202


async def test_unsigned_spam_claiming_a_peer_does_not_spend_the_peers_rate(node, hostile) -> None:
    """Spam from another address claims Alice's actor: it is limited by its address, Alice is not."""
    alice = await hostile()
    limiter = node.app[RATE]
    limiter.rate, limiter.burst = 0.001, 3
    before = snapshot(node)
    body = json.dumps(like(alice.actor, node, "spam")).encode()
    statuses = []
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
    async with aiohttp.ClientSession(connector=connector) as spammer:
        for _ in range(5):
            async with spammer.post(f"{node.url}/inbox", data=body,
                                    headers={"Content-Type": "application/activity+json"}) as resp:
                statuses.append(resp.status)
    assert statuses == [401, 401, 401, 429, 429]
    assert snapshot(node) == before
    assert [await alice.post(f"{node.url}/inbox", like(alice.actor, node, n)) for n in (1, 2)] == [202, 202]


# --- item 4: the whole body, however it arrives ---------------------------------------------------

async def test_a_body_sent_in_two_tcp_writes_is_read_whole(node, hostile) -> None:
    mallory = await hostile()
    inbox = f"{node.url}/inbox"
    body = json.dumps(like(mallory.actor, node) | {"content": "x" * 2000}).encode()
    headers = httpsig.sign_request("POST", inbox, {"Content-Type": "application/activity+json"}, body,
                                   key_id=mallory.key_id, private_key=mallory.key)
    head = "POST /inbox HTTP/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    reader, writer = await asyncio.open_connection("127.0.0.1", node.config.port)
    try:
        writer.write(head.encode() + body[:1000])
        await writer.drain()
        # The node must wait for the rest; before the fix it answered 400 ("not JSON") to the first half.
        with pytest.raises(TimeoutError):
            early = await asyncio.wait_for(reader.readline(), timeout=0.5)
            pytest.fail(f"answered before the body was complete: {early!r}")
        writer.write(body[1000:])
        await writer.drain()
        status_line = await reader.readline()
    finally:
        writer.close()
    assert status_line.split()[1] == b"202"
    assert (mallory.actor, "Like") in inbox_rows(node)


# --- item 8: a key is refetched at most once per cooldown -----------------------------------------

async def test_forged_signatures_do_not_make_the_node_refetch_a_key_each_time(node, hostile) -> None:
    """Anyone can send requests naming a victim's keyId with a bad signature: the first read and one
    refresh in case the key rotated, not one fetch per request."""
    victim = await hostile()
    forger_key = keys.generate_rsa()
    before = snapshot(node)
    statuses = [await victim.post(f"{node.url}/inbox", like(victim.actor, node, n), key=forger_key)
                for n in range(6)]
    assert statuses == [401] * 6
    assert victim.hits.count("/users/mallory") == 2
    assert snapshot(node) == before


# --- item 11: one JSON-LD normalisation ---------------------------------------------------------

async def test_an_activity_in_our_context_is_stored_in_the_one_normalised_shape(node, hostile) -> None:
    """Our own context with `as:Public` and a one-element actor array: stored as pyld reads it."""
    mallory = await hostile()
    activity = {"@context": COFFEE_CONTEXT, **like(mallory.actor, node), "actor": [mallory.actor],
                "to": ["as:Public"], "cc": "Public"}
    assert await mallory.post(f"{node.url}/inbox", activity) == 202
    [row] = node.store.conn.execute("SELECT document FROM inbox WHERE actor = ?", [mallory.actor]).fetchall()
    stored = json.loads(row[0])
    assert (stored["actor"], stored["to"], stored["cc"]) == (mallory.actor, PUBLIC, PUBLIC)
