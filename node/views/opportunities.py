"""Opportunity pages: the network board (with its Atom feed and JSON API), an opportunity's page,
the posting form, answering, my opportunities (with the answers), my partnerships."""

from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiMapping

from node.appkeys import CONFIG, DELIVERY, LANG, SKILLS, STORE, USER
from node.errors import CoffeeError, InvalidInput, NotFound, PermissionDenied
from node.i18n import translations
from node.render import render
from node.services import calendars, local_actors
from node.services import opportunities as service
from node.services import opportunity_answers as answers
from node.services import opportunity_documents as documents
from node.services import partnerships as partnerships_service
from node.services.fields import KNOWN_LANGUAGES
from node.services.skills import SkillHit, resolve_form_input
from node.storage import opportunities as store_mod
from node.storage import space as space_store
from node.timeutil import now
from node.views.activitypub import ap_response
from node.views.api import PUBLIC_HEADERS
from node.views.forms import form_list, form_map, form_text
from node.views.guards import login_required

API_PARAMETERS = frozenset({"kind", "skill", "country", "jurisdiction", "remote", "language", "space", "status", "page"})
FEED_LIMIT = 100
FORM_LANGUAGES = ("fr", "nl", "en")


def _country(request: web.Request) -> str:
    return request.app[CONFIG].country


def _listed(request: web.Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What lists show besides the row: skill labels in the reader's language, the cross-border mark."""
    skills, lang = request.app[SKILLS], request[LANG]
    return [item | {"skill_labels": [skills.label(uri, lang) for uri in item["skills"]],
                    "cross_border": service.is_cross_border(item, _country(request))} for item in items]


def _published(request: web.Request, location: str) -> web.HTTPSeeOther:
    request.app[DELIVERY].wake()
    return web.HTTPSeeOther(location)


# the board


async def board(request: web.Request) -> web.Response:
    store = request.app[STORE]
    filters = service.parse_filters(request.query, request.app[SKILLS])
    items, total = service.board(store, filters, public_only=request[USER] is None)
    return render(request, "opportunities.html", {
        "items": _listed(request, items), "total": total, "page": filters.page, "query": request.query,
        "kinds": service.KINDS, "languages": KNOWN_LANGUAGES,
        "can_post": service.can_post(store, request[USER]),
        "pages": max(1, -(-total // service.PER_PAGE)),
        "feed_query": urlencode({k: v for k, v in request.query.items() if k != "page"}),
    })


async def board_atom(request: web.Request) -> web.Response:
    """The board as Atom, with the same filters (public opportunities only: feeds are read anonymously)."""
    store, config = request.app[STORE], request.app[CONFIG]
    filters = service.parse_filters(request.query, request.app[SKILLS])
    items, _total = service.board(store, filters, public_only=True, per_page=FEED_LIMIT)
    space = space_store.get(store)
    lang = (space["languages"] or ["en"])[0]
    body = calendars.atom_feed(
        [item | {"category": item["kind"]} for item in items], title=f"{space['name']} · opportunities",
        feed_url=f"{config.url}/opportunities.atom", html_url=f"{config.url}/opportunities", author=space["name"],
        author_uri=local_actors.space_id(config), lang=lang, now=now(),
        summarise=lambda item, _lang: f"{item['kind']} · {item['space_name']} · {item['expires_at'][:10]}",
    )
    return web.Response(body=body, content_type="application/atom+xml", charset="utf-8")


async def api_opportunities(request: web.Request) -> web.Response:
    """`GET /api/opportunities`: the board as JSON, 20 a page (see docs/api.md)."""
    unknown = sorted(set(request.query) - API_PARAMETERS)
    if unknown:
        raise InvalidInput("Unknown parameter: %(name)s.", field=unknown[0], name=unknown[0][:40])
    filters = service.parse_filters(request.query, request.app[SKILLS])
    items, total = service.board(request.app[STORE], filters, public_only=True)
    pages = max(1, -(-total // service.PER_PAGE))
    following = urlencode({**request.query, "page": filters.page + 1})
    return web.json_response({
        "total": total, "page": filters.page, "per_page": service.PER_PAGE, "pages": pages,
        "next": f"{request.app[CONFIG].url}/api/opportunities?{following}" if filters.page < pages else None,
        "opportunities": [service.public_view(item) | {"cross_border": service.is_cross_border(item, _country(request))}
                          for item in items],
    }, headers=PUBLIC_HEADERS)


# one opportunity


def _visible(request: web.Request) -> dict[str, Any]:
    """Network-only opportunities exist for the network's members, not for anonymous readers."""
    found = service.get(request.app[STORE], request.match_info["uuid"])
    if found["visibility"] != "public" and request[USER] is None:
        raise NotFound("No such opportunity.")
    return found


async def page(request: web.Request) -> web.Response:
    found = _visible(request)
    user = request[USER]
    mine = None
    if user is not None:
        mine = store_mod.answer_of(request.app[STORE], found["id"], local_actors.member_id(request.app[CONFIG], user["username"]))
    return render(request, "opportunity.html", {
        "item": _listed(request, [found])[0], "open": found["status"] == "open" and found["expires"] > now(),
        "can_manage": service.can_manage(user, found), "mine": mine,
        "thread": answers.thread(request.app[STORE], mine["id"]) if mine else [],
        "is_poster": user is not None and found["poster_id"] == local_actors.member_id(request.app[CONFIG], user["username"]),
    })


async def page_ap(request: web.Request) -> web.Response:
    """The Page document; only our own, and network-only ones are not served (they travel to followers)."""
    found = service.get(request.app[STORE], request.match_info["uuid"])
    if found["origin"] != "local" or found["visibility"] != "public":
        raise NotFound("No such opportunity.")
    return ap_response(documents.to_ap(found, request.app[SKILLS]))


# posting


def _values(form: MultiMapping[Any], skills: list[str]) -> dict[str, Any]:
    return {
        "kind": form_text(form, "kind"), "title": form_map(form, "title"), "description": form_map(form, "description"),
        "skills": skills, "languages": form_list(form, "languages"), "place_kind": form_text(form, "place_kind"),
        "place_name": form_text(form, "place_name"), "city": form_text(form, "city"), "country": form_text(form, "country"),
        "jurisdiction": form_text(form, "jurisdiction"), "starts_on": form_text(form, "starts_on"),
        "duration": form_text(form, "duration"), "contract": form_text(form, "contract"),
        "pay_amount": form_text(form, "pay_amount"), "pay_currency": form_text(form, "pay_currency"),
        "pay_period": form_text(form, "pay_period"), "expires": form_text(form, "expires"),
    }


def _form(request: web.Request, values: Mapping[str, Any], *, item: Mapping[str, Any] | None = None,
          error: CoffeeError | None = None, candidates: list[SkillHit] = (), typed: str = "") -> web.Response:  # type: ignore[assignment]
    skills, lang = request.app[SKILLS], request[LANG]
    return render(request, "opportunity_form.html", {
        "values": values, "item": item, "kinds": service.KINDS, "contracts": service.CONTRACTS, "periods": service.PAY_PERIODS,
        "place_kinds": service.PLACE_KINDS, "languages": FORM_LANGUAGES, "all_languages": KNOWN_LANGUAGES,
        "selected": [(uri, skills.label(uri, lang)) for uri in values.get("skills", [])], "candidates": candidates,
        "typed": typed, "error": error.translated(translations(lang).gettext) if error else None,
        "error_field": error.field if error else None,
    }, status=error.status if error else 200)


@login_required
async def new_form(request: web.Request) -> web.Response:
    if not service.can_post(request.app[STORE], request[USER]):
        raise PermissionDenied("Only the space's admins can post opportunities here.")
    return _form(request, {"kind": "mission", "place_kind": "this_space"})


async def _save(request: web.Request, save: Any, item: dict[str, Any] | None = None) -> web.Response:
    """Read the posted form, resolve its skills and `save(values, skills)`; the form again, with the
    error and the skill suggestions, when the input is refused. Shared by the new and edit forms."""
    form = await request.post()
    skills, lang = request.app[SKILLS], request[LANG]
    uris, candidates, picker_error = resolve_form_input(skills, form_list(form, "skills"), form_text(form, "skills_add"), lang)
    values = _values(form, uris)
    try:
        if picker_error is not None:
            raise InvalidInput(picker_error.template, field="skills", **picker_error.params)
        uuid = save(values, skills)
    except (InvalidInput, PermissionDenied) as exc:
        return _form(request, values, item=item, error=exc, candidates=candidates,
                     typed=form_text(form, "skills_add") if picker_error else "")
    raise _published(request, f"/opportunities/{uuid}")


@login_required
async def new_submit(request: web.Request) -> web.Response:
    store, config = request.app[STORE], request.app[CONFIG]
    return await _save(request, lambda values, skills: service.create(store, config, values, skills, by=request[USER])["uuid"])


def _editable(request: web.Request) -> dict[str, Any]:
    found = service.get(request.app[STORE], request.match_info["uuid"])
    if not service.can_manage(request[USER], found):
        raise PermissionDenied("Only who posted this opportunity and the space's admins can change it.")
    return found


@login_required
async def edit_form(request: web.Request) -> web.Response:
    found = _editable(request)
    values = service.editable_values(found) | {"expires": found["expires_at"][:10]}
    return _form(request, values, item=found)


@login_required
async def edit_submit(request: web.Request) -> web.Response:
    found = _editable(request)
    store, config = request.app[STORE], request.app[CONFIG]

    def save(values: dict[str, Any], skills: Any) -> str:
        service.update(store, config, found["uuid"], values, skills, by=request[USER])
        return found["uuid"]

    return await _save(request, save, item=found)


@login_required
async def close(request: web.Request) -> web.Response:
    uuid = request.match_info["uuid"]
    form = await request.post()
    service.close(request.app[STORE], request.app[CONFIG], uuid, request.app[SKILLS],
                  status=form_text(form, "status") or "withdrawn", by=request[USER])
    raise _published(request, f"/opportunities/{uuid}")


# answers and partnerships


@login_required
async def answer(request: web.Request) -> web.Response:
    uuid = request.match_info["uuid"]
    form = await request.post()
    answers.answer(request.app[STORE], request.app[CONFIG], uuid, request[USER], form_text(form, "message"),
                   form_text(form, "profile_url"))
    raise _published(request, f"/opportunities/{uuid}?answered=1")


@login_required
async def reply(request: web.Request) -> web.Response:
    """A message in an answer's thread, from the poster (my opportunities) or the answerer (the opportunity's page)."""
    form = await request.post()
    row = answers.reply(request.app[STORE], request.app[CONFIG], int(request.match_info["id"]), request[USER],
                        form_text(form, "message"))
    found = store_mod.get(request.app[STORE], row["opportunity_id"])
    mine = found["origin"] == "local" and found["poster_id"] == local_actors.member_id(request.app[CONFIG], request[USER]["username"])
    raise _published(request, "/me/opportunities" if mine else f"/opportunities/{found['uuid']}#answer")


@login_required
async def decide(request: web.Request) -> web.Response:
    """The poster accepts (a partnership is proposed) or declines an answer."""
    uuid = request.match_info["uuid"]
    form = await request.post()
    decision, answer_id = form_text(form, "decision"), form_text(form, "answer")
    if decision not in ("accept", "decline") or not answer_id.isdigit():
        raise InvalidInput("Unknown value: %(value)s.", field="decision", value=decision[:20])
    store, config = request.app[STORE], request.app[CONFIG]
    if decision == "accept":
        partnerships_service.accept_answer(store, config, uuid, int(answer_id), by=request[USER])
    else:
        answers.decline(store, uuid, int(answer_id), by=request[USER])
    raise _published(request, "/me/opportunities")


@login_required
async def my_opportunities(request: web.Request) -> web.Response:
    store, user = request.app[STORE], request[USER]
    mine = _listed(request, service.mine(store, user))
    return render(request, "my_opportunities.html", {
        "items": [item | {"answers": [a | {"thread": answers.thread(store, a["id"])} for a in answers.for_poster(store, item)],
                          "helpers": service.who_could_answer(store, request.app[SKILLS], item, lang=request[LANG],
                                                              country=_country(request))} for item in mine],
        "for_you": for_you_cards(request, user),
    })


def for_you_cards(request: web.Request, member: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What the home page, the member's own profile and "my opportunities" show under "For you"."""
    return _listed(request, service.for_you(request.app[STORE], member, _country(request)))


def newest_cards(request: web.Request, limit: int) -> list[dict[str, Any]]:
    """The newest open public opportunities of the network, for the space's home page."""
    items, _total = service.board(request.app[STORE], service.BoardFilters(), public_only=True, per_page=limit)
    return _listed(request, items)


@login_required
async def end_partnership(request: web.Request) -> web.Response:
    partnerships_service.end(request.app[STORE], request.app[CONFIG], request.match_info["uuid"], by=request[USER])
    raise _published(request, "/me/partnerships")


@login_required
async def my_partnerships(request: web.Request) -> web.Response:
    store, config = request.app[STORE], request.app[CONFIG]
    return render(request, "my_partnerships.html", {
        "partnerships": partnerships_service.of_member(store, config, request[USER]),
        "me": local_actors.member_id(config, request[USER]["username"]),
    })
