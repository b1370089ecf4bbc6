"""UI translations: complete, well-formed, up to date with the sources, and served.

The catalogues are `node/locale/<lang>/LC_MESSAGES/messages.po` (compiled in
memory by node/i18n.py). Extraction uses the same mapping (babel.cfg) and the
same keywords (BABEL_KEYWORDS in the Makefile) as `make messages`, so a string
added to a template or raised in an error without a translation fails here.
"""

from __future__ import annotations

import html
import re
import shlex
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

from node import i18n
from node.storage import members as members_store
from tests.web import csrf_from

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "node" / "locale"
TRANSLATED = ("fr", "nl")  # English is the source language: its msgstr may stay empty
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "nl": "nplurals=2; plural=(n != 1);",
    "en": "nplurals=2; plural=(n != 1);",
}
FIX_HINT = "run `make messages`, then translate the new entries in node/locale/{fr,nl}/LC_MESSAGES/messages.po"
# %(name)s, %(n)d, %(x).2f ... (and %% for a literal percent sign)
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def load_catalog(lang: str) -> Catalog:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"{path} is missing: {FIX_HINT}"
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def messages(catalog: Catalog) -> list:
    return [message for message in catalog if message.id]


def forms(value: str | tuple | list) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def placeholders(text: str) -> set[str]:
    return {match.group(0) if match.group(1) is None else f"%({match.group(1)})" for match in PLACEHOLDER.finditer(text)
            if match.group(0) != "%%"}


def babel_keywords() -> dict:
    """The `-k` options of BABEL_KEYWORDS in the Makefile (the one list `make messages` uses)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    match = re.search(r"^BABEL_KEYWORDS\s*:?=(.*)$", makefile, re.MULTILINE)
    assert match, "the Makefile defines no BABEL_KEYWORDS"
    words = shlex.split(match.group(1))
    specs = [words[i + 1] for i, word in enumerate(words) if word == "-k"]
    assert specs, "BABEL_KEYWORDS lists no -k option"
    return parse_keywords(specs)


def extracted_msgids() -> dict[str | tuple, list[str]]:
    """Every msgid the sources contain today, with where it comes from."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str | tuple, list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=babel_keywords(), strip_comment_tags=True
    ):
        msgid = message if isinstance(message, str) else tuple(part for part in message if part)
        if isinstance(msgid, tuple) and len(msgid) == 1:
            msgid = msgid[0]
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def catalog_key(message) -> str | tuple:
    return message.id if isinstance(message.id, str) else tuple(message.id)


# -- the catalogues themselves ----------------------------------------------------------


@pytest.mark.parametrize("lang", sorted(PLURAL_FORMS))
def test_catalogue_headers(lang: str) -> None:
    catalog = load_catalog(lang)
    assert str(catalog.locale) == lang
    assert catalog.plural_forms == PLURAL_FORMS[lang]
    assert not catalog.fuzzy, f"the header of the {lang} catalogue is marked fuzzy"


@pytest.mark.parametrize("lang", sorted(PLURAL_FORMS))
def test_no_fuzzy_entries(lang: str) -> None:
    fuzzy = [message.id for message in messages(load_catalog(lang)) if message.fuzzy]
    assert not fuzzy, (
        f"{len(fuzzy)} fuzzy entries in the {lang} catalogue (ignored at runtime): check their translation, "
        f"then remove the '#, fuzzy' flag: {fuzzy}"
    )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang: str) -> None:
    catalog = load_catalog(lang)
    untranslated = []
    for message in messages(catalog):
        strings = forms(message.string)
        expected = catalog.num_plurals if message.pluralizable else 1
        if len(strings) != expected or not all(strings):
            untranslated.append(message.id)
    assert not untranslated, f"{len(untranslated)} untranslated entries in {lang}: {untranslated}; {FIX_HINT}"


@pytest.mark.parametrize("lang", sorted(PLURAL_FORMS))
def test_placeholders_match(lang: str) -> None:
    """Every %(name)s of the English string is in the translation, and no other one."""
    problems = []
    for message in messages(load_catalog(lang)):
        wanted = set().union(*(placeholders(text) for text in forms(message.id)))
        for text in forms(message.string):
            if not text:
                continue  # empty English msgstr: the source string is shown
            got = placeholders(text)
            if got != wanted:
                problems.append(f"{message.id!r} -> {text!r}: expected {sorted(wanted)}, got {sorted(got)}")
            elif wanted:
                values = {name[2:-1]: "x" for name in wanted if name.startswith("%(")}
                try:
                    text % values
                except (TypeError, ValueError, KeyError) as exc:
                    problems.append(f"{text!r} cannot be formatted: {exc}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_the_same_html(lang: str) -> None:
    tag = re.compile(r"</?[a-zA-Z][^>]*>")
    problems = [
        message.id
        for message in messages(load_catalog(lang))
        for text in forms(message.string)
        if sorted(tag.findall(text)) != sorted(tag.findall(forms(message.id)[0]))
    ]
    assert not problems, f"HTML tags differ between source and {lang} translation: {problems}"


# -- up to date with the sources --------------------------------------------------------


def test_catalogues_cover_every_string_in_the_sources() -> None:
    found = extracted_msgids()
    assert len(found) > 100, "the extractor found almost nothing: check babel.cfg and BABEL_KEYWORDS"
    assert "Sign in" in found and "Unknown username or wrong password." in found
    for lang in (*TRANSLATED, "en"):
        catalog = load_catalog(lang)
        known = {catalog_key(message) for message in messages(catalog)}
        translated = {
            catalog_key(message)
            for message in messages(catalog)
            if not message.fuzzy and all(forms(message.string)) and forms(message.string)
        }
        missing = sorted((msgid for msgid in found if msgid not in known), key=str)
        assert not missing, (
            f"{len(missing)} UI strings are not in the {lang} catalogue; {FIX_HINT}:\n"
            + "\n".join(f"  {msgid!r}  ({', '.join(found[msgid][:3])})" for msgid in missing)
        )
        if lang in TRANSLATED:
            untranslated = sorted((msgid for msgid in found if msgid not in translated), key=str)
            assert not untranslated, (
                f"{len(untranslated)} UI strings have no {lang} translation (or a fuzzy one); {FIX_HINT}:\n"
                + "\n".join(f"  {msgid!r}  ({', '.join(found[msgid][:3])})" for msgid in untranslated)
            )


def test_template_is_in_step_with_the_catalogues() -> None:
    """messages.pot (what translators work from) lists what the catalogues list."""
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = {catalog_key(message) for message in messages(read_po(handle))}
    for lang in PLURAL_FORMS:
        known = {catalog_key(message) for message in messages(load_catalog(lang))}
        assert template <= known, f"{lang} lacks {sorted(template - known, key=str)}; {FIX_HINT}"


@pytest.mark.parametrize("lang", sorted(PLURAL_FORMS))
def test_catalogue_compiles_and_translates(lang: str) -> None:
    i18n.translations.cache_clear()
    try:
        translations = i18n.translations(lang)
        expected = {"fr": "Se connecter", "nl": "Aanmelden", "en": "Sign in"}[lang]
        assert translations.gettext("Sign in") == expected
        one = translations.ngettext("%(num)s member", "%(num)s members", 1) % {"num": 1}
        zero = translations.ngettext("%(num)s member", "%(num)s members", 0) % {"num": 0}
        many = translations.ngettext("%(num)s member", "%(num)s members", 3) % {"num": 3}
        assert (one, zero, many) == {
            "fr": ("1 membre", "0 membre", "3 membres"),
            "nl": ("1 lid", "0 leden", "3 leden"),
            "en": ("1 member", "0 members", "3 members"),
        }[lang]
    finally:
        i18n.translations.cache_clear()


# -- served over HTTP -------------------------------------------------------------------


SIGN_IN = {"fr": "Se connecter", "nl": "Aanmelden", "en": "Sign in"}


async def test_login_page_in_the_accepted_language(node) -> None:
    http = node.client()
    for lang, words in SIGN_IN.items():
        async with http.get("/login", headers={"Accept-Language": f"{lang}-BE,{lang};q=0.9"}) as resp:
            assert resp.status == 200
            page = html.unescape(await resp.text())
        assert f'<html lang="{lang}">' in page
        assert f"<h1>{words}</h1>" in page, f"no <h1>{words}</h1> on /login for Accept-Language {lang}"
        for other, other_words in SIGN_IN.items():
            if other != lang:
                assert f"<h1>{other_words}</h1>" not in page


async def test_language_switcher_makes_the_page_dutch(node) -> None:
    http = node.client()
    headers = {"Accept-Language": "fr"}
    async with http.get("/login", headers=headers) as resp:
        assert "<h1>Se connecter</h1>" in await resp.text()
    async with http.get("/lang/nl?next=/login", headers=headers, allow_redirects=False) as resp:
        assert resp.status == 303
        assert resp.headers["Location"] == "/login"
    async with http.get("/login", headers=headers) as resp:  # the cookie beats the header
        page = html.unescape(await resp.text())
    assert '<html lang="nl">' in page
    assert "<h1>Aanmelden</h1>" in page
    assert "Gebruikersnaam" in page and "Wachtwoord" in page


async def test_service_errors_are_translated(node) -> None:
    """The English template of an InvalidInput/NotAuthenticated... is a msgid too."""
    expected = {
        "fr": "Nom d'utilisateur inconnu ou mot de passe incorrect.",
        "nl": "Onbekende gebruikersnaam of verkeerd wachtwoord.",
        "en": "Unknown username or wrong password.",
    }
    for lang, sentence in expected.items():
        http = node.client()
        http.headers["Accept-Language"] = lang
        token = await csrf_from(http, "/login")
        async with http.post("/login", data={"username": "nobody", "password": "wrong password!", "csrf_token": token}) as resp:
            assert resp.status == 401
            assert sentence in html.unescape(await resp.text())


# -- what pages really show: no English left, no raw codes ------------------------------


class _VisibleText(HTMLParser):
    """The words a reader sees: text nodes (not scripts or styles) and the labels of controls."""

    LABELS = ("title", "aria-label", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        self.texts += [value.strip() for name, value in attrs if name in self.LABELS and value and value.strip()]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(page: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(page)
    return parser.texts


def stored_codes() -> set[str]:
    """Codes kept in the database and shown through a label: never to be shown as they are."""
    from node.services import events, members, profiles, space

    return {*members.ROLES, *members.STATUSES, *profiles.VISIBILITIES, *profiles.OPEN_TO, *space.KINDS,
            *events.CATEGORIES, *events.PLACE_KINDS, *events.REGISTRATION_MODES, *events.STATUSES}


LEAK_PAGES = ("/", "/admin", "/admin/members", "/admin/invitations", "/admin/federation", "/admin/space", "/admin/catalogue",
              "/members", "/catalogue", "/spaces", "/events", "/agenda", "/events/new", "/me/edit",
              "/me/following", "/me/events", "/@staffer")


async def test_pages_show_no_english_word_and_no_raw_code_in_french_and_dutch(node) -> None:
    """Strings can reach a page without passing through the reader's gettext: a macro imported
    without context (it used English), a Python constant or a stored code rendered as it is. The
    catalogue tests cannot see these; here every text a signed-in admin sees on the main pages is
    compared with the English msgids (a text equal to one whose translation differs is English
    left behind) and with the codes of Python constants (a code shown as it is was never labelled)."""
    from node.services import events as events_service
    from node.services import invitations
    from tests.test_events import values
    from tests.web import add_member, login

    admin = add_member(node, "boss", role="admin")
    members_store.update(node.store, admin["id"], visibility="network")
    staffer = add_member(node, "staffer")
    members_store.update(node.store, staffer["id"], visibility="public", open_to=["missions", "mentoring"])
    add_member(node, "away", status="suspended")
    invitations.invite(node.store, node.config, username="newcomer", display_name="Newcomer", role="admin")
    event = events_service.create_event(node.store, node.config, values(category="NETWORKING", registration="approval"),
                                        by=None)
    msgids = {msgid for msgid in extracted_msgids() if isinstance(msgid, str) and not placeholders(msgid)}
    codes = stored_codes()
    problems = []
    for lang in TRANSLATED:
        gettext = i18n.translations(lang).gettext
        english = {msgid for msgid in msgids if gettext(msgid) != msgid}
        http = node.client()
        http.cookie_jar.update_cookies({"lang": lang})
        assert await login(http, "boss") == 303
        for path in (*LEAK_PAGES, f"/events/{event['uuid']}", f"/events/{event['uuid']}/edit"):
            async with http.get(path) as resp:
                assert resp.status == 200, (lang, path, resp.status)
                texts = visible_texts(await resp.text())
            problems += [f"{lang} {path}: English {text!r}" for text in texts if text in english]
            problems += [f"{lang} {path}: raw code {text!r}" for text in texts if text in codes]
    assert not problems, "\n".join(sorted(set(problems)))
