"""Admin pages for people: dashboard, members (suspend, roles, removal), invitations.

Every change is a small POST form carrying the CSRF token; a refused change
(the last admin, a taken username) comes back on the same page with its reason.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.appkeys import CONFIG, LANG, MAIL, STORE, USER
from node.errors import CoffeeError
from node.render import render, translate
from node.i18n import UI_LANGUAGES
from node.services import account_email, invitations, members, opportunities, partnerships
from node.views.flash import error_text as _error
from node.views.flash import flash as _flash
from node.views.flash import take_flash as _take_flash
from node.views.guards import admin_required

def _member_id(request: web.Request) -> int:
    return int(request.match_info["id"])


@admin_required
async def dashboard(request: web.Request) -> web.Response:
    store = request.app[STORE]
    context = {"counts": members.counts(store), "pending": len(invitations.pending_invitations(store)),
               "opportunities": opportunities.local_counts(store),
               "partnership_months": partnerships.monthly_counts(store, request.app[CONFIG])}
    return render(request, "admin/dashboard.html", context)


def _members_page(request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
    context = {"members": members.list_members(request.app[STORE]), "notice": _take_flash(request), "error": error}
    return render(request, "admin/members.html", context, status=status)


@admin_required
async def members_list(request: web.Request) -> web.Response:
    return _members_page(request)


def _apply(request: web.Request, action: str) -> str:
    """Do what one button of /admin/members asks; the notice to show afterwards."""
    store, member_id, by = request.app[STORE], _member_id(request), request[USER]["id"]
    if action == "suspend":
        member = members.suspend(store, member_id, by, config=request.app[CONFIG])
        return translate(request, "%(username)s is suspended and signed out.", username=member["username"])
    if action == "reactivate":
        member = members.reactivate(store, member_id, by, config=request.app[CONFIG])
        return translate(request, "%(username)s can sign in again.", username=member["username"])
    if action == "make-admin":
        member = members.set_role(store, member_id, "admin", by)
        return translate(request, "%(username)s is now an admin.", username=member["username"])
    member = members.set_role(store, member_id, "member", by)
    return translate(request, "%(username)s is now a member.", username=member["username"])


@admin_required
async def member_action(request: web.Request) -> web.Response:
    """POST /admin/members/{id}/{action}; the route only lets the four known actions through."""
    try:
        notice = _apply(request, request.match_info["action"])
    except CoffeeError as exc:
        return _members_page(request, error=_error(request, exc), status=exc.status)
    _flash(request, notice)
    raise web.HTTPSeeOther("/admin/members")


@admin_required
async def remove_confirm(request: web.Request) -> web.Response:
    member = members.get_member(request.app[STORE], _member_id(request))
    return render(request, "admin/member_remove.html", {"member": member, "error": None})


@admin_required
async def remove_submit(request: web.Request) -> web.Response:
    store = request.app[STORE]
    member = members.get_member(store, _member_id(request))
    try:
        members.remove(store, member["id"], request[USER]["id"], config=request.app[CONFIG])
    except CoffeeError as exc:
        context = {"member": member, "error": _error(request, exc)}
        return render(request, "admin/member_remove.html", context, status=exc.status)
    _flash(request, translate(request, "%(username)s was removed.", username=member["username"]))
    raise web.HTTPSeeOther("/admin/members")


def _invitations_page(
    request: web.Request,
    *,
    created: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    context = {
        "pending": invitations.pending_invitations(request.app[STORE]),
        "created": created,
        "form": form or {"username": "", "display_name": "", "role": "member", "email": "", "language": ""},
        "error": error,
        "notice": _take_flash(request),
        "valid_days": invitations.VALID_DAYS,
    }
    # The one-time link is on this page: keep it out of caches.
    response = render(request, "admin/invitations.html", context, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@admin_required
async def invitations_list(request: web.Request) -> web.Response:
    return _invitations_page(request)


@admin_required
async def invitation_create(request: web.Request) -> web.Response:
    posted = await request.post()
    form = {key: str(posted.get(key, "")).strip() for key in ("username", "display_name", "role", "email", "language")}
    store, config = request.app[STORE], request.app[CONFIG]
    lang = form["language"] if form["language"] in UI_LANGUAGES else request[LANG]
    try:
        with store.transaction():  # a refused address creates no invitation either
            member, _token, url = invitations.invite(
                store, config, username=form["username"], display_name=form["display_name"],
                role=form["role"] or "member", created_by=request[USER]["id"],
            )
            if form["email"] and config.mail is not None:
                account_email.send_invitation(store, config, to=form["email"][:254], url=url, lang=lang)
    except CoffeeError as exc:
        return _invitations_page(request, form=form, error=_error(request, exc), status=exc.status)
    emailed = form["email"] if form["email"] and config.mail is not None else None
    if emailed:
        request.app[MAIL].wake()
    return _invitations_page(request, created={"member": member, "url": url, "emailed": emailed})


@admin_required
async def invitation_renew(request: web.Request) -> web.Response:
    try:
        member, _token, url = invitations.renew(request.app[STORE], request.app[CONFIG], _member_id(request), request[USER]["id"])
    except CoffeeError as exc:
        return _invitations_page(request, error=_error(request, exc), status=exc.status)
    return _invitations_page(request, created={"member": member, "url": url})


@admin_required
async def invitation_revoke(request: web.Request) -> web.Response:
    try:
        member = invitations.revoke(request.app[STORE], _member_id(request), request[USER]["id"])
    except CoffeeError as exc:
        return _invitations_page(request, error=_error(request, exc), status=exc.status)
    _flash(request, translate(request, "The invitation of %(username)s was withdrawn.", username=member["username"]))
    raise web.HTTPSeeOther("/admin/invitations")
