"""Four real nodes across the border: the catalogue emerges on each from the spaces it follows.

Lille and Roubaix (FR), Tournai and Mons (BE). Members exist before the follows, so
what each node knows of the others comes from the backfill, then from activities.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time

from node.services import catalogue, matching
from node.services.skills import load_skill_index
from node.storage import catalogue as catalogue_store
from tests.federation_network.helpers import cli, eventually, follow, set_member

ESCO = "http://data.europa.eu/esco/skill/"
WEB_PROGRAMMING = ESCO + "69bbd53f-fbb0-4476-b4b2-ef7844464e28"  # fr "programmation web", nl "webprogrammering"
GRAPHIC_DESIGN = ESCO + "7fb699d9-182a-430e-b7a0-6d8ed05c284b"  # fr "conception graphique", nl "grafisch ontwerp"
SKILLS = load_skill_index()


def ids(node) -> set[str]:
    return {row[0] for row in node.store.conn.execute("SELECT actor_id FROM catalogue WHERE origin != 'local'")}


async def test_cross_border_catalogue_backfill_search_matches_and_hiding(node_factory) -> None:
    lille = await node_factory(name="Mutualab", slug="mutualab", country="FR", city="Lille")
    roubaix = await node_factory(name="La Coroutine", slug="coroutine", country="FR", city="Roubaix")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    mons = await node_factory(name="Co-nnexion", slug="connexion", country="BE", city="Mons")
    nodes = (lille, roubaix, tournai, mons)

    # Given members who opted in (public or network) or not (local), before any follow.
    # Amélie entered "programmation web" in French: her profile holds the ESCO concept's URI.
    set_member(lille, "amelie", display_name="Amélie Martin", visibility="public", skills_offered=[WEB_PROGRAMMING],
               languages=["fr", "en"])
    set_member(lille, "lea", display_name="Léa Network", visibility="network", skills_offered=[GRAPHIC_DESIGN])
    set_member(lille, "louise", display_name="Louise Local", visibility="local", skills_offered=[WEB_PROGRAMMING])
    set_member(roubaix, "romain", display_name="Romain Roubaix", visibility="public", skills_offered=[WEB_PROGRAMMING])
    set_member(tournai, "claire", display_name="Claire Dubois", visibility="network", skills_sought=[WEB_PROGRAMMING],
               languages=["fr", "nl"])
    set_member(tournai, "bram", display_name="Bram Peeters", visibility="public", skills_offered=[WEB_PROGRAMMING])
    set_member(mons, "sofie", display_name="Sofie Janssens", visibility="public", skills_sought=[GRAPHIC_DESIGN])
    set_member(mons, "marc", display_name="Marc Local", visibility="local")
    opted_in = {lille.url: {"amelie", "lea"}, roubaix.url: {"romain"}, tournai.url: {"claire", "bram"}, mons.url: {"sofie"}}

    # When every space follows every other (accepted), the backfill reads their members.
    await asyncio.gather(*(follow(a, b) for a, b in itertools.permutations(nodes, 2)))
    for node in nodes:
        expected = {f"{other.url}/@{name}" for other in nodes if other is not node for name in opted_in[other.url]}
        await eventually(lambda node=node, expected=expected: ids(node) == expected)
        assert f"{lille.url}/@louise" not in ids(node) and f"{mons.url}/@marc" not in ids(node)  # never `local` ones
        await eventually(lambda node=node: [job["state"] for job in catalogue_store.jobs(node.store)] == ["done"] * 3)

    # A skill typed in Dutch in Tournai finds the Lille member who entered it in French.
    found = catalogue.search(tournai.store, SKILLS, q="webprogrammering", viewer_country="BE", lang="nl",
                             viewer_is_member=True)
    assert f"{lille.url}/@amelie" in [item["actor_id"] for item in found.items]
    amelie = next(item for item in found.items if item["name"] == "Amélie Martin")
    assert amelie["cross_border"] and amelie["space"]["name"] == "Mutualab" and amelie["country"] == "FR"
    assert amelie["skills_offered"][0]["label"] == "webprogrammering"

    # The open web of Tournai sees Lille's public member, not its network one.
    async with tournai.client().get("/api/catalogue", params={"space": f"{lille.url}/"}) as resp:
        body = await resp.json()
    assert [item["name"] for item in body["items"]] == ["Amélie Martin"]

    # Claire (Tournai) seeks web programming: the French offers come first, flagged, then Bram from Tournai.
    (need,) = matching.matches_for_member(tournai.store, SKILLS, f"{tournai.url}/@claire", lang="fr")
    offers = [(card["name"], card["cross_border"]) for card in need["offers"]]
    assert offers == [("Amélie Martin", True), ("Romain Roubaix", True), ("Bram Peeters", False)]

    # Amélie hides her profile (local): within seconds no other catalogue has her.
    started = time.monotonic()
    set_member(lille, "amelie", visibility="local")
    for node in (roubaix, tournai, mons):
        await eventually(lambda node=node: catalogue_store.get(node.store, f"{lille.url}/@amelie") is None)
    assert time.monotonic() - started < 5
    assert catalogue_store.get(lille.store, f"{lille.url}/@amelie")["visibility"] == "local"  # still here, for Lille

    # She comes back to the network: the others hear of it (Create), no backfill needed.
    set_member(lille, "amelie", visibility="public")
    for node in (roubaix, tournai, mons):
        await eventually(lambda node=node: catalogue_store.get(node.store, f"{lille.url}/@amelie") is not None)

    # Unfollowing a space drops its people from the follower's catalogue only.
    assert await cli("unfollow", str(mons.config.data_dir), f"{lille.url}/") == 0
    assert not {actor for actor in ids(mons) if actor.startswith(lille.url)}
    assert {f"{lille.url}/@amelie", f"{lille.url}/@lea"} <= ids(tournai)


async def test_refresh_and_status_from_the_command_line(node_factory, capsys) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    await follow(lille, tournai)
    await eventually(lambda: (catalogue_store.job(lille.store, f"{tournai.url}/") or {}).get("state") == "done")
    # A member written straight into Tournai's database: nothing was announced, only a re-read finds her.
    from node.storage import members as members_store

    members_store.insert(tournai.store, username="quiet", display_name="Quiet One", status="active", visibility="public")
    capsys.readouterr()
    assert await cli("catalogue", "refresh", str(lille.config.data_dir), f"acct:esco@{tournai.config.domain}") == 0
    out = capsys.readouterr().out
    assert "pages 1  people 1" in out and "done" in out
    assert catalogue_store.get(lille.store, f"{tournai.url}/@quiet")["name"] == "Quiet One"
    assert await cli("catalogue", "status", str(lille.config.data_dir), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["entries"] == {"local": 0, "remote": 1}
    assert status["jobs"][0]["space_id"] == f"{tournai.url}/" and status["jobs"][0]["items_done"] == 1
    assert await cli("catalogue", "refresh", str(lille.config.data_dir), "https://nowhere.example/") == 1
