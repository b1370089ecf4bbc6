"""A real Coffee node federates with a real Fedify peer (independent implementation).

Both run as real servers on 127.0.0.1: the Coffee node in-process (aiohttp, real SQLite,
real keys), Fedify in its own Node process (`peer.mjs`). Everything Fedify hands to its
listeners (`peer.inbox()`) passed its own HTTP-signature checks; everything it reads with
`peer.lookup()` went through its own JSON-LD object model.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from federation.errors import FetchError
from node.appkeys import CLIENT, DELIVERY, FETCH
from node.services import events as ev
from node.services import opportunities as op
from node.services.skills import load_skill_index
from node.storage import events as events_store
from node.storage import members as members_store
from tests.federation_network.helpers import cli, eventually, handle, set_member
from tests.interop.peer import FedifyPeer, PeerError

pytestmark = pytest.mark.interop

# A row of node/data/esco/skills.csv: "accept criticism and guidance" / "accepter les critiques et les directives".
ESCO_SKILL = "http://data.europa.eu/esco/skill/05aa7c09-46e7-433f-a81b-92841f4551e7"
SKILL_LABELS = ("accept criticism and guidance", "accepter les critiques et les directives")


def _follow_state(node, follower: str, followee: str) -> str | None:
    row = node.store.db.execute("SELECT state FROM follows WHERE follower = ? AND followee = ?",
                                [follower, followee]).fetchone()
    return row[0] if row else None


def _inbox_row(node, activity_id: str) -> dict[str, Any] | None:
    row = node.store.db.execute(
        "SELECT actor, type, recipient, signer, state, error, document FROM inbox WHERE activity_id = ?",
        [activity_id]).fetchone()
    if row is None:
        return None
    return dict(zip(("actor", "type", "recipient", "signer", "state", "error", "document"), row))


async def _peer_follows_space(node, peer: FedifyPeer) -> dict[str, Any]:
    """The peer follows our space by acct: handle; returns the follow answer and our Accept as Fedify saw it."""
    space = f"{node.url}/"
    followed = await peer.follow(handle(node))  # WebFinger + actor fetch + signed POST, all by Fedify
    assert followed["followed"] == space, peer.log_tail()
    assert followed["inbox"] == f"{node.url}/space/inbox"
    # Our Accept reached the peer and passed Fedify's signature verification (only verified
    # activities reach peer.inbox()),
    accept = await peer.wait_for(lambda a: a["type"] == "Accept" and a["actor"] == space, timeout=10)
    assert accept["object"] == {"id": followed["activity"], "type": "Follow"}, accept
    assert accept["signature"] == {"scheme": "draft-cavage", "keyId": f"{node.url}/#main-key"}
    assert (await peer.state())["following"] == {space: "accepted"}
    # and our database holds the peer as an accepted follower of the space.
    await eventually(lambda: _follow_state(node, peer.actor_id, space) == "accepted")
    return {"followed": followed, "accept": accept}


# 1. Fedify follows us ----------------------------------------------------------------------------

async def test_peer_follows_our_space_by_handle_and_verifies_our_accept(node, fedify_peer) -> None:
    followed = (await _peer_follows_space(node, fedify_peer))["followed"]

    # We stored Fedify's Follow as a verified inbound activity signed by the peer's key
    row = await eventually(lambda: _inbox_row(node, followed["activity"]))
    assert (row["actor"], row["type"], row["signer"]) == (
        fedify_peer.actor_id, "Follow", f"{fedify_peer.actor_id}#main-key")
    await eventually(lambda: (_inbox_row(node, followed["activity"]) or {}).get("state") == "done")
    # and we know the peer's actor.
    assert node.store.db.execute("SELECT 1 FROM actors WHERE id = ?", [fedify_peer.actor_id]).fetchone()


# 2. A public member reaches Fedify ------------------------------------------------------------------

async def test_public_member_reaches_the_peer_as_a_verified_person(node, fedify_peer) -> None:
    await _peer_follows_space(node, fedify_peer)
    member = f"{node.url}/@claire"

    set_member(node, "claire", display_name="Claire Dubois", visibility="public",
               languages=["fr", "nl"], skills_offered=[ESCO_SKILL])

    activity = await fedify_peer.wait_for(
        lambda a: a["type"] in ("Create", "Update") and (a["object"] or {}).get("id") == member, timeout=10)
    assert activity["type"] == "Create"
    assert activity["object"] == {"id": member, "type": "Person"}
    assert activity["actor"] == member
    assert activity["signature"] == {"scheme": "draft-cavage", "keyId": f"{member}#main-key"}
    person = activity["raw"]["object"]
    assert (person["name"], person["preferredUsername"]) == ("Claire Dubois", "claire")
    assert person["publicKey"]["owner"] == member


# 3. Fedify reads our actors ---------------------------------------------------------------------------

async def test_peer_reads_our_space_and_member_with_its_own_parser(node, fedify_peer) -> None:
    set_member(node, "claire", display_name="Claire Dubois", visibility="public",
               languages=["fr", "nl"], skills_offered=[ESCO_SKILL])
    space_id, member_id = f"{node.url}/", f"{node.url}/@claire"

    try:
        space = await fedify_peer.lookup(space_id)
        by_handle = await fedify_peer.lookup(handle(node))
        member = await fedify_peer.lookup(member_id)
    except PeerError as failure:  # a 422 carries Fedify's reason
        pytest.fail(f"Fedify cannot read our actor: {failure.status} {failure.error}\n{fedify_peer.log_tail()}")

    assert by_handle["id"] == space_id
    assert space["type"] == "Organization"
    assert space["id"] == space_id
    assert space["name"] == "Mutualab"
    assert space["preferredUsername"] == node.config.slug
    assert space["inbox"] == f"{node.url}/space/inbox"
    assert space["endpoints"] == {"sharedInbox": f"{node.url}/inbox"}
    assert space["publicKeys"] == [{"id": f"{space_id}#main-key", "owner": space_id,
                                    "algorithm": "RSASSA-PKCS1-v1_5"}]
    assert space["attachments"] == [{"type": "PropertyValue", "name": "City", "value": "Lille, FR"},
                                    {"type": "PropertyValue", "name": "Kind", "value": "coworking"}]

    assert member["type"] == "Person"
    assert member["id"] == member_id
    assert member["name"] == "Claire Dubois"
    assert member["preferredUsername"] == "claire"
    assert member["inbox"] == f"{member_id}/inbox"
    assert member["endpoints"] == {"sharedInbox": f"{node.url}/inbox"}
    assert member["publicKeys"] == [{"id": f"{member_id}#main-key", "owner": member_id,
                                     "algorithm": "RSASSA-PKCS1-v1_5"}]
    attachments = {a["name"]: a for a in member["attachments"]}
    assert list(attachments) == ["Space", "Skills", "Languages"]
    assert all(a["type"] == "PropertyValue" for a in attachments.values())
    assert attachments["Languages"]["value"] == "fr, nl"
    assert attachments["Skills"]["value"] in SKILL_LABELS
    assert space_id in attachments["Space"]["value"]
    [tag] = member["tags"]
    assert tag["type"] == "Hashtag"
    assert tag["name"].lower() in {"#" + label.title().replace(" ", "").lower() for label in SKILL_LABELS}
    assert tag["href"].startswith(f"{node.url}/")


# 4. We verify Fedify's signed deliveries ------------------------------------------------------------

async def test_our_inbox_accepts_fedifys_rfc9421_delivery(node, fedify_peer) -> None:
    space = f"{node.url}/"
    sent = await fedify_peer.send("Create", to=space, object={"type": "Note", "content": "Bonjour Coffee"})

    # Fedify knocks with RFC 9421 first and we accept it at once: no fall-back to draft-cavage.
    posts = [(r["scheme"], r["status"], r["url"]) for r in sent["requests"] if r["method"] == "POST"]
    assert posts == [("rfc9421", 202, f"{node.url}/space/inbox")], (posts, fedify_peer.log_tail())

    row = await eventually(lambda: _inbox_row(node, sent["sent"]))
    assert row["actor"] == fedify_peer.actor_id
    assert (row["type"], row["recipient"]) == ("Create", space)
    assert row["signer"] == f"{fedify_peer.actor_id}#main-key"
    assert json.loads(row["document"])["object"]["content"] == "Bonjour Coffee"
    await eventually(lambda: (_inbox_row(node, sent["sent"]) or {}).get("state") in ("done", "ignored"))
    assert _inbox_row(node, sent["sent"])["error"] is None


async def test_our_inbox_accepts_fedifys_draft_cavage_delivery(node) -> None:
    async with FedifyPeer.start(first_knock="draft-cavage-http-signatures-12") as peer:
        sent = await peer.send("Follow", to=f"{node.url}/", object=f"{node.url}/")
        posts = [(r["scheme"], r["status"]) for r in sent["requests"] if r["method"] == "POST"]
        assert posts == [("draft-cavage", 202)], (posts, peer.log_tail())
        row = await eventually(lambda: _inbox_row(node, sent["sent"]))
        assert (row["actor"], row["type"]) == (peer.actor_id, "Follow")
        # A Follow sent with draft-cavage is processed like any other: we accept it.
        await peer.wait_for(lambda a: a["type"] == "Accept" and a["actor"] == f"{node.url}/")
        await eventually(lambda: _follow_state(node, peer.actor_id, f"{node.url}/") == "accepted")


# 5. A member follows Fedify -------------------------------------------------------------------------

async def test_a_member_follows_the_peer_and_reads_its_accept(node, fedify_peer) -> None:
    # The peer's actor is a Person: our space refuses to follow it (a space follows spaces), a member may.
    assert await cli("follow", str(node.config.data_dir), fedify_peer.handle) == 1
    set_member(node, "ana", display_name="Ana", visibility="public")
    ana = f"{node.url}/@ana"
    assert await cli("follow", str(node.config.data_dir), fedify_peer.handle, "--as", "ana") == 0

    await eventually(lambda: _follow_state(node, ana, fedify_peer.actor_id) == "accepted")
    # Fedify verified our Follow,
    follow = await fedify_peer.wait_for(lambda a: a["type"] == "Follow" and a["actor"] == ana)
    assert follow["object"]["id"] == fedify_peer.actor_id
    assert follow["signature"] == {"scheme": "draft-cavage", "keyId": f"{ana}#main-key"}
    assert (await fedify_peer.state())["followers"] == [ana]
    # we stored and processed Fedify's Accept (signed by the peer),
    accept = node.store.db.execute(
        "SELECT signer, state, error FROM inbox WHERE type = 'Accept' AND actor = ?",
        [fedify_peer.actor_id]).fetchone()
    assert accept == (f"{fedify_peer.actor_id}#main-key", "done", None)
    # and our fetch of Fedify's actor was a signed GET (draft-cavage, our instance key). The
    # actor itself is public; test 6 has Fedify verify such a GET under authorized fetch.
    gets = [r for r in await fedify_peer.requests() if r["method"] == "GET" and r["path"] == "/users/peer"]
    assert gets and all(r["status"] == 200 and r["scheme"] == "draft-cavage"
                        and r["keyId"].startswith(f"{node.url}/") for r in gets), gets


# 6. Fedify verifies our signed fetches --------------------------------------------------------------

async def test_fedify_verifies_our_signed_get_under_authorized_fetch(node, fedify_peer) -> None:
    """The peer's `following` collection needs a signature Fedify can verify (its own verifier
    fetches our Application actor's key); unsigned, the same GET gets 401."""
    following = f"{fedify_peer.actor_id}/following"
    collection = await node.app[FETCH](following)  # the node's signed fetch, as discovery uses it
    assert collection["id"] == following and collection["type"] == "OrderedCollection"
    assert (await fedify_peer.state())["authorizedFetches"] == [
        {"key": f"{node.url}/actor#main-key", "owner": f"{node.url}/actor"}]
    with pytest.raises(FetchError, match="401"):
        await node.app[CLIENT].get_object(following, signer=None)
    assert len((await fedify_peer.state())["authorizedFetches"]) == 1


# 7. Events: Fedify reads our event and registers for it -------------------------------------------

async def test_peer_reads_our_event_and_registers_with_join_and_leave(node, fedify_peer) -> None:
    await _peer_follows_space(node, fedify_peer)
    event = ev.create_event(node.store, node.config, {
        "name": {"fr": "Atelier vélo", "en": "Bike workshop"}, "start": "2030-03-10T18:00", "end": "2030-03-10T20:00",
        "timezone": "Europe/Paris", "place_kind": "address", "place_name": "Maison Folie", "street": "70 rue Kuhlmann",
        "postal_code": "59000", "city": "Lille", "country": "FR", "latitude": "50.63", "longitude": "3.05",
        "capacity": "1"}, by=None)
    node.app[DELIVERY].wake()

    # Fedify verified our Create(Event) and reads the event with its own object model.
    await fedify_peer.wait_for(lambda a: a["type"] == "Create" and a["object"] == {"id": event["ap_id"], "type": "Event"})
    seen = await fedify_peer.lookup(event["ap_id"])
    assert (seen["type"], seen["id"]) == ("Event", event["ap_id"])
    # `name` for one-language readers (Fedify lists it as "und"), `nameMap` for the others
    assert seen["nameMap"] == {"und": "Atelier vélo", "fr": "Atelier vélo", "en": "Bike workshop"}
    assert seen["startTime"] == "2030-03-10T17:00:00Z" and seen["endTime"] == "2030-03-10T19:00:00Z"
    assert seen["location"] == {"type": "Place", "id": None, "name": "Maison Folie"}
    assert seen["attributedTo"] == [f"{node.url}/"] and "https://www.w3.org/ns/activitystreams#Public" in seen["to"]
    assert "Lille" in seen["summary"]  # what Mastodon-like readers show

    # The peer's actor registers with a Join; we accept it (one seat) and Fedify verifies our Accept.
    joined = await fedify_peer.send("Join", to=f"{node.url}/", object=event["ap_id"])
    accept = await fedify_peer.wait_for(lambda a: a["type"] == "Accept" and a["object"]["id"] == joined["sent"])
    assert accept["object"]["type"] == "Join" and accept["signature"]["keyId"] == f"{node.url}/#main-key"
    [row] = events_store.registrations(node.store, event["id"])
    assert (row["attendee_id"], row["status"], row["attendee_origin"]) == (
        fedify_peer.actor_id, "accepted", fedify_peer.url)
    # Leave cancels it.
    await fedify_peer.send("Leave", to=f"{node.url}/", object=event["ap_id"])
    await eventually(lambda: events_store.registration(node.store, event["id"], fedify_peer.actor_id)["status"]
                     == "cancelled")


# 7. Personal follows through the remote-interaction template (issue 13) ----------------------------

async def test_remote_interaction_template_both_ways_with_fedify(node, fedify_peer) -> None:
    from urllib.parse import quote

    from tests.web import add_member, login, submit

    add_member(node, "alice")
    set_member(node, "alice", visibility="public")
    alice = f"{node.url}/@alice"
    # Fedify's WebFinger client finds our subscribe template for Alice
    template = await fedify_peer.subscribe_template(f"alice@{node.config.domain}")
    assert template == f"{node.url}/authorize_interaction?uri={{uri}}"

    # Alice follows the Fedify actor through it: the confirmation page, then her Follow
    http = node.client()
    await login(http, "alice")
    page = template.replace("{uri}", quote(fedify_peer.actor_id, safe="")).removeprefix(node.url)
    status, _body, _location = await submit(http, page, "/me/following", {"target": fedify_peer.actor_id})
    assert status == 303
    await eventually(lambda: _follow_state(node, alice, fedify_peer.actor_id) == "accepted", timeout=10)
    follow = await fedify_peer.wait_for(lambda a: a["type"] == "Follow" and a["actor"] == alice)
    assert follow["signature"]["keyId"] == f"{alice}#main-key"  # Fedify verified Alice's own key
    accept = node.store.db.execute("SELECT signer, state FROM inbox WHERE type = 'Accept' AND actor = ?",
                                   [fedify_peer.actor_id]).fetchone()
    assert accept == (f"{fedify_peer.actor_id}#main-key", "done")  # we verified Fedify's Accept
    assert node.store.db.execute("SELECT count(*) FROM follows WHERE follower = ?", [f"{node.url}/"]).fetchone()[0] == 0

    # And the Fedify actor follows Alice: our Accept, signed by her, passes Fedify's verification
    followed = await fedify_peer.follow(f"acct:alice@{node.config.domain}")
    assert followed["followed"] == alice
    ours = await fedify_peer.wait_for(lambda a: a["type"] == "Accept" and a["actor"] == alice, timeout=10)
    assert ours["signature"]["keyId"] == f"{alice}#main-key"
    await eventually(lambda: _follow_state(node, fedify_peer.actor_id, alice) == "accepted")


# 9. Opportunities: Fedify receives one (backfilled on follow, then a new one) and reads it as a post ---

async def test_peer_reads_our_opportunities_as_posts(node, fedify_peer) -> None:
    set_member(node, "nadia", display_name="Nadia", visibility="public")
    nadia = members_store.get_by_username(node.store, "nadia")
    before = op.create(node.store, node.config, {"kind": "mission", "title": {"fr": "Affiche du carnaval"},
                                                 "skills": [ESCO_SKILL]}, load_skill_index(), by=nadia)
    await _peer_follows_space(node, fedify_peer)
    node.app[DELIVERY].wake()
    # The open opportunity it missed reaches it, signed and verified by Fedify (backfill on follow).
    await fedify_peer.wait_for(lambda a: a["type"] == "Create" and a["object"] == {"id": before["ap_id"], "type": "Page"})

    after = op.create(node.store, node.config, {"kind": "job", "title": {"fr": "Graphiste", "nl": "Grafisch ontwerper"},
                                                "description": {"fr": "Un poste à Lille."}, "skills": [ESCO_SKILL]},
                      load_skill_index(), by=nadia)
    node.app[DELIVERY].wake()
    await fedify_peer.wait_for(lambda a: a["type"] == "Create" and a["object"] == {"id": after["ap_id"], "type": "Page"})
    seen = await fedify_peer.lookup(after["ap_id"])
    assert (seen["type"], seen["id"], seen["url"]) == ("Page", after["ap_id"], after["ap_id"])
    assert seen["nameMap"]["fr"] == "Graphiste" and seen["nameMap"]["nl"] == "Grafisch ontwerper"
    assert "Un poste à Lille." in seen["content"] and SKILL_LABELS[1] in seen["summary"]
    assert seen["attributedTo"] == [f"{node.url}/@nadia"]
    assert {"type": "Hashtag", "name": "#AccepterLesCritiquesEtLesDirectives",
            "href": f"{node.url}/opportunities?skill=http%3A%2F%2Fdata.europa.eu%2Fesco%2Fskill%2F05aa7c09-46e7-433f-a81b-92841f4551e7"
            } in seen["tags"]
