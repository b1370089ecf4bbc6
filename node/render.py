"""HTML rendering: one jinja2 environment per app, per-request language and CSRF token."""

from __future__ import annotations

import gettext as gettext_mod
from typing import Any, Callable
from urllib.parse import quote

import jinja2
from aiohttp import web
from markupsafe import Markup

from node import i18n
from node.appkeys import CONFIG, JINJA, LANG, SESSION, STORE, USER
from node.services import profiles
from node.services import space as space_service
from node.storage import notifications as notifications_store
from node.storage import space as space_store


def create_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("node", "templates"),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # No translations installed in the environment: each page's context brings the reader's
    # (`page_context`), so a macro imported without context fails loudly instead of speaking English.
    env.filters.update(
        datetime=_filter(i18n.format_datetime),
        date=_filter(i18n.format_date),
        number=_filter(i18n.format_number),
        language_name=_filter(i18n.language_name),
        pick=_filter(i18n.pick),
    )
    env.globals["LANGUAGE_NAMES"] = i18n.LANGUAGE_NAMES
    env.globals["member_limits"] = profiles.MAX_LENGTHS  # the forms' maxlength: the limits the services check
    env.globals["space_limits"] = space_service.MAX_LENGTHS
    env.globals["quote"] = quote
    return env


def _filter(func: Callable[..., str]) -> Callable[..., str]:
    """A filter that formats with the language of the page being rendered."""

    @jinja2.pass_context
    def apply(context: jinja2.runtime.Context, value: Any, *args: Any, **kwargs: Any) -> str:
        if value is None or value == "":
            return ""
        return func(value, context["lang"], *args, **kwargs)

    return apply


def gettext_callables(lang: str) -> dict[str, Callable[..., str]]:
    """New-style gettext for templates: placeholders filled after translation, values escaped."""
    translations: gettext_mod.NullTranslations = i18n.translations(lang)

    @jinja2.pass_eval_context
    def gettext(eval_ctx: jinja2.nodes.EvalContext, message: str, **variables: Any) -> str:
        text = translations.gettext(message)
        if eval_ctx.autoescape:
            text = Markup(text)
        return text % variables if variables else text

    @jinja2.pass_eval_context
    def ngettext(eval_ctx: jinja2.nodes.EvalContext, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        text = translations.ngettext(singular, plural, num)
        if eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext}


def page_context(request: web.Request) -> dict[str, Any]:
    """What every page needs: language, signed-in member, CSRF token, the space."""
    lang = request.get(LANG, i18n.DEFAULT_LANGUAGE)
    session = request.get(SESSION)
    return {
        "request": request,
        "lang": lang,
        "ui_languages": i18n.UI_LANGUAGES,
        "user": request.get(USER),
        "unread_notifications": notifications_store.unread(request.app[STORE], request[USER]["id"]) if request.get(USER) else 0,
        "csrf_token": session.csrf_token if session is not None else (lambda: ""),
        "config": request.app[CONFIG],
        "space": space_store.get(request.app[STORE]),
        **gettext_callables(lang),
    }


def render(request: web.Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200) -> web.Response:
    env = request.app[JINJA]
    html = env.get_template(template).render(page_context(request) | (context or {}))
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def translate(request: web.Request, message: str, **params: Any) -> str:
    """Python-side UI string in the request's language (flash messages, redirects)."""
    text = i18n.translations(request.get(LANG, i18n.DEFAULT_LANGUAGE)).gettext(message)
    return text % params if params else text
