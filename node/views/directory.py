"""`/members`: the directory of the members the reader may see, with search and pages."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiMapping

from node.appkeys import LANG, SKILLS, STORE, USER
from node.errors import InvalidInput
from node.render import render
from node.services import fields as check
from node.services import profiles
from node.services.skills import SkillIndex

PER_PAGE = 24
FILTERS = ("q", "skill", "language", "open_to")


def int_param(query: MultiMapping[str], name: str, default: int, maximum: int) -> int:
    """A whole number from 1 to `maximum` (`?page=2`), `default` when absent; else a 400 naming it."""
    raw = query.get(name, "")
    if raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise InvalidInput(
            "The parameter %(name)s must be a whole number from 1 to %(max)s.", field=name, name=name, max=maximum
        )
    return int(raw)


def member_cards(rows: list[dict[str, Any]], skills: SkillIndex, lang: str) -> list[dict[str, Any]]:
    """What `_member_card.html` shows: the public profile, and the visibility for members' eyes."""
    return [profiles.public_profile(member, skills, lang) | {"visibility": member["visibility"]} for member in rows]


def search_params(query: MultiMapping[str]) -> dict[str, str | None]:
    """The filters of `directory()` from the query string; empty means "any"."""
    return {name: query.get(name, "").strip() or None for name in FILTERS}


async def members_page(request: web.Request) -> web.Response:
    store, lang, skills, user = request.app[STORE], request[LANG], request.app[SKILLS], request[USER]
    filters = search_params(request.query)
    page = int_param(request.query, "page", 1, profiles.MAX_PAGE)
    viewer = profiles.viewer_of(user)
    rows, total = profiles.directory(store, viewer=viewer, skills=skills, page=page, per_page=PER_PAGE, **filters)
    pages = max(1, math.ceil(total / PER_PAGE))
    skill = filters["skill"]
    context = {
        "filters": filters,
        "members": member_cards(rows, skills, lang),
        "total": total,
        "page": page,
        "pages": pages,
        "skill_label": skills.label(skill, lang) if skill and skills.get(skill) else skill,
        "skill_suggestions": sorted({skills.label(uri, lang) for uri in profiles.skills_in_use(store, viewer)}, key=check.folded),
        "languages": check.languages_by_name(check.KNOWN_LANGUAGES, lang),
        "open_to": profiles.OPEN_TO,
        "searching": any(filters.values()),
        "previous_url": _page_url(filters, page - 1) if page > 1 else None,
        "next_url": _page_url(filters, page + 1) if page < pages else None,
    }
    return render(request, "members.html", context)


def _page_url(filters: dict[str, Any], page: int) -> str:
    params = {name: value for name, value in filters.items() if value} | ({"page": page} if page > 1 else {})
    return "/members" + (f"?{urlencode(params)}" if params else "")
