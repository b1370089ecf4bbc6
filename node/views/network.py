"""The network's pages: the map of every known space (`/map`), `/network`, and `/spaces.geojson`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.appkeys import CONFIG, LANG, STORE
from node.render import render
from node.services import catalogue, network_map
from node.services import events as events_service
from node.services.space import KINDS
from node.timeutil import now
from node.views.events import listed

NETWORK_EVENTS = 6  # this month's cross-border events on /network


def _map_context(request: web.Request) -> dict[str, Any]:
    """The spaces (filtered by `?kind=` and `?country=`), grouped by country for the list without JavaScript."""
    store, config, lang = request.app[STORE], request.app[CONFIG], request[LANG]
    everything = network_map.spaces(store, config, lang)
    kind = request.query.get("kind") if request.query.get("kind") in KINDS else None
    countries = sorted({e["country"] for e in everything if e["country"]},
                       key=lambda code: catalogue.country_name(code, lang))
    country = request.query.get("country") if request.query.get("country") in countries else None
    shown = network_map.filtered(everything, kind, country)

    def name_of(code: str) -> str:
        return catalogue.country_name(code, lang)

    return {
        "map_spaces": shown,
        "map_groups": network_map.by_country(shown, name_of),
        "map_kinds": sorted({e["kind"] for e in everything if e["kind"]}),
        "map_countries": [(code, name_of(code)) for code in countries],
        "map_kind": kind or "",
        "map_country": country or "",
        "map_placed": sum(e["latitude"] is not None for e in shown),
        "tile_url": config.map_tile_url,
        "tile_attribution": config.map_attribution,
        "country_name": name_of,
    }


async def map_page(request: web.Request) -> web.Response:
    return render(request, "map.html", _map_context(request))


async def network_page(request: web.Request) -> web.Response:
    store, config = request.app[STORE], request.app[CONFIG]
    _first, start, end = events_service.month_bounds(None, events_service.default_timezone(config.country))
    cross_border = events_service.find_events(
        store, events_service.AgendaFilters(start_from=max(start, now()), until=end, cross_border=True),
        per_page=NETWORK_EVENTS)
    context = _map_context(request) | {"network_events": listed(cross_border.items, request[LANG]),
                                       "network_events_total": cross_border.total}
    return render(request, "network.html", context)


async def spaces_geojson(request: web.Request) -> web.Response:
    """`GET /spaces.geojson`: every known space that has coordinates, for anyone's map."""
    store, config = request.app[STORE], request.app[CONFIG]
    collection = network_map.geojson(network_map.spaces(store, config, request[LANG]), config.url)
    return web.json_response(collection, content_type="application/geo+json",
                             headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"})


