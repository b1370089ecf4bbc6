"""Access decorators for views: signed-in members, admins."""

from __future__ import annotations

import functools
import re
from urllib.parse import quote

from aiohttp import web

from node.appkeys import USER

from node.errors import NotAuthenticated, PermissionDenied
from node.middlewares import Handler


def login_required(handler: Handler) -> Handler:
    """Browsers are sent to the login page (and back afterwards); API clients get 401."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        if request[USER] is None:
            if request.path.startswith("/api/"):
                raise NotAuthenticated("Sign in first.")
            raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs)}")
        return await handler(request)

    return wrapper


def admin_required(handler: Handler) -> Handler:
    @functools.wraps(handler)
    @login_required
    async def wrapper(request: web.Request) -> web.StreamResponse:
        if request[USER]["role"] != "admin":
            raise PermissionDenied("Only the space's admins can do this.")
        return await handler(request)

    return wrapper


# Browsers drop tabs and newlines from a Location and read a backslash as `/`: `/<TAB>/evil.example`
# and `/\evil.example` both mean `//evil.example`. Controls, spaces and backslashes never occur in our paths.
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: `next=//evil.example`, `https://evil.example` or `/<TAB>/evil.example` go to `default`."""
    if not target or not target.startswith("/") or target.startswith("//") or _UNSAFE_IN_NEXT.search(target):
        return default
    return target
