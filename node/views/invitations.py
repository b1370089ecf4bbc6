"""`/invite/{token}`: the invited person chooses a password and lands on their profile editor."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node import i18n
from node.appkeys import CONFIG, LANG, SESSION, STORE
from node.errors import CoffeeError, InvalidInput
from node.middlewares import error_response
from node.render import render
from node.services import invitations, profiles

# The token is in the URL: keep it out of Referer headers, caches and search engines.
PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _message(request: web.Request, exc: CoffeeError) -> str:
    return exc.translated(i18n.translations(request[LANG]).gettext)


def _private(response: web.Response) -> web.Response:
    response.headers.update(PRIVATE_HEADERS)
    return response


def _invited_member(request: web.Request) -> dict[str, Any] | web.Response:
    """The member the link is for, or the page explaining why the link is dead (used, expired, ...)."""
    try:
        return invitations.check_invitation(request.app[STORE], request.match_info["token"])
    except CoffeeError as exc:
        return _private(error_response(request, exc.status, _message(request, exc)))


async def invite_form(request: web.Request) -> web.Response:
    member = _invited_member(request)
    if isinstance(member, web.Response):
        return member
    return _private(render(request, "invite.html", _context(member, member["visibility"])))


def _context(member: dict[str, Any], chosen: str, error: str | None = None) -> dict[str, Any]:
    return {"member": member, "error": error, "visibilities": profiles.VISIBILITIES, "chosen": chosen}


async def invite_accept(request: web.Request) -> web.Response:
    member = _invited_member(request)
    if isinstance(member, web.Response):
        return member
    form = await request.post()
    password, confirm = str(form.get("password", "")), str(form.get("confirm_password", ""))
    visibility = str(form.get("visibility", ""))
    try:
        if password != confirm:
            raise InvalidInput("The two passwords differ.", field="confirm_password")
        member = invitations.accept_invitation(request.app[STORE], request.match_info["token"], password,
                                              config=request.app[CONFIG], visibility=visibility)
    except CoffeeError as exc:
        context = _context(member, visibility or member["visibility"], _message(request, exc))
        return _private(render(request, "invite.html", context, status=exc.status))
    request[SESSION].login(member["id"], member["session_version"])
    raise web.HTTPSeeOther("/me/edit?welcome=1", headers=PRIVATE_HEADERS)
