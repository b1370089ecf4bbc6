"""Two real nodes: a space follows another by acct:, then receives its members' lifecycle."""

from __future__ import annotations

from node.storage import actors as actors_store
from tests.federation_network.helpers import eventually, follow, set_member, settled

WEB_DEV = "http://data.europa.eu/esco/skill/69bbd53f-fbb0-4476-b4b2-ef7844464e28"


async def test_follow_by_acct_then_member_create_update_delete(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")

    # Given Lille follows Tournai (WebFinger, signed fetch, Follow, Accept)
    await follow(lille, tournai)
    assert tournai.store.db.execute(
        "SELECT state FROM follows WHERE follower = ?", [f"{lille.url}/"]).fetchone()[0] == "accepted"
    # and Tournai follows Lille back: they are peers, each in the other's network
    await follow(tournai, lille)

    # When a Tournai member opts into the network
    member_id = f"{tournai.url}/@claire"
    set_member(tournai, "claire", display_name="Claire Dubois", visibility="network",
               languages=["fr", "nl"], skills_offered=[WEB_DEV])
    # Then Lille holds the profile once the delivery is through (no clock: a loaded machine is slow, not wrong)
    await settled(lille, tournai)
    stored = actors_store.get(lille.store, member_id)
    assert stored is not None and stored["name"] == "Claire Dubois"
    assert stored["document"]["knowsAbout"] in (WEB_DEV, [WEB_DEV])

    # When she edits it, Lille sees the edit
    set_member(tournai, "claire", display_name="Claire Dubois-Martin")
    await eventually(lambda: (actors_store.get(lille.store, member_id) or {}).get("name") == "Claire Dubois-Martin")

    # When she goes back to local, Lille no longer has her
    set_member(tournai, "claire", visibility="local")
    await eventually(lambda: actors_store.get(lille.store, member_id) is None)


async def test_hidden_member_answers_410_and_network_member_needs_a_network_peer(node_factory) -> None:
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    set_member(tournai, "bram", visibility="network")
    http = tournai.client()
    accept = {"Accept": "application/activity+json"}
    async with http.get("/@bram", headers=accept) as resp:
        assert resp.status == 404  # network-only: an anonymous fetch does not see it
    set_member(tournai, "bram", visibility="public")
    async with http.get("/@bram", headers=accept) as resp:
        assert resp.status == 200
        doc = await resp.json(content_type=None)
        assert doc["type"] == "Person" and doc["publicKey"]["owner"] == doc["id"]
    set_member(tournai, "bram", visibility="local")
    async with http.get("/@bram", headers=accept) as resp:
        assert resp.status == 410
        assert (await resp.json(content_type=None))["type"] == "Tombstone"
