"""Per-request observability: a request id, one `http.request` log line, the request counter.

Put `request_log_middleware` first in the middleware list so it sees the final
status, after the error middleware has turned exceptions into pages.

Only the route template (`/invite/{token}`) is logged and counted, never the
raw path or query string: paths carry invitation tokens and usernames, query
strings may carry tokens, and raw paths would also make one metric series per URL.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Awaitable, Callable

from aiohttp import web

from node.appkeys import METRICS, REQUEST_ID

log = logging.getLogger("coffee.http")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

REQUEST_ID_HEADER = "X-Request-Id"
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "unmatched"


def request_id_for(request: web.Request) -> str:
    """The proxy's id when it looks like one (so logs correlate across hops), else a new one."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    return incoming if SANE_REQUEST_ID.match(incoming) else secrets.token_hex(16)


def route_template(request: web.Request) -> str:
    """`/@{username}` rather than `/@alice`; `unmatched` for 404s and 405s outside the route table."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED_ROUTE


def _record(request: web.Request, status: int, started: float) -> None:
    method = request.method if request.method in KNOWN_METHODS else "OTHER"
    route = route_template(request)
    request.app[METRICS].inc("coffee_http_requests_total", method=method, route=route, status=str(status))
    log.info(
        "http.request",
        extra={
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "request_id": request[REQUEST_ID],
        },
    )


@web.middleware
async def request_log_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[REQUEST_ID] = request_id_for(request)
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # redirects and errors raised past the error middleware
        exc.headers[REQUEST_ID_HEADER] = request[REQUEST_ID]
        _record(request, exc.status, started)
        raise
    except Exception:
        _record(request, 500, started)
        raise
    if not response.prepared:  # a streamed response has sent its headers already
        response.headers[REQUEST_ID_HEADER] = request[REQUEST_ID]
    _record(request, response.status, started)
    return response
