"""Calendar and feed downloads: `.ics` for calendar apps, Atom for feed readers."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from node.appkeys import CONFIG, STORE
from node.services import calendars, local_actors
from node.services import events as events_service
from node.services.publication import main_language
from node.storage import space as space_store
from node.timeutil import now

FEED_LIMIT = 500
ICS_TYPE = "text/calendar"


def _ics(body: bytes, filename: str | None = None) -> web.Response:
    response = web.Response(body=body, content_type=ICS_TYPE, charset="utf-8")
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _window(request: web.Request, *, space_only: bool) -> events_service.AgendaFilters:
    """The query's filters; without dates: from a month ago on (see `calendars.default_window`)."""
    config = request.app[CONFIG]
    query = dict(request.query)
    if space_only:
        query = {"space": local_actors.space_id(config)}
    filters = events_service.parse_filters(query, events_service.default_timezone(config.country))
    if filters.start_from is None and filters.until is None:
        filters = replace(filters, start_from=calendars.default_window(now()))
    return filters


async def space_ics(request: web.Request) -> web.Response:
    store = request.app[STORE]
    events = events_service.all_events(store, _window(request, space_only=True), limit=FEED_LIMIT)
    return _ics(calendars.calendar(events, name=space_store.get(store)["name"], lang=main_language(store)))


async def network_ics(request: web.Request) -> web.Response:
    """The network agenda with the same filters as `/agenda` (query parameters)."""
    store = request.app[STORE]
    events = events_service.all_events(store, _window(request, space_only=False), limit=FEED_LIMIT)
    name = f"{space_store.get(store)['name']} · Coffee"
    return _ics(calendars.calendar(events, name=name, lang=main_language(store)))


async def member_ics(request: web.Request) -> web.Response:
    """A member's registrations; the secret token in the URL stands for the sign-in calendar apps cannot do."""
    store = request.app[STORE]
    member_id = events_service.member_for_calendar_token(store, request.query.get("token", ""))
    events = events_service.my_events(store, member_id)
    return _ics(calendars.calendar(events, name=space_store.get(store)["name"], lang=main_language(store)))


async def event_ics(request: web.Request) -> web.Response:
    """"Add to calendar": one event, as a download."""
    store = request.app[STORE]
    event = events_service.get_event(store, request.match_info["uuid"])
    body = calendars.calendar([event], name=space_store.get(store)["name"], lang=main_language(store))
    return _ics(body, filename=f"{event['uuid']}.ics")


async def space_atom(request: web.Request) -> web.Response:
    """Upcoming events of this space."""
    store, config = request.app[STORE], request.app[CONFIG]
    filters = events_service.AgendaFilters(space=local_actors.space_id(config), start_from=now())
    space = space_store.get(store)
    body = calendars.atom_feed(
        events_service.all_events(store, filters, limit=FEED_LIMIT), title=space["name"],
        feed_url=f"{config.url}/events.atom", html_url=f"{config.url}/events", author=space["name"],
        author_uri=local_actors.space_id(config), lang=main_language(store), now=now(),
    )
    return web.Response(body=body, content_type="application/atom+xml", charset="utf-8")
