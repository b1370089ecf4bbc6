"""One-time notices carried across a redirect (POST → 303 → GET), and translated error text."""

from __future__ import annotations

from aiohttp import web

from node import i18n
from node.appkeys import LANG, SESSION
from node.errors import CoffeeError

FLASH = "flash"


def flash(request: web.Request, notice: str) -> None:
    request[SESSION][FLASH] = notice


def take_flash(request: web.Request) -> str | None:
    session = request[SESSION]
    if FLASH not in session:
        return None
    message = session[FLASH]
    del session[FLASH]
    return message


def error_text(request: web.Request, exc: CoffeeError) -> str:
    return exc.translated(i18n.translations(request[LANG]).gettext)
