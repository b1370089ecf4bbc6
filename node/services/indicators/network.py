"""Network indicators without a centre: ours, plus those of the spaces we follow and the spaces they list.

A space's figures are only ever its own document, read from the URL its own actor advertises, on
its own origin, through the safe client (signed fetch, timeouts, body cap, exact-id check) and
checked: `attributedTo` is that space, every number a non-negative integer. A third party can
therefore not add to a space's figure: a document claiming to be another space is refused as
"unverified". Each read is cached with its date; a space that fails keeps its last verified
figures (shown with their date), and a space we could never verify is listed, not dropped.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import defaultdict
from datetime import datetime
from typing import Any, Awaitable, Callable

from federation.errors import FederationError
from federation.origin import same_origin
from node.config import Config
from node.services import local_actors
from node.services.indicators.registry import Period, known
from node.services.indicators.report import MONTH, SMALL, own_figures, period_url
from node.storage import catalogue as catalogue_store
from node.storage import follows as follows_store
from node.storage import indicators as indicators_store
from node.storage import space as space_store
from node.storage.db import Store
from node.timeutil import now as utcnow

log = logging.getLogger("coffee.indicators")
Fetch = Callable[[str], Awaitable[dict]]
READ_TIMEOUT = 8.0  # one slow space does not hold the page longer than this
FRESH_SECONDS = 300  # a space read this recently is not read again: anonymous page views cannot make us fetch in a loop
_COUNTRY = re.compile(r"^([A-Z]{2})?$")


class Unverified(Exception):
    """The document is not the space's own figures (wrong issuer, origin, or numbers)."""


def network_spaces(store: Store, config: Config) -> list[str]:
    """Spaces we follow and the spaces they list (discovery), each once, never ourselves."""
    me = local_actors.space_id(config)
    ids = [row["followee"] for row in follows_store.following(store, me)]
    ids += [row["id"] for row in catalogue_store.discovered(store)]
    return [space for space in dict.fromkeys(ids) if space != me]


def _count(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise Unverified(f"not a non-negative integer: {value!r}")
    return value


def check_figures(figures: Any) -> list[dict[str, Any]]:
    """The known indicators of a document, each number checked; anything off refuses the whole document."""
    if not isinstance(figures, list):
        raise Unverified("figures is not a list")
    clean = []
    for item in figures:
        if not isinstance(item, dict) or not isinstance(item.get("indicator"), str):
            raise Unverified("a figure without an indicator")
        if not known(item["indicator"]):
            continue  # a newer node's indicator we do not count yet
        if item.get("available") is not True:
            clean.append({"indicator": item["indicator"], "available": False})
            continue
        months = [{"month": m["month"], "value": _count(m.get("value"))} for m in item.get("monthly") or []
                  if isinstance(m, dict) and isinstance(m.get("month"), str) and MONTH.match(m["month"])]
        countries = []
        for entry in item.get("byCountry") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("country"), str) \
                    or not _COUNTRY.match(entry["country"]):
                raise Unverified("a country that is not an ISO code")
            if entry.get("fewerThan") == SMALL and "value" not in entry:
                countries.append({"country": entry["country"], "fewerThan": SMALL})
            else:
                countries.append({"country": entry["country"], "value": _count(entry.get("value"))})
        clean.append({"indicator": item["indicator"], "available": True, "total": _count(item.get("total")),
                      "monthly": months, "byCountry": countries})
    return clean


def verify(document: dict[str, Any], space_id: str, url: str) -> list[dict[str, Any]]:
    if document.get("type") != "IndicatorReport":
        raise Unverified("not an IndicatorReport")
    served_from = document.get("id")  # the client checked it is the URL served from, after any redirect
    if document.get("attributedTo") != space_id or not isinstance(served_from, str) \
            or not same_origin(served_from, space_id) or not same_origin(url, space_id):
        raise Unverified(f"issued by {document.get('attributedTo')!r}, not by {space_id}")
    return check_figures(document.get("figures"))


async def read_space(store: Store, fetch: Fetch, space_id: str, period: Period) -> dict[str, Any]:
    """Read one space's document for `period` (unless read in the last FRESH_SECONDS), record the outcome,
    return its row for the page."""
    cached = indicators_store.source(store, space_id, period.key)
    if cached is None or not _fresh(cached["checked_at"]):
        await _read(store, fetch, space_id, period)
    return _row(store, space_id, period)


def _fresh(checked_at: str) -> bool:
    return (utcnow() - datetime.fromisoformat(checked_at)).total_seconds() < FRESH_SECONDS


async def _read(store: Store, fetch: Fetch, space_id: str, period: Period) -> None:
    url, status, error = "", "verified", ""
    try:
        async with asyncio.timeout(READ_TIMEOUT):
            actor = await fetch(space_id)
            advertised = actor.get("indicators")
            if not isinstance(advertised, str) or not same_origin(advertised, space_id):
                raise Unverified("the space advertises no indicators URL of its own")
            url = period_url(advertised, period)
            figures = verify(await fetch(url), space_id, url)
        indicators_store.record_source(store, space_id, period.key, url=url, status=status, document={
            "name": str(actor.get("name") or "")[:200], "country": _country(actor), "figures": figures})
    except Unverified as exc:
        status, error = "unverified", str(exc)
    except (FederationError, TimeoutError) as exc:
        status, error = "failed", str(exc) or "timed out"
    if status != "verified":
        indicators_store.record_source(store, space_id, period.key, url=url, status=status, error=error)
        log.info("indicators.read_failed", extra={"space": space_id, "status": status, "error": error})


def _row(store: Store, space_id: str, period: Period) -> dict[str, Any]:
    row = indicators_store.source(store, space_id, period.key)
    assert row is not None
    kept = row["document"] or {}
    return {"space": space_id, "name": kept.get("name") or space_id, "country": kept.get("country", ""),
            "status": row["status"], "error": row["error"], "checked_at": row["checked_at"],
            "verified_at": row["verified_at"], "url": row["url"], "figures": kept.get("figures")}


def _country(actor: dict[str, Any]) -> str:
    country = actor.get("country")
    return country if isinstance(country, str) and _COUNTRY.match(country) else ""


def own_space(store: Store, config: Config, period: Period) -> dict[str, Any]:
    space = space_store.get(store)
    return {"space": local_actors.space_id(config), "name": space["name"], "country": space["country"],
            "status": "own", "error": "", "checked_at": None, "verified_at": None,
            "url": f"{config.url}/space/indicators", "figures": own_figures(store, period)}


async def network(store: Store, config: Config, fetch: Fetch, period: Period) -> dict[str, Any]:
    """Ours and every network space's figures, read concurrently, and their sums."""
    others = await asyncio.gather(*(read_space(store, fetch, space, period)
                                    for space in network_spaces(store, config)))
    spaces = [own_space(store, config, period), *others]
    return {"spaces": spaces, "totals": add_up(spaces)}


def add_up(spaces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per indicator: the sum of the spaces' totals, monthly values and country values.

    A country reported as "fewer than 3" by a space adds nothing to the sum and is counted in
    `hiddenSpaces`, so the page can say the figure is at least the sum.
    """
    sums: dict[str, dict[str, Any]] = {}
    for space in spaces:
        for item in space["figures"] or []:
            entry = sums.setdefault(item["indicator"], {
                "indicator": item["indicator"], "available": False, "total": 0,
                "monthly": defaultdict(int), "byCountry": defaultdict(lambda: {"value": 0, "hiddenSpaces": 0}),
                "bySpace": []})
            if not item.get("available"):
                continue
            entry["available"] = True
            entry["total"] += item["total"]
            entry["bySpace"].append({"space": space["space"], "name": space["name"], "value": item["total"]})
            for month in item["monthly"]:
                entry["monthly"][month["month"]] += month["value"]
            for country in item["byCountry"]:
                slot = entry["byCountry"][country["country"]]
                if "value" in country:
                    slot["value"] += country["value"]
                else:
                    slot["hiddenSpaces"] += 1
    return [{
        "indicator": key, "available": entry["available"], "total": entry["total"],
        "monthly": [{"month": m, "value": v} for m, v in sorted(entry["monthly"].items())],
        "byCountry": [{"country": c} | slot for c, slot in sorted(entry["byCountry"].items())],
        "bySpace": entry["bySpace"],
    } for key, entry in sums.items()]
