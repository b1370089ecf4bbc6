"""`GET /api/skills`: the skill picker's suggestions as the member types."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from node.appkeys import LANG, SKILLS
from node.services.skills import DEFAULT_LANGUAGE, DEFAULT_LIMIT, MAX_LIMIT
from node.views.api import PUBLIC_HEADERS
from node.views.directory import int_param


async def search(request: web.Request) -> web.Response:
    """`?q=dév&lang=fr&limit=10` -> {"results": [{"uri", "label", "matched", "matched_lang"}]}.

    `lang` (the language of the labels shown) defaults to the page's UI language;
    bad input is a 400 with a JSON message (the error middleware).
    """
    lang = request.query.get("lang") or request.get(LANG) or DEFAULT_LANGUAGE
    limit = int_param(request.query, "limit", DEFAULT_LIMIT, MAX_LIMIT)
    hits = request.app[SKILLS].search(request.query.get("q", ""), lang, limit)
    return web.json_response({"results": [asdict(hit) for hit in hits]}, headers=PUBLIC_HEADERS)
