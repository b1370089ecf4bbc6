"""The network catalogue: `/catalogue` (search), `/spaces`, `/admin/catalogue`, and its JSON API.

Pages show what the reader may see (node.services.catalogue explains who sees whom);
the JSON API is the open web's view whoever asks, like `/api/members`.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiMapping

from node import i18n
from node.appkeys import BACKFILL, CLIENT, CONFIG, DELIVERY, FETCH, LANG, SKILLS, STORE, USER
from node.errors import CoffeeError, InvalidInput, NotFound
from node.render import render, translate
from node.services import backfill, catalogue, discovery, local_actors, matching, profiles
from node.services import fields as check
from node.services import follows as follows_service
from node.storage import catalogue as catalogue_store
from node.storage import follows as follows_store
from node.views import api
from node.views.directory import int_param
from node.views.flash import error_text, flash, take_flash
from node.views.guards import admin_required

TEXT_FILTERS = ("q", "skill", "language", "country", "city", "space", "open_to")
FLAGS = ("cross_border", "widen")


def flag(code: str) -> str:
    """A country's flag as text: two regional indicator letters ('BE' -> 🇧🇪), shown beside its name."""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code) if len(code) == 2 and code.isupper() else ""


def _yes_no(query: MultiMapping[str], name: str, *, default: bool = False) -> bool:
    """A yes/no parameter: 1, true or on (a checked box); 0, false or off; absent is `default`."""
    value = query.get(name, "").lower()
    if value not in ("", "0", "1", "true", "false", "on", "off"):
        raise InvalidInput("The parameter %(name)s is 1 or 0.", field=name, name=name)
    return default if value == "" else value in ("1", "true", "on")


def _filters(query: MultiMapping[str]) -> dict[str, Any]:
    """The search filters of the query string, as `catalogue.search` takes them; empty means any."""
    filters: dict[str, Any] = {name: query.get(name, "").strip() or None for name in TEXT_FILTERS}
    if filters["country"]:
        filters["country"] = filters["country"].upper()
    return filters | {name: _yes_no(query, name) for name in FLAGS}


def _search(request: web.Request, filters: dict[str, Any], *, lang: str, member_view: bool,
            per_page: int = catalogue.DEFAULT_PER_PAGE) -> tuple[catalogue.SearchResult, int]:
    page = int_param(request.query, "page", 1, catalogue.MAX_PAGE)
    result = catalogue.search(request.app[STORE], request.app[SKILLS], **filters, viewer_country=request.app[CONFIG].country,
                              lang=lang, page=page, per_page=per_page, viewer_is_member=member_view)
    return result, page


def _url(path: str, filters: dict[str, Any], **changes: Any) -> str:
    """This search with some parameters changed (a facet link, a page link); page 1 is left out."""
    params: dict[str, Any] = {}
    for name, value in (filters | changes).items():
        if value in (None, False, "") or (name == "page" and value == 1):
            continue
        params[name] = 1 if value is True else value
    return path + (f"?{urlencode(params)}" if params else "")


async def catalogue_page(request: web.Request) -> web.Response:
    lang, store, member_view = request[LANG], request.app[STORE], request[USER] is not None
    context: dict[str, Any] = {"error": None, "error_field": None}
    try:
        filters = _filters(request.query)
        result, page = _search(request, filters, lang=lang, member_view=member_view)
        status = 200
    except InvalidInput as exc:
        filters = {name: request.query.get(name, "")[:500] or None for name in TEXT_FILTERS} | dict.fromkeys(FLAGS, False)
        result, page, status = catalogue.SearchResult(items=[], total=0, facets={}), 1, exc.status
        context |= {"error": error_text(request, exc), "error_field": exc.field}
    pages = max(1, math.ceil(result.total / catalogue.DEFAULT_PER_PAGE))
    skill = filters["skill"]
    known_skill = skill and request.app[SKILLS].get(skill)
    spaces = catalogue.known_spaces(store, request.app[CONFIG])
    context |= {
        "filters": filters,
        "result": result,
        "page": page,
        "pages": pages,
        "searching": any(filters.values()),
        "skill_text": request.app[SKILLS].label(skill, lang) if known_skill else (skill or ""),
        "facet_links": {
            name: [facet | {"url": _url("/catalogue", filters, **{name: facet["value"]}), "active": filters[name] == facet["value"]}
                   for facet in facets]
            for name, facets in result.facets.items()
        },
        "clear_links": {name: _url("/catalogue", filters, **{name: None}) for name in TEXT_FILTERS + FLAGS if filters[name]},
        "previous_url": _url("/catalogue", filters, page=page - 1) if page > 1 else None,
        "next_url": _url("/catalogue", filters, page=page + 1) if page < pages else None,
        "languages": sorted(check.KNOWN_LANGUAGES, key=lambda code: check.folded(i18n.language_name(code, lang))),
        "countries": sorted({row["country"] for row in spaces if row["country"]},
                            key=lambda code: check.folded(catalogue.country_name(code, lang))),
        "spaces": spaces,
        "open_to": profiles.OPEN_TO,
        "country_name": lambda code: catalogue.country_name(code, lang),
        "flag": flag,
    }
    return render(request, "catalogue.html", context, status=status)


def _spaces_context(request: web.Request) -> dict[str, Any]:
    store, config, user = request.app[STORE], request.app[CONFIG], request[USER]
    lang = request[LANG]
    is_admin = user is not None and user["role"] == "admin"
    counts = {row["space_id"]: row["people"] for row in catalogue_store.spaces(store, public_only=user is None)}
    # Follow states (waiting, accepted) are the admins' business: others see the spaces followed.
    following = [follows_service.describe(store, row["followee"]) | {"state": row["state"]}
                 for row in follows_store.following(store, local_actors.space_id(config), state=None)
                 if row["state"] == "accepted" or (is_admin and row["state"] != "rejected")]
    for space in following:
        space["people"] = counts.get(space["id"], 0)
        space |= catalogue.space_facts(catalogue.space_document(store, space["id"]))
    return {
        "here": {"id": local_actors.space_id(config), "people": counts.get(local_actors.space_id(config), 0)},
        "following": following,
        "suggestions": discovery.suggestions(store, config),
        "is_admin": is_admin,
        "notice": take_flash(request),
        "error": None,
        "country_name": lambda code: catalogue.country_name(code, lang),
    }


async def spaces_page(request: web.Request) -> web.Response:
    return render(request, "spaces.html", _spaces_context(request))


@admin_required
async def spaces_follow(request: web.Request) -> web.Response:
    """The follow button of a discovered space (POST, CSRF-checked): the space follows it."""
    form = await request.post()
    target = str(form.get("actor", "")).strip()
    store, config = request.app[STORE], request.app[CONFIG]
    try:
        if not target.startswith(("https://", "http://")) or len(target) > 500:
            raise InvalidInput("Choose a space to follow.", field="actor")
        remote, _row = await follows_service.follow_target(store, config, request.app[CLIENT], request.app[FETCH],
                                                           local_actors.space_id(config), target)
    except CoffeeError as exc:
        return render(request, "spaces.html", _spaces_context(request) | {"error": error_text(request, exc)},
                      status=exc.status)
    request.app[DELIVERY].wake()
    flash(request, translate(request, "Follow request sent to %(name)s.", name=remote["name"] or remote["id"]))
    raise web.HTTPSeeOther("/spaces")


@admin_required
async def admin_page(request: web.Request) -> web.Response:
    store, config, lang = request.app[STORE], request.app[CONFIG], request[LANG]
    status = backfill.status(store)
    context = {
        "needs": matching.unmet_needs(store, request.app[SKILLS], local_actors.space_id(config), lang=lang,
                                      country=config.country),
        "entries": status["entries"],
        "jobs": [job | {"name": follows_service.describe(store, job["space_id"])["name"],
                        "finished": _moment(job["finished_at"]), "retry": _moment(job["retry_at"])}
                 for job in status["jobs"]],
        "notice": take_flash(request),
        "country_name": lambda code: catalogue.country_name(code, lang),
    }
    return render(request, "admin/catalogue.html", context)


@admin_required
async def admin_refresh(request: web.Request) -> web.Response:
    """Read every followed space's members again (the backfill worker runs the jobs)."""
    store, config = request.app[STORE], request.app[CONFIG]
    jobs = backfill.queue_followed(store, config)
    request.app[BACKFILL].wake()
    flash(request, translate(request, "Reading the members of %(n)s followed spaces again.", n=len(jobs)))
    raise web.HTTPSeeOther("/admin/catalogue")


# --- JSON API ---------------------------------------------------------------------------------


async def api_catalogue(request: web.Request) -> web.Response:
    """`GET /api/catalogue`: the open web's view of the catalogue, one page at a time."""
    lang = api._lang(request)
    filters = _filters(request.query)
    per_page = int_param(request.query, "per_page", catalogue.DEFAULT_PER_PAGE, catalogue.MAX_PER_PAGE)
    result, page = _search(request, filters, lang=lang, member_view=False, per_page=per_page)
    base = request.app[CONFIG].url
    more = page * per_page < result.total and page < catalogue.MAX_PAGE
    return api._json({
        "total": result.total,
        "total_capped": result.total_capped,
        "page": page,
        "per_page": per_page,
        "next": base + _url("/api/catalogue", filters, page=page + 1, per_page=per_page,
                            lang=request.query.get("lang")) if more else None,
        "concepts": result.concepts,
        "items": result.items,
        "facets": result.facets,
        "facets_sampled": result.facets_sampled,
    })


async def api_matches(request: web.Request) -> web.Response:
    """`GET /api/matches/{username}`: who offers what a public member of this space seeks."""
    lang, store, config = api._lang(request), request.app[STORE], request.app[CONFIG]
    member = profiles.profile_for(store, request.match_info["username"], profiles.Viewer.ANONYMOUS)
    actor_id = local_actors.member_id(config, member["username"])
    if catalogue_store.get(store, actor_id) is None:
        raise NotFound("No member with this name here.")
    needs = matching.matches_for_member(store, request.app[SKILLS], actor_id, lang=lang, viewer_is_member=False,
                                       cross_border_first=_yes_no(request.query, "cross_border_first", default=True),
                                       widen=_yes_no(request.query, "widen"))
    return api._json({"member": actor_id, "needs": needs})


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
