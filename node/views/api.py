"""The public JSON API: the space and its public members, for other websites and apps.

Read-only and anonymous: `/api/members` is the open web's view (only `public`
members), whoever asks. Any origin may read it (CORS), no cookies involved.
"""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from node import i18n
from node.appkeys import CONFIG, LANG, SKILLS, STORE
from node.errors import InvalidInput
from node.openapi import openapi_document
from node.services import fields as check
from node.services import profiles
from node.services import space as space_service
from node.views.directory import int_param, search_params

PUBLIC_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=60"}
DEFAULT_PER_PAGE = 24


def _json(body: dict[str, Any]) -> web.Response:
    return web.json_response(body, headers=PUBLIC_HEADERS, dumps=functools.partial(json.dumps, ensure_ascii=False))


def _lang(request: web.Request) -> str:
    """`?lang=nl` for the texts and skill labels, else the request's language."""
    lang = request.query.get("lang") or request[LANG]
    if lang not in check.KNOWN_LANGUAGES:
        raise InvalidInput("Unknown language code: %(code)s.", field="lang", code=lang[:20])
    return lang


async def space(request: web.Request) -> web.Response:
    lang = _lang(request)
    current = space_service.get_space(request.app[STORE])
    body = space_service.public_space(current) | {
        "url": f"{request.app[CONFIG].url}/",
        "description": i18n.pick(current["description_map"], lang),
        "network_terms": i18n.pick(current["network_terms_map"], lang),
    }
    return _json(body)


async def members(request: web.Request) -> web.Response:
    lang, skills, base = _lang(request), request.app[SKILLS], request.app[CONFIG].url
    filters = search_params(request.query)
    page = int_param(request.query, "page", 1, profiles.MAX_PAGE)
    per_page = int_param(request.query, "per_page", DEFAULT_PER_PAGE, profiles.MAX_PER_PAGE)
    rows, total = profiles.directory(
        request.app[STORE], viewer=profiles.Viewer.ANONYMOUS, skills=skills, page=page, per_page=per_page, **filters
    )
    more = page * per_page < total
    query = {name: value for name, value in filters.items() if value} | {"page": page + 1, "per_page": per_page}
    if "lang" in request.query:
        query["lang"] = lang
    return _json(
        {
            "total": total,
            "page": page,
            "per_page": per_page,
            "next": f"{base}/api/members?{urlencode(query)}" if more else None,
            "members": [profiles.public_profile(member, skills, lang, base_url=base) for member in rows],
        }
    )


async def openapi(request: web.Request) -> web.Response:
    return _json(openapi_document(request.app[CONFIG].url))
