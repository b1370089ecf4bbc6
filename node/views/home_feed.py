"""`/home`: a signed-in member's feed of what they follow; `/home.atom`: the same behind their secret token.

The token is the member's calendar token (one private link per member, see
`events_service.new_calendar_token`): feed readers, like calendar apps, cannot sign in.
"""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from node.appkeys import CONFIG, LANG, STORE, USER
from node.render import render
from node.services import events as events_service
from node.services import home_feed
from node.storage import members as members_store
from node.timeutil import now
from node.views.activitypub import page_number
from node.views.guards import login_required


def _query(request: web.Request) -> tuple[str | None, int]:
    kind = request.query.get("kind") or None
    return (kind if kind in home_feed.KINDS else None), page_number(request) or 1


@login_required
async def home(request: web.Request) -> web.Response:
    kind, number = _query(request)
    rows = home_feed.page(request.app[STORE], request[USER]["id"], kind=kind, number=number, lang=request[LANG])
    more = len(rows) > home_feed.PAGE_SIZE
    return render(request, "home_feed.html", {
        "items": rows[:home_feed.PAGE_SIZE], "kind": kind, "kinds": home_feed.KINDS, "number": number,
        "next_url": f"/home?{urlencode({k: v for k, v in (('kind', kind), ('page', number + 1)) if v})}" if more else None,
        "prev_url": f"/home?{urlencode({k: v for k, v in (('kind', kind), ('page', number - 1)) if v})}" if number > 1 else None,
    })


@login_required
async def feed_link(request: web.Request) -> web.Response:
    """A new private link for feed readers (it is also the calendar link: one secret per member)."""
    config = request.app[CONFIG]
    token = events_service.new_calendar_token(request.app[STORE], request[USER]["id"])
    rows = home_feed.page(request.app[STORE], request[USER]["id"], lang=request[LANG])
    return render(request, "home_feed.html", {
        "items": rows[:home_feed.PAGE_SIZE], "kind": None, "kinds": home_feed.KINDS, "number": 1,
        "next_url": "/home?page=2" if len(rows) > home_feed.PAGE_SIZE else None, "prev_url": None,
        "feed_url": f"{config.url}/home.atom?{urlencode({'token': token})}",
    })


async def home_atom(request: web.Request) -> web.Response:
    store, config = request.app[STORE], request.app[CONFIG]
    member_id = events_service.member_for_calendar_token(store, request.query.get("token", ""))
    member = members_store.get(store, member_id)
    lang = home_feed.reader_language(member)
    kind, _number = _query(request)
    rows = home_feed.page(store, member_id, kind=kind, lang=lang)[:home_feed.PAGE_SIZE]
    body = home_feed.atom(rows, feed_url=f"{config.url}/home.atom", html_url=f"{config.url}/home",
                          title=(member or {}).get("display_name", ""), lang=lang, now=now())
    return web.Response(body=body, content_type="application/atom+xml", charset="utf-8")
