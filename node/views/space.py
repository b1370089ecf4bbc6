"""The space's home page and the admin form that edits the space profile."""

from __future__ import annotations

import json
from datetime import time
from typing import Any

from aiohttp import web
from babel.dates import format_time, get_day_names
from markupsafe import Markup
from multidict import MultiMapping

from node import i18n
from node.appkeys import CONFIG, DELIVERY, LANG, SKILLS, STORE, USER
from node.config import Config
from node.errors import CoffeeError, NotFound
from node.i18n import format_money, locale_for
from node.render import render
from node.services import fields as check
from node.services import events as events_service
from node.services import local_actors, media, network_map, profiles, space_pictures
from node.services import space as space_service
from node.storage import catalogue as catalogue_store
from node.storage import pictures as pictures_store
from node.storage.db import Store
from node.timeutil import now
from node.views.directory import member_cards
from node.views.events import listed
from node.views.opportunities import for_you_cards, newest_cards
from node.views.forms import form_list, form_map, form_text
from node.views.guards import admin_required

HOME_CARDS = 12
HOME_EVENTS = 3  # the next events of the space on its home page
PRICE_FIELDS = ("price_hour", "price_day", "price_month")
TEXT_FIELDS = (
    "name", "kind", "street", "postal_code", "city", "region", "country", "latitude", "longitude",
    "website", "email", "phone", "price_hour", "price_day", "price_month", "currency",
)  # fmt: skip


async def home(request: web.Request) -> web.Response:
    store, lang, skills = request.app[STORE], request[LANG], request.app[SKILLS]
    space = space_service.get_space(store)
    rows, total = profiles.directory(store, viewer=profiles.viewer_of(request[USER]), skills=skills, per_page=HOME_CARDS)
    json_ld = json.dumps(space_service.schema_org(space, request.app[CONFIG].url, lang), ensure_ascii=False)
    context = {
        "description": i18n.pick(space["description_map"], lang),
        "network_terms": i18n.pick(space["network_terms_map"], lang),
        "country_name": locale_for(lang).territories.get(space["country"], space["country"]),
        "hours": [_hours_row(row, lang) for row in space["opening_hours"]],
        "prices": [(name, format_money(space[name], space["currency"], lang)) for name in PRICE_FIELDS if space[name] is not None],
        "osm_url": _osm_url(space),
        "members": member_cards(rows, skills, lang),
        "for_you": for_you_cards(request, request[USER]) if request[USER] else None,
        "opportunities": newest_cards(request, HOME_EVENTS),
        "members_total": total,
        "events": listed(events_service.upcoming(store, local_actors.space_id(request.app[CONFIG]), limit=HOME_EVENTS),
                         lang),
        "pictures": space_pictures.shown(pictures_store.own(store), lang),
        "network_events": listed(events_service.find_events(
            store, events_service.AgendaFilters(start_from=now(), cross_border=True), per_page=HOME_EVENTS).items, lang),
        "strip": network_strip(store, request.app[CONFIG], lang),
        # "<" escaped so that no text in the document can close the script element.
        "json_ld": Markup(json_ld.replace("<", "\\u003c")),
    }
    return render(request, "home.html", context)


def network_strip(store: Store, config: Config, lang: str) -> dict[str, int]:
    """How many spaces this node knows, people in its catalogue, events this month (the home page's strip)."""
    _first, start, end = events_service.month_bounds(None, events_service.default_timezone(config.country))
    people = catalogue_store.counts(store)
    return {
        "spaces": len(network_map.spaces(store, config, lang)),
        "people": people["local"] + people["remote"],
        "events": events_service.find_events(store, events_service.AgendaFilters(start_from=start, until=end),
                                             per_page=1).total,
    }


def _osm_url(space: dict[str, Any]) -> str | None:
    """A link to the place on openstreetmap.org: no tiles or scripts loaded from our pages."""
    if space["latitude"] is None:
        return None
    lat, lon = f"{space['latitude']:.6f}", f"{space['longitude']:.6f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def _hours_row(row: dict[str, str], lang: str) -> dict[str, str]:
    """'Mo-Fr' 08:30-18:00 → 'Monday – Friday', '8:30 AM', '6:00 PM' (times as the locale writes them)."""
    names = _day_names("wide", lang)
    spans = []
    for part in row["days"].split(","):
        first, _, last = part.partition("-")
        span = names[space_service.DAYS.index(first)]
        if last:
            span += " – " + names[space_service.DAYS.index(last)]
        spans.append(span)
    return {"days": ", ".join(spans), "opens": row["opens"], "closes": row["closes"],
            "opens_text": _time_text(row["opens"], lang), "closes_text": _time_text(row["closes"], lang)}


def _day_names(width: str, lang: str) -> list[str]:
    """Monday first (Babel's mapping is keyed 0 = Monday but iterates from Sunday)."""
    names = get_day_names(width, locale=locale_for(lang))
    return [names[index] for index in range(7)]


def _time_text(value: str, lang: str) -> str:
    if value == "24:00":
        return value
    return format_time(time.fromisoformat(value), "short", locale=locale_for(lang))


# --- admin ---------------------------------------------------------------------------------------


@admin_required
async def admin_form(request: web.Request) -> web.Response:
    space = space_service.get_space(request.app[STORE])
    return _form_page(request, space, notice=request.query.get("saved") == "1")


@admin_required
async def admin_submit(request: web.Request) -> web.Response:
    form = await request.post()
    fields = _space_fields(form)
    try:
        space_service.update_space(request.app[STORE], fields, config=request.app[CONFIG])
    except CoffeeError as exc:
        submitted = space_service.get_space(request.app[STORE]) | fields
        return _form_page(request, submitted, error=exc, status=exc.status)
    raise web.HTTPSeeOther("/admin/space?saved=1")


@admin_required
async def pictures_submit(request: web.Request) -> web.Response:
    """Upload a logo or a photo with its alt texts: refused whole (naming the field) or stored whole."""
    form = await request.post()
    role = form_text(form, "role")
    store, config = request.app[STORE], request.app[CONFIG]
    try:
        upload = form.get(role) if role in space_pictures.ROLES else None
        data = upload.file.read(media.MAX_UPLOAD_BYTES + 1) if isinstance(upload, web.FileField) else b""
        alt = form_map(form, f"{role}_alt")
        await space_pictures.add_picture(store, config, config.media_dir, role, data,
                                         upload.content_type if isinstance(upload, web.FileField) else None, alt)
    except CoffeeError as exc:
        return _form_page(request, space_service.get_space(store), error=exc, status=exc.status)
    request.app[DELIVERY].wake()
    raise web.HTTPSeeOther("/admin/space?saved=1#pictures-title")


@admin_required
async def picture_delete(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    picture_id = int(request.match_info["picture_id"])
    if not space_pictures.remove_picture(request.app[STORE], config, config.media_dir, picture_id):
        raise NotFound("This picture does not exist.")
    request.app[DELIVERY].wake()
    raise web.HTTPSeeOther("/admin/space?saved=1#pictures-title")


def _form_page(
    request: web.Request, values: dict[str, Any], *, error: CoffeeError | None = None, notice: bool = False, status: int = 200
) -> web.Response:
    lang = request[LANG]
    locale = locale_for(lang)
    rows = [_form_hours(row) for row in values["opening_hours"]]
    rows += [{"days": [], "opens": "", "closes": ""}] * min(2, space_service.MAX_HOURS_ROWS - len(rows))
    content_languages = list(dict.fromkeys([*values["languages"], *values["description_map"], *values["network_terms_map"]]))
    context = {
        "values": values,
        "hours_rows": rows,
        "day_names": list(zip(space_service.DAYS, _day_names("abbreviated", lang), _day_names("wide", lang))),
        "countries": sorted(((code, locale.territories.get(code, code)) for code in space_service.COUNTRIES),
                            key=lambda item: check.folded(item[1])),
        "kinds": space_service.KINDS,
        "amenities": space_service.AMENITIES,
        "content_languages": content_languages,
        "common_languages": check.COMMON_LANGUAGES,
        "other_languages": check.uncommon_languages(lang),
        "error": error.translated(i18n.translations(lang).gettext) if error else None,
        "error_field": error.field if error else None,
        "notice": notice,
        "pictures": space_pictures.shown(pictures_store.own(request.app[STORE]), lang),
        "max_photos": space_pictures.MAX_PHOTOS,
        "max_upload_mb": media.MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    return render(request, "admin/space.html", context, status=status)


def _form_hours(row: dict[str, Any]) -> dict[str, Any]:
    """A stored ('Mo-Fr') or submitted (['Mo', 'Tu']) row as the form's checkboxes show it."""
    days = row["days"]
    if isinstance(days, str):
        codes = space_service.day_codes(days)
    else:
        codes = [day for day in days if day in space_service.DAYS]
    return {"days": codes, "opens": row["opens"], "closes": row["closes"]}


def _space_fields(form: MultiMapping[Any]) -> dict[str, Any]:
    """The form as `update_space` takes it: every editable field, lists for the checkboxes."""
    fields: dict[str, Any] = {name: form_text(form, name) for name in TEXT_FIELDS}
    fields["description_map"] = form_map(form, "description_map")
    fields["network_terms_map"] = form_map(form, "network_terms_map")
    fields["amenities"] = form_list(form, "amenities")
    fields["languages"] = form_list(form, "languages")
    fields["welcomes_network"] = "welcomes_network" in form
    fields["members_can_create_events"] = "members_can_create_events" in form
    fields["members_can_post_opportunities"] = "members_can_post_opportunities" in form
    hours = []
    for index in range(space_service.MAX_HOURS_ROWS):
        days = form_list(form, f"hours.{index}.days")
        opens, closes = form_text(form, f"hours.{index}.opens"), form_text(form, f"hours.{index}.closes")
        if days or opens or closes:
            hours.append({"days": days, "opens": opens, "closes": closes})
    fields["opening_hours"] = hours
    return fields
