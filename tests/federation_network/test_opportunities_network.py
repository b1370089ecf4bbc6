"""Opportunities across the border: Charleroi posts, Lille's board and "for you" show it, a Lille member
answers from Lille, the poster accepts, both nodes record and count the partnership; closing and expiry
propagate; a new follower gets the open ones (backfill)."""

from __future__ import annotations

import json
from contextlib import redirect_stdout
from datetime import timedelta
from io import StringIO

from node.appkeys import DELIVERY
from node.services import opportunities as op
from node.services import opportunity_answers, partnerships
from node.services.indicators.report import own_figures, parse_period
from node.services.passwords import hash_password
from node.services.skills import load_skill_index
from node.storage import members as members_store
from node.storage import opportunities as opportunities_store
from node.timeutil import now
from tests.federation_network.helpers import cli, eventually, follow, set_member, settled
from tests.test_opportunities import GRAPHIC_DESIGN
from tests.web import PASSWORD, login

SKILLS = load_skill_index()


def copy_of(node, ap_id: str) -> dict | None:
    return opportunities_store.get_by_ap_id(node.store, ap_id)


async def post(node, username: str, *args: str) -> dict:
    """`coffee-node opportunity add ... --json` beside the running server, then wake its delivery."""
    out = StringIO()
    with redirect_stdout(out):
        assert await cli("opportunity", "add", str(node.config.data_dir), "--as", username, *args, "--json") == 0
    node.app[DELIVERY].wake()
    return json.loads(out.getvalue())


async def test_a_mission_posted_in_charleroi_becomes_a_cross_border_partnership(node_factory) -> None:
    charleroi = await node_factory(name="La Fabrik", slug="fabrik", country="BE", city="Charleroi")
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    set_member(charleroi, "nadia", display_name="Nadia", visibility="public")
    # Posted before Lille follows: the follow brings it (backfill), with its skill typed in Dutch.
    early = await post(charleroi, "nadia", "--kind", "mission", "--title", "Affiche pour le carnaval",
                       "--skill", "grafisch ontwerp", "--language", "fr", "--jurisdiction", "BE-WAL")
    await follow(lille, charleroi)
    charleroi.app[DELIVERY].wake()
    copy = await eventually(lambda: copy_of(lille, early["id"]))
    assert (copy["origin"], copy["skills"], copy["jurisdiction"], copy["poster_name"], copy["space_name"],
            copy["country_of_space"]) == (charleroi.url, [GRAPHIC_DESIGN], "BE-WAL", "Nadia", "La Fabrik", "BE")

    # Lille's board (API) lists it, cross-border; Louise, whose skill was entered in French, sees it "for you".
    async with lille.client().get("/api/opportunities", params={"skill": "conception graphique"}) as resp:
        assert resp.status == 200
        listed = await resp.json()
    assert [item["id"] for item in listed["opportunities"]] == [early["id"]] and listed["opportunities"][0]["cross_border"]
    louise = set_member(lille, "louise", display_name="Louise", visibility="public", skills_offered=[GRAPHIC_DESIGN])
    assert [item["ap_id"] for item in op.for_you(lille.store, louise, "FR")] == [early["id"]]
    members_store.update(lille.store, louise["id"], password_hash=hash_password(PASSWORD))
    http = lille.client()
    assert await login(http, "louise") == 303
    for page in ("/", "/@louise", "/me/opportunities"):
        async with http.get(page) as resp:
            html = await resp.text()
        assert f'/opportunities/{copy["uuid"]}' in html and "Affiche pour le carnaval" in html, page

    # Louise answers from Lille: one private Note to Nadia; answering twice is still one answer.
    opportunity_answers.answer(lille.store, lille.config, copy["uuid"], louise, "Je suis graphiste à Lille.")
    opportunity_answers.answer(lille.store, lille.config, copy["uuid"], louise, "Je suis graphiste à Lille, dispo en mars.")
    lille.app[DELIVERY].wake()
    local = opportunities_store.get_by_ap_id(charleroi.store, early["id"])
    received = await eventually(lambda: [a for a in opportunities_store.answers(charleroi.store, local["id"])
                                         if a["message"].endswith("mars.")])
    await settled(lille, charleroi)
    [answer] = opportunities_store.answers(charleroi.store, local["id"])
    assert (answer["answerer_id"], answer["answerer_name"], answer["answerer_country"]) == (
        f"{lille.url}/@louise", "Louise", "FR")
    assert received

    # They write to each other in the answer's thread, each from their own node, to the other alone.
    nadia = members_store.get_by_username(charleroi.store, "nadia")
    opportunity_answers.reply(charleroi.store, charleroi.config, answer["id"], nadia, "Pouvez-vous commencer lundi ?")
    charleroi.app[DELIVERY].wake()
    [sent] = opportunities_store.answers(lille.store, copy["id"])
    await eventually(lambda: opportunity_answers.thread(lille.store, sent["id"]))
    opportunity_answers.reply(lille.store, lille.config, sent["id"], louise, "Oui, lundi.")
    lille.app[DELIVERY].wake()
    await eventually(lambda: len(opportunity_answers.thread(charleroi.store, answer["id"])) == 2)
    assert [(m["author_id"], m["message"]) for m in opportunity_answers.thread(charleroi.store, answer["id"])] == [
        (f"{charleroi.url}/@nadia", "Pouvez-vous commencer lundi ?"), (f"{lille.url}/@louise", "Oui, lundi.")]
    assert [m["message"] for m in opportunity_answers.thread(lille.store, sent["id"])] == [
        "Pouvez-vous commencer lundi ?", "Oui, lundi."]

    # Nadia accepts: Offer to Louise, whose node accepts (she answered), and both record it, cross-border.
    proposed = partnerships.accept_answer(charleroi.store, charleroi.config, local["uuid"], answer["id"], by=nadia)
    assert proposed["status"] == "proposed"
    charleroi.app[DELIVERY].wake()
    await eventually(lambda: partnerships.all_local(lille.store, lille.config))
    lille.app[DELIVERY].wake()
    await eventually(lambda: partnerships.all_local(charleroi.store, charleroi.config)[0]["status"] == "active")
    month = now().strftime("%Y-%m")
    for node in (charleroi, lille):
        [row] = partnerships.all_local(node.store, node.config)
        assert (row["status"], row["cross_border"], row["proposer_id"], row["partner_id"]) == (
            "active", 1, f"{charleroi.url}/@nadia", f"{lille.url}/@louise")
        assert partnerships.monthly_counts(node.store, node.config) == [{"month": month, "started": 1, "cross_border": 1}]
        figures = {item["indicator"]: item for item in own_figures(node.store, parse_period(None, None))}
        for key in ("partnerships_started", "cross_border_partnerships_started"):  # what the indicators read
            assert (figures[key]["total"], figures[key]["monthly"]) == (1, [{"month": month, "value": 1}])

    # Louise ends it from Lille: both nodes mark it ended, and it stays counted in the month it began.
    [mine] = partnerships.all_local(lille.store, lille.config)
    partnerships.end(lille.store, lille.config, mine["uuid"], by=members_store.get_by_username(lille.store, "louise"))
    lille.app[DELIVERY].wake()
    await eventually(lambda: partnerships.all_local(charleroi.store, charleroi.config)[0]["status"] == "ended")
    for node in (charleroi, lille):
        assert partnerships.monthly_counts(node.store, node.config) == [{"month": month, "started": 1, "cross_border": 1}]

    # Withdrawal propagates: Lille's board drops it.
    late = await post(charleroi, "nadia", "--kind", "job", "--title", "Graphiste", "--skill", GRAPHIC_DESIGN)
    await eventually(lambda: copy_of(lille, late["id"]))
    assert await cli("opportunity", "close", str(charleroi.config.data_dir), late["uuid"]) == 0
    charleroi.app[DELIVERY].wake()
    await eventually(lambda: copy_of(lille, late["id"])["status"] == "withdrawn")

    # Expiry propagates: Charleroi's expiry worker marks it, Lille applies the Update.
    charleroi.store.db.execute("UPDATE opportunities SET expires_at = ? WHERE ap_id = ?",
                               [(now() - timedelta(seconds=1)).isoformat(timespec="seconds"), early["id"]])
    assert op.expire_due(charleroi.store, charleroi.config, SKILLS) == 1
    charleroi.app[DELIVERY].wake()
    await eventually(lambda: copy_of(lille, early["id"])["status"] == "expired")
    assert op.board(lille.store, op.BoardFilters(), public_only=False)[1] == 0
