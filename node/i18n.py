"""UI language: Babel catalogues for fr, nl, en; chosen from a cookie, else Accept-Language.

Catalogues are `.po` files compiled in memory at first use (no generated `.mo`
files in the tree). Dates and numbers are formatted with the request's locale.
"""

from __future__ import annotations

import functools
import gettext
import io
from datetime import date, datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency as babel_format_currency
from babel.numbers import format_decimal

LOCALE_DIR = Path(__file__).parent / "locale"
UI_LANGUAGES = ("fr", "nl", "en")
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}


@functools.lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue for `lang` (NullTranslations for the English source strings)."""
    po_path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def parse_accept_language(header: str) -> list[str]:
    """Primary language subtags in preference order ('nl-BE;q=0.9, fr;q=0.8' -> ['nl', 'fr'])."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            weighted.append((-quality, index, tag.strip().split("-")[0].lower()))
    return [tag for _q, _i, tag in sorted(weighted)]


def negotiate(cookie: str | None, accept_language: str) -> str:
    if cookie in UI_LANGUAGES:
        return cookie  # type: ignore[return-value]
    for tag in parse_accept_language(accept_language):
        if tag in UI_LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def locale_for(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


def format_datetime(value: datetime, lang: str, fmt: str = "medium", tz: str | None = None) -> str:
    return babel_format_datetime(value, format=fmt, tzinfo=tz, locale=locale_for(lang))


def format_date(value: date | datetime, lang: str, fmt: str = "medium") -> str:
    return babel_format_date(value, format=fmt, locale=locale_for(lang))


def format_number(value: float | int, lang: str) -> str:
    return format_decimal(value, locale=locale_for(lang))


def format_money(value: float, currency: str, lang: str) -> str:
    return babel_format_currency(value, currency, locale=locale_for(lang))


def language_name(code: str, lang: str) -> str:
    """'nl' shown in the reader's language ('néerlandais' for a French reader)."""
    try:
        return Locale.parse(code).get_display_name(locale_for(lang)) or code
    except (UnknownLocaleError, ValueError):
        return code


def pick(mapping: dict[str, str] | None, lang: str) -> str:
    """The text of a language map in the reader's language, else English, else any."""
    if not mapping:
        return ""
    for key in (lang, DEFAULT_LANGUAGE):
        if mapping.get(key):
            return mapping[key]
    return next((text for text in mapping.values() if text), "")


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated later, in its reader's language (mails)."""
    return message
