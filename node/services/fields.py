"""Field validators shared by the space and profile services.

Each takes the raw value (form text, JSON value) and returns the cleaned value or
raises `InvalidInput` naming the field, so the form can put the message next to it
and the JSON API can return `{"field": ...}`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any, Iterable
from urllib.parse import urlsplit

from node import i18n
from node.errors import InvalidInput

# Languages people speak and spaces write in: the EU's, their neighbours', and those of
# the largest communities in Belgium and northern France. Names come from Babel.
KNOWN_LANGUAGES = (
    "fr", "nl", "en", "de", "es", "it", "pt", "ar", "pl", "tr", "ro", "ru", "uk", "el",
    "cs", "sk", "hu", "bg", "hr", "sl", "sr", "sq", "lt", "lv", "et", "fi", "sv", "da",
    "no", "is", "ga", "mt", "lb", "wa", "eu", "ca", "gl", "br", "kab", "rif", "ln", "sw",
    "wo", "ti", "so", "am", "fa", "ps", "ku", "hy", "ka", "he", "hi", "ur", "bn", "vi", "zh",
    "ja", "ko",
)  # fmt: skip
# Shown first in language pickers; the other known languages sit in a collapsed list.
COMMON_LANGUAGES = ("fr", "nl", "en", "de", "es", "it", "pt", "ar", "pl", "tr", "ro", "wa")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
MAX_URL = 500


def text(value: Any, *, field: str, max_len: int, required: bool = False, multiline: bool = False) -> str:
    """Trimmed text without control characters; line breaks only where the field is multi-line."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput("This value must be text.", field=field)
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not multiline:
        value = value.replace("\n", " ").replace("\t", " ")
    if _CONTROL.search(value):
        raise InvalidInput("This text contains characters that are not allowed.", field=field)
    if required and not value:
        raise InvalidInput("This field is required.", field=field)
    if len(value) > max_len:
        raise InvalidInput("This text is too long (at most %(max)s characters).", field=field, max=max_len)
    return value


def language_map(value: Any, *, field: str, max_len: int) -> dict[str, str]:
    """`{"fr": ..., "nl": ...}` with known language codes; empty texts are dropped."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("This value must map language codes to texts.", field=field)
    cleaned: dict[str, str] = {}
    for code, content in value.items():
        if code not in KNOWN_LANGUAGES:
            raise InvalidInput("Unknown language code: %(code)s.", field=field, code=str(code)[:20])
        item = text(content, field=f"{field}.{code}", max_len=max_len, multiline=True)
        if item:
            cleaned[code] = item
    return cleaned


def url(value: Any, *, field: str) -> str:
    """An absolute http(s) URL with a host (or "" for none); no credentials, no spaces."""
    value = text(value, field=field, max_len=MAX_URL)
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        host = None
    if parts.scheme.lower() not in ("http", "https") or not host or " " in value or "@" in parts.netloc:
        raise InvalidInput("Enter a full web address starting with http:// or https://.", field=field)
    return value


def email(value: Any, *, field: str) -> str:
    value = text(value, field=field, max_len=254)
    if value and not _EMAIL.match(value):
        raise InvalidInput("Enter an e-mail address like name@example.org.", field=field)
    return value


def choices(values: Any, allowed: Iterable[str], *, field: str, max_items: int | None = None) -> list[str]:
    """A list of distinct codes from `allowed`, in the order given."""
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise InvalidInput("This value must be a list.", field=field)
    allowed = tuple(allowed)
    cleaned: list[str] = []
    for value in values:
        if value not in allowed:
            raise InvalidInput("Unknown value: %(value)s.", field=field, value=str(value)[:40])
        if value not in cleaned:
            cleaned.append(value)
    if max_items is not None and len(cleaned) > max_items:
        raise InvalidInput("Too many values (at most %(max)s).", field=field, max=max_items)
    return cleaned


def number(value: Any, *, field: str) -> float | None:
    """A finite number, or None for empty; accepts a decimal comma ("50,63"). Callers check the range."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidInput("Enter a number.", field=field)
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise InvalidInput("Enter a number.", field=field) from None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidInput("Enter a number.", field=field)
    return float(value)


def boolean(value: Any, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("This value must be true or false.", field=field)
    return value


def folded(value: str) -> str:
    """Case- and accent-insensitive form for searching ("Émilie" matches "emilie")."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def languages_by_name(codes: Iterable[str], lang: str) -> list[str]:
    """Language codes in the alphabetical order of their names in `lang` (for pickers)."""
    return sorted(codes, key=lambda code: folded(i18n.language_name(code, lang)))


def uncommon_languages(lang: str) -> list[str]:
    """The known languages not in COMMON_LANGUAGES, by name: the collapsed part of a picker."""
    return languages_by_name((code for code in KNOWN_LANGUAGES if code not in COMMON_LANGUAGES), lang)
