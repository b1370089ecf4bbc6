"""A node's own figures for a period, in the public form every output uses, and the published document.

Public form of one indicator (the API, the JSON-LD document, the exports and the page all use it):
`{"indicator", "available", "definition", "total", "monthly": [{"month", "value"}],
"byCountry": [{"country", "value"} | {"country", "fewerThan": 3}]}`. In an indicator that counts
people or companies, a country with 1 or 2 is published as "fewer than 3" (`fewerThan`), never
its number: with a country's 1, anyone who knows who came could tell who it was. Totals and months
stay exact (no person is named by a space's total). Not-yet-available indicators carry
`available: false` and no numbers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from typing import Any

from federation.jsonld import COFFEE_CONTEXT
from node.config import Config
from node.errors import InvalidInput
from node.services import local_actors
from node.services import partnerships  # noqa: F401  (registers partnerships_started and its cross-border twin)
from node.services.indicators import counting  # noqa: F401  (registers the built-in sources)
from node.services.indicators.registry import Indicator, Period, counter, indicators
from node.storage.db import Store
from node.timeutil import now as utcnow
from node.timeutil import now_iso

SMALL = 3  # counts below this, in identifying categories, are shown as "fewer than 3"
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def parse_period(start: str | None, end: str | None) -> Period:
    """`from`/`to` as YYYY-MM (empty means open); 400 naming the field otherwise.
    A period that ends before it starts holds no month: its figures are zeros, not an error."""
    values = {}
    for name, value in (("from", start), ("to", end)):
        value = (value or "").strip() or None
        if value is not None and not MONTH.match(value):
            raise InvalidInput("A month is written YYYY-MM.", field=name)
        values[name] = value
    return Period(values["from"], values["to"])


def small_count(value: int, identifying: bool) -> dict[str, int]:
    return {"fewerThan": SMALL} if identifying and 0 < value < SMALL else {"value": value}


def figure(store: Store, indicator: Indicator, period: Period, now: datetime) -> dict[str, Any]:
    count = counter(indicator.key)
    base = {"indicator": indicator.key, "available": count is not None, "definition": indicator.source}
    if count is None:
        return base
    total, months, countries = set(), defaultdict(set), defaultdict(set)
    for month, country, identity in count(store, period, now):
        if period.holds(month):
            total.add(identity)
            months[month].add(identity)
            countries[country].add(identity)
    return base | {
        "total": len(total),
        "monthly": [{"month": m, "value": len(ids)} for m, ids in sorted(months.items())],
        "byCountry": [{"country": c} | small_count(len(ids), indicator.identifying)
                      for c, ids in sorted(countries.items())],
    }


def own_figures(store: Store, period: Period, now: datetime | None = None) -> list[dict[str, Any]]:
    moment = now or utcnow()
    return [figure(store, indicator, period, moment) for indicator in indicators()]


def document_url(config: Config, period: Period) -> str:
    return period_url(f"{config.url}/space/indicators", period)


def period_url(base: str, period: Period) -> str:
    """The stable URL of a period's document under a space's advertised `indicators` URL: the URL
    itself (total), `…/2026-11` (a month), `…?from=…&to=…` (any other range)."""
    if period.start is None and period.end is None:
        return base
    if period.start == period.end:
        return f"{base}/{period.start}"
    query = "&".join(f"{name}={value}" for name, value in (("from", period.start), ("to", period.end)) if value)
    return f"{base}?{query}"


def document(store: Store, config: Config, period: Period, now: datetime | None = None) -> dict[str, Any]:
    """The JSON-LD indicators document the space publishes (aggregates only, never a name).

    Authenticated by origin: peers accept it only fetched from the URL the space's own actor
    advertises, with `id` that URL and `attributedTo` that actor (schemas/indicators.md).
    """
    doc = {
        "@context": COFFEE_CONTEXT,
        "id": document_url(config, period),
        "type": "IndicatorReport",
        "attributedTo": local_actors.space_id(config),
        "periodStart": period.start,
        "periodEnd": period.end,
        "published": now_iso(),
        "figures": own_figures(store, period, now),
    }
    return {key: value for key, value in doc.items() if value is not None}
