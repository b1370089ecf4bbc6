"""The bell (`/notifications`), notification settings and account e-mail (`/me/notifications`),
one-click unsubscribe (`/unsubscribe/...`, no login), password reset by e-mail (`/password/...`)."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import CONFIG, LANG, MAIL, STORE, USER
from node.errors import CoffeeError, NotFound
from node.middlewares import csrf_exempt
from node.render import render, translate
from node.services import account_email, notifications
from node.storage import notifications as notifications_store
from node.views.flash import error_text, flash, take_flash
from node.views.guards import login_required


@login_required
async def bell(request: web.Request) -> web.Response:
    store, member_id = request.app[STORE], request[USER]["id"]
    rows = notifications.listing(store, member_id, request[LANG])
    notifications_store.mark_read(store, member_id)
    return render(request, "notifications.html", {"notifications": rows})


def _settings(request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
    store, member_id = request.app[STORE], request[USER]["id"]
    return render(request, "notification_settings.html", {
        "kinds": notifications.KINDS, "channels": {k: notifications.channel(store, member_id, k) for k in notifications.KINDS},
        "email": notifications_store.email_of(store, member_id), "mail_on": request.app[CONFIG].mail is not None,
        "error": error, "notice": take_flash(request)}, status=status)


@login_required
async def settings_page(request: web.Request) -> web.Response:
    return _settings(request)


@login_required
async def settings_save(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        notifications.set_preferences(request.app[STORE], request[USER]["id"],
                                      {kind: str(form.get(kind, "")) for kind in notifications.KINDS})
    except CoffeeError as exc:
        return _settings(request, error=error_text(request, exc), status=exc.status)
    flash(request, translate(request, "Your choices are saved."))
    raise web.HTTPSeeOther("/me/notifications")


@login_required
async def email_save(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        account_email.set_address(request.app[STORE], request.app[CONFIG], request[USER], str(form.get("email", ""))[:300])
    except CoffeeError as exc:
        return _settings(request, error=error_text(request, exc), status=exc.status)
    request.app[MAIL].wake()
    flash(request, translate(request, "We sent a confirmation link to this address."))
    raise web.HTTPSeeOther("/me/notifications")


async def email_confirm(request: web.Request) -> web.Response:
    account_email.confirm(request.app[STORE], request.query.get("token", ""))
    return render(request, "message.html", {"message": translate(request, "Your e-mail address is confirmed.")})


def _unsubscribe_args(request: web.Request) -> tuple[int, str, str]:
    try:
        member_id = int(request.match_info["member_id"])
    except ValueError:
        raise NotFound("This unsubscribe link is not valid.") from None
    return member_id, request.match_info["kind"], request.match_info["token"]


async def unsubscribe_page(request: web.Request) -> web.Response:
    """The link in the mail: a page with one button (link checkers that follow links change nothing)."""
    member_id, kind, token = _unsubscribe_args(request)
    if kind not in notifications.KINDS or token != notifications.unsubscribe_token(request.app[CONFIG], member_id, kind):
        raise NotFound("This unsubscribe link is not valid.")
    return render(request, "unsubscribe.html", {"kind_label": notifications.KINDS[kind], "done": False})


@csrf_exempt  # RFC 8058: mail clients POST `List-Unsubscribe=One-Click` with no session; the token is the proof
async def unsubscribe(request: web.Request) -> web.Response:
    member_id, kind, token = _unsubscribe_args(request)
    notifications.unsubscribe(request.app[STORE], request.app[CONFIG], member_id, kind, token)
    return render(request, "unsubscribe.html", {"kind_label": notifications.KINDS[kind], "done": True})


async def forgot_page(request: web.Request) -> web.Response:
    return render(request, "password_forgot.html", {"sent": False})


async def forgot_submit(request: web.Request) -> web.Response:
    """The same answer whether or not the address is known: nobody learns who is a member."""
    form = await request.post()
    account_email.request_reset(request.app[STORE], request.app[CONFIG], str(form.get("email", ""))[:300], request[LANG])
    request.app[MAIL].wake()
    return render(request, "password_forgot.html", {"sent": True})


async def reset_page(request: web.Request) -> web.Response:
    return render(request, "password_reset.html", {"token": request.query.get("token", ""), "error": None})


async def reset_submit(request: web.Request) -> web.Response:
    form = await request.post()
    token, password = str(form.get("token", "")), str(form.get("password", ""))
    try:
        account_email.reset(request.app[STORE], token, password)
    except CoffeeError as exc:
        return render(request, "password_reset.html", {"token": token, "error": error_text(request, exc)},
                      status=exc.status)
    flash(request, translate(request, "Your password was changed. Sign in with it."))
    raise web.HTTPSeeOther("/login")
