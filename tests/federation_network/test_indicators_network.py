"""Indicators across three nodes (Lille FR, Tournai BE, Mons BE), added up without a centre.

Given events that ended an hour ago and events tomorrow, with participants from both countries,
and a support-log entry in each space; then each node's own figures count only what took place,
and every node's network totals are the sum of the three spaces' own published figures. A fourth
server publishing a document in Tournai's name is listed as unverified and adds nothing.
"""

from __future__ import annotations

import asyncio
import io
import json
from datetime import timedelta
from typing import Any

from aiohttp import web
from openpyxl import load_workbook

from node.services import events as ev
from node.services.indicators import network, support_log
from node.services.indicators.exports import COLUMNS
from node.storage import catalogue as catalogue_store
from node.timeutil import now
from tests.federation_network.attacker import start_attacker
from tests.federation_network.helpers import cli, eventually, follow
from tests.nodes import bind_socket
from tests.test_events import values


def _when(delta: timedelta) -> dict[str, str]:
    start = now() + delta
    return {"start": start.strftime("%Y-%m-%dT%H:%M"), "end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "timezone": "UTC"}


def event_with(node, attendees: list[tuple[str, str]], *, ended_hours_ago: int | None) -> dict[str, Any]:
    """An event of `node` with accepted participants; `ended_hours_ago` moves it into the past
    (registration is only open before an event, so time passes after they registered)."""
    event = ev.create_event(node.store, node.config, values(**_when(timedelta(days=1))), by=None)
    for name, country in attendees:
        ev.register(node.store, event["id"], ev.Attendee(actor_id=f"https://{country.lower()}.example/@{name}",
                                                         name=name, origin=f"https://{country.lower()}.example",
                                                         country=country))
    if ended_hours_ago is not None:
        end = now() - timedelta(hours=ended_hours_ago)
        node.store.conn.execute("UPDATE events SET starts_at = ?, ends_at = ? WHERE id = ?",
                                [(end - timedelta(hours=2)).isoformat(timespec="seconds"),
                                 end.isoformat(timespec="seconds"), event["id"]])
    return event


def support(node, name: str, country: str) -> None:
    support_log.add(node.store, {"date": now().date().isoformat(), "kind": "business_creation",
                                 "beneficiary_type": "company", "beneficiary_name": name, "new_company": "yes",
                                 "beneficiary_country": country, "hours": "2.5", "given_by": "Anne",
                                 "note": "Business plan review"})


async def api(node, query: str = "") -> dict[str, Any]:
    async with node.client().get(f"/api/indicators{query}") as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


def by_key(figures: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["indicator"]: item for item in figures}


async def test_each_node_counts_what_took_place_and_the_network_adds_up_the_three(node_factory, capsys) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    mons = await node_factory(name="Co-nnexion", slug="connexion", country="BE", city="Mons")
    mixed = [("ana", "FR"), ("bert", "BE"), ("chloe", "FR"), ("dirk", "BE"), ("eva", "BE")]
    for node in (lille, tournai, mons):
        event_with(node, mixed, ended_hours_ago=1)  # held, cross-border
        event_with(node, mixed, ended_hours_ago=None)  # tomorrow: not counted yet
        support(node, f"Startup of {node.config.name}", node.config.country)
    event_with(lille, [("fanny", "FR"), ("gilles", "FR"), ("hugo", "FR")], ended_hours_ago=30)  # held, not cross-border

    # Lille follows Tournai only and finds Mons through Tournai's `following` (discovery).
    await follow(tournai, mons)
    await follow(tournai, lille)
    await follow(mons, lille)
    await follow(mons, tournai)
    await follow(lille, tournai)
    await eventually(lambda: [row["id"] for row in catalogue_store.discovered(lille.store)] == [f"{mons.url}/"],
                     timeout=10)

    own = {node.url: by_key((await api(node))["figures"]) for node in (lille, tournai, mons)}
    assert own[lille.url]["events_held"]["total"] == 2
    assert own[lille.url]["cross_border_events_held"]["total"] == 1
    assert own[tournai.url]["events_held"]["total"] == own[tournai.url]["cross_border_events_held"]["total"] == 1
    assert own[lille.url]["participants"]["total"] == 8
    assert own[lille.url]["participants"]["byCountry"] == [{"country": "BE", "value": 3}, {"country": "FR", "value": 5}]
    assert own[mons.url]["participants"]["byCountry"] == [{"country": "BE", "value": 3}, {"country": "FR", "fewerThan": 3}]
    assert own[mons.url]["companies_supported"]["total"] == own[mons.url]["new_companies_supported"]["total"] == 1
    assert own[mons.url]["companies_supported"]["byCountry"] == [{"country": "BE", "fewerThan": 3}]
    assert own[lille.url]["partnerships_started"]["available"] and own[lille.url]["partnerships_started"]["total"] == 0

    for node in (lille, tournai, mons):
        found = (await api(node, "?network=true"))["network"]
        assert sorted((space["space"], space["status"]) for space in found["spaces"]) == sorted(
            [(f"{n.url}/", "own" if n is node else "verified") for n in (lille, tournai, mons)])
        for item in found["totals"]:
            if item["available"]:
                assert item["total"] == sum(own[n.url][item["indicator"]]["total"] for n in (lille, tournai, mons)), item
        totals = by_key(found["totals"])
        assert totals["cross_border_events_held"]["total"] == 3
        assert totals["participants"]["byCountry"] == [{"country": "BE", "value": 9, "hiddenSpaces": 0},
                                                       {"country": "FR", "value": 5, "hiddenSpaces": 2}]

    async with lille.client().get("/indicators?network=true") as resp:
        page = await resp.text()
    assert "FR (+ 2 spaces with fewer than 3)" in page and 'id="chart-participants-space"' in page
    assert page.count(">verified<") == 2
    async with lille.client().get("/indicators.xlsx?network=true") as resp:  # read back by an independent reader
        sheet = load_workbook(io.BytesIO(await resp.read()), read_only=True)["indicators"]
        rows = [dict(zip(COLUMNS, row)) for row in list(sheet.iter_rows(values_only=True))[1:]]
    assert {row["indicator"]: row["value"] for row in rows if row["scope"] == "network" and row["month"] == "total"
            and not row["country"]} == {item["indicator"]: item["total"] if item["available"] else None
                                        for item in found["totals"]}

    capsys.readouterr()
    assert await cli("indicators", str(mons.config.data_dir), "--network", "--json") == 0  # the CLI adds up the same
    from_cli = json.loads(capsys.readouterr().out)["network"]["totals"]
    assert [(item["indicator"], item["total"]) for item in from_cli] == [
        (item["indicator"], item["total"]) for item in found["totals"]]

    # A fourth server serves a document in Tournai's name, with inflated figures.
    mallory = await start_attacker()
    try:
        space = f"{mallory.base}/space"
        forged = {**(await (await tournai.client().get("/space/indicators")).json()),
                  "id": f"{mallory.base}/indicators"}
        for item in forged["figures"]:
            if item["available"]:
                item["total"] = 1000
        mallory.documents[space] = mallory.actor_document(id=space, type="Organization", name="ESCO Tournai",
                                                         indicators=f"{mallory.base}/indicators")
        mallory.documents[f"{mallory.base}/indicators"] = forged
        catalogue_store.put_discovered(lille.store, {"id": space, "name": "ESCO Tournai", "country": "BE",
                                                     "city": "Tournai", "via": f"{tournai.url}/"})
        found = (await api(lille, "?network=true"))["network"]
    finally:
        await mallory.stop()
    statuses = {row["space"]: (row["status"], row["figures"]) for row in found["spaces"]}
    assert statuses[space][0] == "unverified" and statuses[space][1] is None  # listed, not dropped, not counted
    assert by_key(found["totals"])["cross_border_events_held"]["total"] == 3
    assert by_key(found["totals"])["participants"]["total"] == 8 + 5 + 5


async def test_slow_huge_and_bad_spaces_are_listed_and_a_failed_space_keeps_its_last_verified_figures(
        node_factory, monkeypatch) -> None:
    monkeypatch.setattr(network, "READ_TIMEOUT", 1.0)
    monkeypatch.setattr(network, "FRESH_SECONDS", 0)  # read every time in this test
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    support(tournai, "Brasserie", "BE")
    await follow(lille, tournai)
    assert by_key((await api(lille, "?network=true"))["network"]["totals"])["companies_supported"]["total"] == 1

    never = asyncio.Event()  # the slow space's answer never comes
    slow_app = web.Application()

    async def hang(request: web.Request) -> web.Response:
        await never.wait()
        return web.Response()
    slow_app.router.add_get("/{tail:.*}", hang)
    slow_runner = web.AppRunner(slow_app)
    await slow_runner.setup()
    sock = bind_socket()
    slow = f"http://127.0.0.1:{sock.getsockname()[1]}/space"
    await web.SockSite(slow_runner, sock).start()

    mallory = await start_attacker()
    huge, bad, boolean = (f"{mallory.base}/{name}" for name in ("huge", "bad", "boolean"))
    mallory.documents[huge] = mallory.actor_document(id=huge, type="Organization", padding="x" * 2_000_000)
    for space, value in ((bad, -1), (boolean, True)):
        mallory.documents[space] = mallory.actor_document(id=space, type="Organization", indicators=f"{space}/doc")
        mallory.documents[f"{space}/doc"] = {"id": f"{space}/doc", "type": "IndicatorReport", "attributedTo": space,
                                             "figures": [{"indicator": "companies_supported", "available": True,
                                                          "total": value, "monthly": [], "byCountry": []}]}
    for space in (slow, huge, bad, boolean):
        catalogue_store.put_discovered(lille.store, {"id": space, "name": "", "country": "", "city": "",
                                                     "via": f"{tournai.url}/"})
    await tournai.stop()
    try:
        async with lille.client().get("/indicators?network=true") as resp:
            assert resp.status == 200
            page = await resp.text()
        network_data = (await api(lille, "?network=true"))["network"]
    finally:
        never.set()
        await mallory.stop()
        await slow_runner.cleanup()
    rows = {row["space"]: row for row in network_data["spaces"]}
    assert {space: rows[space]["status"] for space in (slow, huge, bad, boolean, f"{tournai.url}/")} == {
        slow: "failed", huge: "failed", bad: "unverified", boolean: "unverified", f"{tournai.url}/": "failed"}
    assert "timed out" in rows[slow]["error"]
    kept = rows[f"{tournai.url}/"]
    assert kept["verified_at"] and by_key(kept["figures"])["companies_supported"]["total"] == 1  # last verified
    assert by_key(network_data["totals"])["companies_supported"]["total"] == 1
    assert page.count("did not answer") == 3 and page.count(">unverified<") == 2
