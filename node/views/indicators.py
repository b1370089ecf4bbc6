"""Indicators on the web: the published documents, `/api/indicators`, the page, exports, admin forms.

Everything public here is aggregates (`node.services.indicators.report`); the support log's
entries are only on `/admin/support`, for the space's admins.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from aiohttp import web

from node.appkeys import CONFIG, FETCH, LANG, STORE
from node.errors import InvalidInput
from node.render import render, translate
from node.services.indicators import api, charts, exports, support_log
from node.services.indicators.labels import INDICATOR_LABELS, SUPPORT_KINDS
from node.services.indicators import targets as targets_service
from node.services.indicators.registry import Period, indicators as all_indicators
from node.services.indicators.report import document, parse_period
from node.storage import indicators as indicators_store
from node.views.activitypub import ap_response
from node.views.flash import error_text, flash, take_flash
from node.views.guards import admin_required

PUBLIC_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=60"}
_TRUE, _FALSE = ("1", "true", "yes"), ("", "0", "false", "no")


def _period(request: web.Request) -> Period:
    return parse_period(request.query.get("from"), request.query.get("to"))


def _network(request: web.Request) -> bool:
    value = request.query.get("network", "").lower()
    if value not in _TRUE + _FALSE:
        raise InvalidInput("network is true or false.", field="network")
    return value in _TRUE


async def _data(request: web.Request) -> dict[str, Any]:
    fetch = request.app[FETCH] if _network(request) else None
    return await api.indicators(request.app[STORE], request.app[CONFIG], _period(request), fetch=fetch)


async def published(request: web.Request) -> web.Response:
    """The space's JSON-LD indicators document: total, a month (`/space/indicators/2026-11`), or a range."""
    month = request.match_info.get("month")
    period = parse_period(month, month) if month else _period(request)
    return ap_response(document(request.app[STORE], request.app[CONFIG], period))


async def api_indicators(request: web.Request) -> web.Response:
    body = await _data(request)
    return web.json_response(body, headers=PUBLIC_HEADERS, dumps=functools.partial(json.dumps, ensure_ascii=False))


async def export_csv(request: web.Request) -> web.Response:
    return web.Response(text=exports.to_csv(await _data(request)), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="indicators.csv"'})


async def export_xlsx(request: web.Request) -> web.Response:
    return web.Response(body=exports.to_xlsx(await _data(request)),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="indicators.xlsx"'})


async def _page_context(request: web.Request) -> dict[str, Any]:
    data = await _data(request)
    shown = data["network"]["totals"] if "network" in data else data["figures"]
    return {
        "data": data, "shown": shown, "network": "network" in data,
        "progress": targets_service.progress(shown, data["targets"]),
        "charts": charts.charts_for(shown, request[LANG]),
        "query": request.query_string, "labels": INDICATOR_LABELS,
        "definitions": {indicator.key: indicator.source for indicator in all_indicators()},
    }


async def page(request: web.Request) -> web.Response:
    return render(request, "indicators.html", await _page_context(request))


async def report(request: web.Request) -> web.Response:
    """The printable report (HTML with print styles) for a funder's periodic report."""
    return render(request, "indicators_report.html", await _page_context(request))


# --- admins: support log and targets ------------------------------------------------------------


def _support_context(request: web.Request) -> dict[str, Any]:
    store = request.app[STORE]
    return {"entries": indicators_store.support_entries(store), "kinds": support_log.KINDS,
            "targets": indicators_store.targets(store), "indicators": all_indicators(),
            "notice": take_flash(request), "error": None, "error_field": None, "form": {},
            "labels": INDICATOR_LABELS, "kind_labels": SUPPORT_KINDS, "csv_columns": ", ".join(support_log.CSV_FIELDS)}


@admin_required
async def support_page(request: web.Request) -> web.Response:
    return render(request, "admin/support.html", _support_context(request))


def _refused(request: web.Request, exc: InvalidInput, form: dict[str, Any]) -> web.Response:
    return render(request, "admin/support.html", _support_context(request) | {"error": error_text(request, exc),
                                                                  "error_field": exc.field, "form": form},
                  status=exc.status)


@admin_required
async def support_add(request: web.Request) -> web.Response:
    form = dict(await request.post())
    try:
        support_log.add(request.app[STORE], form)
    except InvalidInput as exc:
        return _refused(request, exc, form)
    flash(request, translate(request, "Support recorded."))
    raise web.HTTPSeeOther("/admin/support")


@admin_required
async def support_import(request: web.Request) -> web.Response:
    form = await request.post()
    upload = form.get("file")
    text = upload.file.read(support_log.MAX_IMPORT_BYTES + 1).decode("utf-8", "replace") \
        if isinstance(upload, web.FileField) else str(upload or "")
    try:
        count = support_log.import_csv(request.app[STORE], text)
    except InvalidInput as exc:
        return _refused(request, exc, {})
    flash(request, translate(request, "Support entries imported: %(count)s.", count=count))
    raise web.HTTPSeeOther("/admin/support")


@admin_required
async def target_set(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        targets_service.set_target(request.app[STORE], str(form.get("indicator", "")), form.get("target", ""),
                                   str(form.get("from", "")), str(form.get("to", "")))
    except InvalidInput as exc:
        return _refused(request, exc, {})
    flash(request, translate(request, "Target saved."))
    raise web.HTTPSeeOther("/admin/support")
