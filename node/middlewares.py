"""Request pipeline: errors → language → session → signed-in member → CSRF.

Services raise `node.errors` and federation raises `federation.errors`; this is
the one place where both become 4xx pages or JSON, in the reader's language.
"""

from __future__ import annotations

import hmac
import logging
from typing import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from federation import origin
from federation.errors import FederationError
from node import i18n
from node.appkeys import CONFIG, LANG, SESSION, SESSIONS, STORE, USER
from node.errors import CoffeeError
from node.render import render
from node.services.accounts import current_member
from node.storage import health
from node.sessions import COOKIE_NAME, MAX_AGE

log = logging.getLogger("coffee.http")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
RETRY_AFTER_FULL_S = 120  # a full disk is an operator's job: a couple of minutes, not seconds


def csrf_exempt(handler: Handler) -> Handler:
    """Mark a handler that authenticates otherwise (ActivityPub inboxes: HTTP signatures)."""
    handler.csrf_exempt = True  # type: ignore[attr-defined]
    return handler


def wants_json(request: web.Request) -> bool:
    if request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept", "")
    return "json" in accept and "text/html" not in accept


def json_error(status: int, message: str, field: str | None = None) -> web.Response:
    """The documented JSON error (docs/api.md, `Error` in the OpenAPI description)."""
    body: dict[str, object] = {"error": message, "status": status}
    if field:
        body["field"] = field
    return web.json_response(body, status=status)


def error_response(request: web.Request, status: int, message: str, field: str | None = None) -> web.Response:
    if wants_json(request):
        return json_error(status, message, field)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except CoffeeError as exc:
        message = exc.translated(i18n.translations(request.get(LANG, i18n.DEFAULT_LANGUAGE)).gettext)
        return error_response(request, exc.status, message, exc.field)
    except FederationError as exc:
        log.info("http.federation_rejected", extra={"path": request.path, "status": exc.status, "reason": str(exc)})
        return web.json_response({"error": str(exc)}, status=exc.status)
    except web.HTTPException as exc:
        if exc.status in (404, 405, 413) and exc.content_type == "text/plain":  # aiohttp's own bare answers
            gettext = i18n.translations(request.get(LANG, i18n.DEFAULT_LANGUAGE)).gettext
            reason = {404: gettext("This page does not exist."), 405: gettext("This method is not allowed here."),
                      413: gettext("What you sent is too large for this site.")}[exc.status]
            response = error_response(request, exc.status, reason)
            if "Allow" in exc.headers:  # RFC 9110 §15.5.6: a 405 says which methods the resource has
                response.headers["Allow"] = exc.headers["Allow"]
            return response
        raise
    except Exception as exc:
        gettext = i18n.translations(request.get(LANG, i18n.DEFAULT_LANGUAGE)).gettext
        reason = health.unwritable_reason(exc)
        if reason:  # a full disk: nothing was saved, and trying again later will work
            log.warning("http.storage_unavailable", extra={"method": request.method, "path": request.path, "reason": reason})
            response = error_response(request, 503, gettext(
                "This site cannot save anything right now (its disk is full). Nothing was changed; "
                "please try again in a few minutes."))
            response.headers["Retry-After"] = str(RETRY_AFTER_FULL_S)
            return response
        log.exception("http.unhandled", extra={"method": request.method, "path": request.path})
        return error_response(request, 500, gettext("Something went wrong on our side. The error was logged."))


@web.middleware
async def language_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[LANG] = i18n.negotiate(request.cookies.get(i18n.LANGUAGE_COOKIE), request.headers.get("Accept-Language", ""))
    response = await handler(request)
    if isinstance(response, web.Response) and response.content_type == "text/html":
        response.headers.setdefault("Content-Language", request[LANG])
        response.headers.add("Vary", "Accept-Language, Cookie")
    return response


# Local probes (a health check, Prometheus) reach the node directly, not through its public address.
ADDRESS_EXEMPT = frozenset({"/healthz", "/metrics"})


def seen_address(request: web.Request) -> str:
    """The address the request was made to, as the browser saw it: the proxy's X-Forwarded-Proto
    (else our own scheme) and the Host header."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    scheme = forwarded if forwarded in ("http", "https") else request.scheme
    return f"{scheme}://{request.host}"


@web.middleware
async def address_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A request for another address than the node's URL cannot work: cookies marked Secure are not
    sent over plain HTTP (every form then looks expired) and signatures name the host. Say so
    plainly (421 Misdirected Request) instead of failing later with a misleading error."""
    config = request.app[CONFIG]
    seen = seen_address(request)
    if request.path in ADDRESS_EXEMPT or origin.same_origin(seen, config.url):
        return await handler(request)
    log.info("http.wrong_address", extra={"path": request.path, "seen": seen[:200], "url": config.url})
    gettext = i18n.translations(request[LANG]).gettext
    message = gettext("This site's address is %(url)s, but this page was asked for at %(seen)s. Open %(url)s "
                      "instead. If you run this node: check the url in node.toml, and that your proxy passes the "
                      "Host header and X-Forwarded-Proto.") % {"url": config.url, "seen": seen[:200]}
    return error_response(request, 421, message)


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    codec = request.app[SESSIONS]
    session = codec.loads(request.cookies.get(COOKIE_NAME))
    request[SESSION] = session
    request[USER] = current_member(request.app[STORE], session.get("uid"), session.get("sv", 0))
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _save(request, exc, codec.dumps(session) if session.changed else None)
        raise
    _save(request, response, codec.dumps(session) if session.changed else None)
    return response


def _save(request: web.Request, response: web.StreamResponse, cookie: str | None) -> None:
    if cookie is None or response.prepared:
        return
    secure = request.app[CONFIG].url.startswith("https://")
    response.set_cookie(COOKIE_NAME, cookie, max_age=MAX_AGE, httponly=True, samesite="Lax", secure=secure, path="/")


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every unsafe request from a browser carries the session's token (form field or header).

    Routing comes first: a method or path the router refuses answers 405 (with `Allow`) or
    404 whatever the token, so API clients learn what the resource accepts.
    """
    route_handler = request.match_info.handler
    routed = request.match_info.http_exception is None
    if routed and request.method in UNSAFE_METHODS and not getattr(route_handler, "csrf_exempt", False):
        expected = request[SESSION].get("csrf")
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            supplied = (await request.post()).get(CSRF_FIELD)
        else:
            supplied = request.headers.get("X-CSRF-Token")
        origin = request.headers.get("Origin")
        own = urlsplit(request.app[CONFIG].url)
        bad_origin = origin not in (None, "null") and urlsplit(origin).netloc != own.netloc
        if not expected or not isinstance(supplied, str) or not _same_token(expected, supplied) or bad_origin:
            log.info("http.csrf_rejected", extra={"path": request.path})
            gettext = i18n.translations(request[LANG]).gettext
            return error_response(
                request, 403, gettext("This form has expired or did not come from this site. Reload the page and try again.")
            )
    return await handler(request)


def _same_token(expected: str, supplied: str) -> bool:
    """Constant-time comparison of any text: `compare_digest` refuses non-ASCII str (TypeError, a 500)."""
    return hmac.compare_digest(expected.encode("utf-8", "surrogatepass"), supplied.encode("utf-8", "surrogatepass"))


MIDDLEWARES = [error_middleware, language_middleware, address_middleware, session_middleware, csrf_middleware]
