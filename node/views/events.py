"""Event pages: the space's agenda, the network agenda, event pages and forms, my events, the JSON API."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any, Mapping
from urllib.parse import quote, urlencode

from aiohttp import web
from multidict import MultiDictProxy

from node import i18n
from node.appkeys import CLIENT, CONFIG, DELIVERY, FETCH, LANG, STORE, USER
from node.errors import CoffeeError, InvalidInput, NotFound, PermissionDenied, TooLarge
from node.render import render
from node.services import event_documents, event_places, local_actors, media
from node.services import events as events_service
from node.services.fields import KNOWN_LANGUAGES
from node.storage import events as events_store
from node.storage import space as space_store
from node.timeutil import now
from node.views.activitypub import ap_response
from node.views.api import PUBLIC_HEADERS
from node.views.guards import login_required

MONTH_LIMIT = 500
API_PARAMETERS = frozenset({"from", "to", "space", "country", "category", "language", "cross_border", "status", "page"})
FORM_LANGUAGES = ("fr", "nl", "en", "de")
COMMON_ZONES = ("Europe/Brussels", "Europe/Paris", "Europe/Amsterdam", "Europe/Luxembourg", "Europe/Berlin",
                "Europe/London", "Europe/Lisbon", "UTC")


def _zone(request: web.Request) -> str:
    return events_service.default_timezone(request.app[CONFIG].country)


def _filters(request: web.Request, query: Mapping[str, str], *, upcoming_by_default: bool) -> events_service.AgendaFilters:
    filters = events_service.parse_filters(query, _zone(request))
    if upcoming_by_default and filters.start_from is None and filters.until is None:
        filters = replace(filters, start_from=now())
    return filters


def _event(request: web.Request) -> dict[str, Any]:
    return events_service.get_event(request.app[STORE], request.match_info["uuid"])


def _published(request: web.Request, location: str) -> web.HTTPSeeOther:
    """Redirect after a change that queued activities; the delivery worker starts on them now."""
    request.app[DELIVERY].wake()
    return web.HTTPSeeOther(location)


async def _with_cohosts(request: web.Request, values: dict[str, Any], known: list[dict[str, str]]) -> dict[str, Any]:
    """Cohost handles resolved over the network (name, country), as the organizers collection needs them."""
    cohosts = await events_service.resolve_cohosts(request.app[STORE], request.app[CLIENT], request.app[FETCH],
                                                   values["cohosts"], known=known)
    return values | {"cohosts": cohosts}


def _gettext(request: web.Request) -> Any:
    return i18n.translations(request[LANG]).gettext


def listed(events: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Events with what lists show: when (in the reader's language, the event's zone) and where."""
    return [
        event | {"when": events_service.describe_when(event, lang), "place": events_service.describe_place(event),
                 "local_start": events_service.local_times(event)[0]}
        for event in events
    ]


# agendas


async def _agenda(request: web.Request, *, scope: str) -> web.Response:
    store, config = request.app[STORE], request.app[CONFIG]
    query = dict(request.query)
    if scope == "space":
        query["space"] = local_actors.space_id(config)
    view = request.query.get("view", "list")
    context: dict[str, Any] = {
        "scope": scope, "view": view, "query": request.query, "categories": events_service.CATEGORIES,
        "languages": KNOWN_LANGUAGES,
        "organisers": events_store.organisers(store), "countries": events_store.countries(store),
        "can_create": events_service.can_create(store, request[USER]),
        "feed_query": urlencode({k: v for k, v in request.query.items() if k not in ("view", "month", "page")}),
    }
    if view == "month":
        first, start, end = events_service.month_bounds(request.query.get("month"), _zone(request))
        month_query = {k: v for k, v in query.items() if k not in ("from", "to", "page")}
        filters = replace(_filters(request, month_query, upcoming_by_default=False), start_from=start, until=end)
        events = listed(events_service.all_events(store, filters, limit=MONTH_LIMIT), request[LANG])
        previous = (first - timedelta(days=1)).strftime("%Y-%m")
        following = (first + timedelta(days=31)).strftime("%Y-%m")
        context |= {"first": first, "weeks": events_service.month_weeks(first, events),
                    "previous_month": previous, "next_month": following}
    elif view == "list":
        page = events_service.find_events(store, _filters(request, query, upcoming_by_default=True))
        context["page"] = replace(page, items=listed(page.items, request[LANG]))
    else:
        raise InvalidInput("Unknown value: %(value)s.", field="view", value=view[:20])
    return render(request, "events.html", context)


async def space_agenda(request: web.Request) -> web.Response:
    return await _agenda(request, scope="space")


async def network_agenda(request: web.Request) -> web.Response:
    return await _agenda(request, scope="network")


# one event


def _osm_link(event: Mapping[str, Any]) -> str:
    if event["latitude"] is not None:
        lat, lon = event["latitude"], event["longitude"]
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    if event["place_kind"] != "online_only" and (event["street"] or event["city"]):
        address = ", ".join(p for p in (event["street"], event["postal_code"], event["city"], event["country"]) if p)
        return f"https://www.openstreetmap.org/search?query={quote(address)}"
    return ""


def _event_context(request: web.Request, event: dict[str, Any]) -> dict[str, Any]:
    store, config, user = request.app[STORE], request.app[CONFIG], request[USER]
    mine = None
    if user is not None:
        attendee = events_service.member_attendee(config, space_store.get(store), user)
        mine = events_store.registration(store, event["id"], attendee.actor_id)
    manager = events_service.can_manage(user, event)
    return {
        "event": event, "when": events_service.describe_when(event, request[LANG]),
        "start": events_service.local_times(event)[0],
        "place": events_service.describe_place(event), "osm": _osm_link(event),
        "remaining": events_service.remaining(event), "over": event["end"] <= now(),
        "mine": mine, "can_manage": manager,
        "attendees": events_service.attendees(store, event["id"]) if manager else [],
        "counts": events_service.counts(store, event["id"]) if manager else {},
    }


async def event_page(request: web.Request) -> web.Response:
    return render(request, "event.html", _event_context(request, _event(request)))


async def event_ap(request: web.Request) -> web.Response:
    """The Event document; only our own events are served (peers' events live at their origin)."""
    event = _event(request)
    if event["origin"] != "local":
        raise NotFound("No such event.")
    return ap_response(event_documents.event_to_ap(event, request.app[CONFIG].url))


# forms


def _form_languages(request: web.Request) -> list[str]:
    space_languages = space_store.get(request.app[STORE])["languages"]
    return list(dict.fromkeys([*space_languages, *FORM_LANGUAGES]))


def _values_from_form(form: MultiDictProxy[Any], languages: list[str]) -> dict[str, Any]:
    def get(name: str) -> str:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""

    return {
        "name": {lang: get(f"name_{lang}") for lang in languages},
        "description": {lang: get(f"description_{lang}") for lang in languages},
        "start": get("start"), "end": get("end"), "timezone": get("timezone"),
        "place_kind": get("place_kind"), "network_space": get("network_space"),
        "place_name": get("place_name"), "street": get("street"),
        "postal_code": get("postal_code"), "city": get("city"), "region": get("region"), "country": get("country"),
        "latitude": get("latitude"), "longitude": get("longitude"), "online_url": get("online_url"),
        "category": get("category"), "languages": [v for v in form.getall("languages", []) if isinstance(v, str)],
        "capacity": get("capacity"), "registration": get("registration"), "external_url": get("external_url"),
        "status": get("status") or "confirmed",
        "cohosts": [line.strip() for line in get("cohosts").splitlines() if line.strip()],
        "image": get("image"),
    }


def _form_from_event(event: Mapping[str, Any]) -> dict[str, Any]:
    start, end = events_service.local_times(event)
    values = events_service.editable_values(event)
    values |= {
        "start": start.strftime("%Y-%m-%dT%H:%M"), "end": end.strftime("%Y-%m-%dT%H:%M"),
        "capacity": event["capacity"] or "", "latitude": "" if event["latitude"] is None else event["latitude"],
        "longitude": "" if event["longitude"] is None else event["longitude"],
        "cohosts": [c.get("acct") or c.get("id") for c in event["cohosts"]],
    }
    return values


def _form_page(request: web.Request, values: Mapping[str, Any], *, event: Mapping[str, Any] | None,
               error: CoffeeError | None = None) -> web.Response:
    return render(request, "event_form.html", {
        "values": values, "event": event, "languages": _form_languages(request), "all_languages": KNOWN_LANGUAGES,
        "categories": events_service.CATEGORIES, "zones": COMMON_ZONES, "place_kinds": events_service.PLACE_KINDS,
        "network_spaces": event_places.network_spaces(request.app[STORE], request.app[CONFIG]),
        "modes": events_service.REGISTRATION_MODES, "statuses": events_service.STATUSES,
        "max_upload_mb": media.MAX_UPLOAD_BYTES // (1024 * 1024),
        "error": error.translated(_gettext(request)) if error else None, "error_field": error.field if error else None,
    }, status=error.status if error else 200)


@login_required
async def new_form(request: web.Request) -> web.Response:
    if not events_service.can_create(request.app[STORE], request[USER]):
        raise PermissionDenied("Only the space's admins can create events here.")
    return _form_page(request, {"timezone": _zone(request), "place_kind": "this_space", "registration": "open"}, event=None)


@login_required
async def new_submit(request: web.Request) -> web.Response:
    form = await request.post()
    values = _values_from_form(form, _form_languages(request))
    picture = None
    try:
        picture = await _save_upload(request, form)
        event = events_service.create_event(request.app[STORE], request.app[CONFIG],
                                            await _with_cohosts(request, _with_picture(request, values, picture), []),
                                            by=request[USER], past_ok=_past_confirmed(form))
    except (InvalidInput, TooLarge) as exc:
        media.delete_picture(request.app[CONFIG].media_dir, picture)
        return _form_page(request, values, event=None, error=exc)
    raise _published(request, f"/events/{event['uuid']}")


@login_required
async def edit_form(request: web.Request) -> web.Response:
    event = _event(request)
    if not events_service.can_manage(request[USER], event):
        raise PermissionDenied("Only the event's organisers and the space's admins can do this.")
    return _form_page(request, _form_from_event(event), event=event)


@login_required
async def edit_submit(request: web.Request) -> web.Response:
    event = _event(request)
    if not events_service.can_manage(request[USER], event):
        raise PermissionDenied("Only the event's organisers and the space's admins can do this.")
    form = await request.post()
    values = _values_from_form(form, _form_languages(request))
    picture = None
    try:
        picture = await _save_upload(request, form)
        updated = events_service.update_event(
            request.app[STORE], request.app[CONFIG], event["uuid"],
            await _with_cohosts(request, _with_picture(request, values, picture), event["cohosts"]), by=request[USER],
            past_ok=_past_confirmed(form))
    except (InvalidInput, TooLarge) as exc:
        media.delete_picture(request.app[CONFIG].media_dir, picture)
        return _form_page(request, values, event=event, error=exc)
    if updated["image"] != event["image"]:  # a picture we stored and no longer use
        media.delete_picture(request.app[CONFIG].media_dir, _own_picture(request, event["image"]))
    raise _published(request, f"/events/{event['uuid']}")


def _past_confirmed(form: MultiDictProxy[Any]) -> bool:
    return form.get(events_service.CONFIRM_PAST) == "1"


async def _save_upload(request: web.Request, form: MultiDictProxy[Any]) -> str | None:
    """A picture uploaded with the event form, re-encoded into the media directory; its file name."""
    upload = form.get("image_file")
    if not isinstance(upload, web.FileField) or not upload.filename:
        return None
    data = upload.file.read(media.MAX_UPLOAD_BYTES + 1)
    return await asyncio.to_thread(media.save_picture, request.app[CONFIG].media_dir, data, upload.content_type,
                                   field="image_file", max_side=media.EVENT_SIDE)


def _with_picture(request: web.Request, values: dict[str, Any], picture: str | None) -> dict[str, Any]:
    """An uploaded picture replaces the picture's web address."""
    return values if picture is None else values | {"image": f"{request.app[CONFIG].url}/media/{picture}"}


def _own_picture(request: web.Request, url: str | None) -> str | None:
    """The media file name behind one of our own picture URLs (None for other addresses)."""
    prefix = f"{request.app[CONFIG].url}/media/"
    return url[len(prefix):] if url and url.startswith(prefix) else None


@login_required
async def cancel(request: web.Request) -> web.Response:
    uuid = request.match_info["uuid"]
    events_service.cancel_event(request.app[STORE], request.app[CONFIG], uuid, by=request[USER])
    raise _published(request, f"/events/{uuid}")


@login_required
async def delete(request: web.Request) -> web.Response:
    event = events_service.delete_event(request.app[STORE], request.app[CONFIG], request.match_info["uuid"],
                                        by=request[USER])
    media.delete_picture(request.app[CONFIG].media_dir, _own_picture(request, event["image"]))
    raise _published(request, "/events")


# registrations


@login_required
async def attend(request: web.Request) -> web.Response:
    uuid = request.match_info["uuid"]
    events_service.attend(request.app[STORE], request.app[CONFIG], uuid, request[USER])
    raise _published(request, f"/events/{uuid}")


@login_required
async def leave(request: web.Request) -> web.Response:
    uuid = request.match_info["uuid"]
    events_service.leave(request.app[STORE], request.app[CONFIG], uuid, request[USER])
    raise _published(request, f"/events/{uuid}")


@login_required
async def decide(request: web.Request) -> web.Response:
    """An organiser accepts or rejects a registration (approval mode)."""
    uuid = request.match_info["uuid"]
    form = await request.post()
    decision, attendee = form.get("decision"), form.get("attendee")
    if decision not in ("accept", "reject") or not isinstance(attendee, str):
        raise InvalidInput("Unknown value: %(value)s.", field="decision", value=str(decision)[:20])
    events_service.decide(request.app[STORE], request.app[CONFIG], uuid, attendee, accept=decision == "accept",
                          by=request[USER])
    raise _published(request, f"/events/{uuid}#attendees")


@login_required
async def my_events(request: web.Request) -> web.Response:
    store = request.app[STORE]
    return render(request, "my_events.html", {
        "events": listed(events_service.my_events(store, request[USER]["id"]), request[LANG]),
        "has_feed": events_store.has_calendar_token(store, request[USER]["id"]), "feed_url": None,
    })


@login_required
async def my_calendar_link(request: web.Request) -> web.Response:
    """A new secret feed URL, shown once: we keep only its hash."""
    store, config = request.app[STORE], request.app[CONFIG]
    token = events_service.new_calendar_token(store, request[USER]["id"])
    return render(request, "my_events.html", {
        "events": listed(events_service.my_events(store, request[USER]["id"]), request[LANG]), "has_feed": True,
        "feed_url": f"{config.url}/me/events.ics?{urlencode({'token': token})}",
    })


# JSON API


async def api_events(request: web.Request) -> web.Response:
    """`GET /api/events`: the network agenda as JSON, upcoming by default, 20 a page (see docs/api.md)."""
    unknown = sorted(set(request.query) - API_PARAMETERS)
    if unknown:
        raise InvalidInput("Unknown parameter: %(name)s.", field=unknown[0], name=unknown[0][:40])
    page = events_service.find_events(request.app[STORE], _filters(request, request.query, upcoming_by_default=True))
    following = urlencode({**request.query, "page": page.page + 1})
    return web.json_response({
        "total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages,
        "next": f"{request.app[CONFIG].url}/api/events?{following}" if page.page < page.pages else None,
        "events": [events_service.public_view(event) for event in page.items],
    }, headers=PUBLIC_HEADERS)
