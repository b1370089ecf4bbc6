"""Signing in and out, changing one's password, choosing the UI language."""

from __future__ import annotations

from aiohttp import web

from node import i18n
from node.appkeys import LANG, SESSION, STORE, USER
from node.errors import CoffeeError, InvalidInput
from node.render import render
from node.services import accounts
from node.views.guards import login_required, safe_next


async def login_form(request: web.Request) -> web.Response:
    if request[USER] is not None:
        raise web.HTTPSeeOther(safe_next(request.query.get("next")))
    return render(request, "login.html", {"next": safe_next(request.query.get("next")), "error": None, "username": ""})


async def login_submit(request: web.Request) -> web.Response:
    form = await request.post()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    try:
        member = accounts.authenticate(request.app[STORE], username, password)
    except CoffeeError as exc:
        error = exc.translated(i18n.translations(request[LANG]).gettext)
        return render(request, "login.html", {"next": target, "error": error, "username": username}, status=401)
    request[SESSION].login(member["id"], member["session_version"])
    raise web.HTTPSeeOther(target)


async def logout(request: web.Request) -> web.Response:
    request[SESSION].logout()
    raise web.HTTPSeeOther("/")


@login_required
async def password_form(request: web.Request) -> web.Response:
    return render(request, "password.html", {"error": None, "done": False})


@login_required
async def password_submit(request: web.Request) -> web.Response:
    form = await request.post()
    new, confirm = str(form.get("new_password", "")), str(form.get("confirm_password", ""))
    try:
        if new != confirm:
            raise InvalidInput("The two new passwords differ.", field="confirm_password")
        version = accounts.change_password(request.app[STORE], request[USER], str(form.get("current_password", "")), new)
    except CoffeeError as exc:
        error = exc.translated(i18n.translations(request[LANG]).gettext)
        return render(request, "password.html", {"error": error, "done": False}, status=400)
    request[SESSION].login(request[USER]["id"], version)  # fresh session; every other one is signed out
    return render(request, "password.html", {"error": None, "done": True})


async def set_language(request: web.Request) -> web.Response:
    """`/lang/nl?next=/members`: remember the choice for a year, go back where we were."""
    code = request.match_info["code"]
    if code not in i18n.UI_LANGUAGES:
        raise web.HTTPNotFound()
    response = web.HTTPSeeOther(safe_next(request.query.get("next")))
    response.set_cookie(i18n.LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", path="/")
    raise response
