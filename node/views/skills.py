"""`GET /api/skills`: the skill picker's suggestions as the member types."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from node.appkeys import LANG, SKILLS
from node.errors import InvalidInput
from node.services.skills import DEFAULT_LANGUAGE, DEFAULT_LIMIT, MAX_LIMIT
from node.views.api import PUBLIC_HEADERS
from node.views.directory import int_param


async def search(request: web.Request) -> web.Response:
    """`?q=dév&lang=fr&limit=10[&kind=occupation]` -> {"results": [{"uri", "label", "matched", "matched_lang"}]}.

    `kind=occupation` searches ESCO occupations (professions) instead of skills; no result
    means "no skill found — try another word" (the picker says so).

    `lang` (the language of the labels shown) defaults to the page's UI language;
    bad input is a 400 with a JSON message (the error middleware).
    """
    lang = request.query.get("lang") or request.get(LANG) or DEFAULT_LANGUAGE
    limit = int_param(request.query, "limit", DEFAULT_LIMIT, MAX_LIMIT)
    kind = request.query.get("kind", "skill")
    if kind not in ("skill", "occupation"):
        raise InvalidInput("kind is skill or occupation.", field="kind")
    hits = request.app[SKILLS].search(request.query.get("q", ""), lang, limit, occupations=kind == "occupation")
    return web.json_response({"results": [asdict(hit) for hit in hits]}, headers=PUBLIC_HEADERS)
