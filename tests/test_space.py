"""The space profile: the service's rules, the admin form and the home page, over real HTTP."""

from __future__ import annotations

import json
import re

import pytest

from node.errors import InvalidInput
from node.services import space as space_service
from node.storage import db as db_mod
from node.storage import space as space_store
from tests.profiles_web import invalid_field, post_form
from tests.web import add_member, login

GOOD_FORM: list[tuple[str, str]] = [
    ("name", "Mutualab"),
    ("kind", "coworking"),
    ("description_map.fr", "Un espace de coworking au cœur de Lille.\nCafé compris."),
    ("description_map.en", "A coworking space in the heart of Lille."),
    ("languages", "fr"),
    ("languages", "en"),
    ("street", "20 rue Gosselet"),
    ("postal_code", "59000"),
    ("city", "Lille"),
    ("region", "Hauts-de-France"),
    ("country", "FR"),
    ("latitude", "50,6292"),  # a decimal comma, as typed in France and Belgium
    ("longitude", "3.0573"),
    ("website", "https://mutualab.org/"),
    ("email", "bonjour@mutualab.org"),
    ("phone", "+33 3 20 00 00 00"),
    ("hours.0.days", "Mo"), ("hours.0.days", "Tu"), ("hours.0.days", "We"), ("hours.0.days", "Th"), ("hours.0.days", "Fr"),
    ("hours.0.opens", "08:30"),
    ("hours.0.closes", "18:00"),
    ("hours.1.days", "Sa"),
    ("hours.1.opens", "10:00"),
    ("hours.1.closes", "13:00"),
    ("amenities", "wifi"),
    ("amenities", "kitchen"),
    ("amenities", "bike-parking"),
    ("price_hour", ""),
    ("price_day", "12"),
    ("price_month", "180.50"),
    ("currency", "EUR"),
    ("welcomes_network", "on"),
    ("network_terms_map.fr", "Une journée offerte par mois."),
]  # fmt: skip


def with_changes(changes: dict[str, str | None]) -> list[tuple[str, str]]:
    """GOOD_FORM with some fields replaced (or dropped when the value is None)."""
    form = [(name, value) for name, value in GOOD_FORM if name not in changes]
    return form + [(name, value) for name, value in changes.items() if value is not None]


@pytest.fixture
async def admin(node):
    add_member(node, "boss", role="admin")
    http = node.client()
    assert await login(http, "boss") == 303
    return http


# --- the service --------------------------------------------------------------------------------


@pytest.fixture
def store():
    store = db_mod.memory()
    space_store.create(store, slug="esco", name="ESCO", country="BE", city="Tournai", languages=["fr"])
    return store


def test_update_space_normalises(store) -> None:
    space = space_service.update_space(
        store,
        {
            "latitude": "50,6", "longitude": 3.39, "country": "be", "currency": "eur",
            "opening_hours": [{"days": ["Mo", "Tu", "We", "Fr"], "opens": "09:00", "closes": "17:30"},
                              {"days": "Sa-Su", "opens": "00:00", "closes": "24:00"}],
            "amenities": ["wifi", "wifi", "lockers"],
        },
    )  # fmt: skip
    assert (space["latitude"], space["longitude"], space["country"], space["currency"]) == (50.6, 3.39, "BE", "EUR")
    assert space["opening_hours"][0]["days"] == "Mo-We,Fr"
    assert space["opening_hours"][1]["days"] == "Sa-Su"
    assert space["amenities"] == ["wifi", "lockers"]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"description_map": {"fr": "x" * 5001}}, "description_map.fr"),
        ({"description_map": {"klingon": "Qapla'"}}, "description_map"),
        ({"kind": "castle"}, "kind"),
        ({"country": "XX"}, "country"),
        ({"latitude": 91, "longitude": 3}, "latitude"),
        ({"latitude": 50, "longitude": -180.5}, "longitude"),
        ({"latitude": 50.5}, "longitude"),
        ({"latitude": "north", "longitude": 3}, "latitude"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "https://user:pw@example.org"}, "website"),
        ({"email": "not an e-mail"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"opening_hours": [{"days": "Mo-Fr", "opens": "18:00", "closes": "08:30"}]}, "opening_hours"),
        ({"opening_hours": [{"days": "Fr-Mo", "opens": "08:00", "closes": "12:00"}]}, "opening_hours"),
        ({"opening_hours": [{"days": "Mo", "opens": "8h", "closes": "12:00"}]}, "opening_hours"),
        ({"amenities": ["sauna"]}, "amenities"),
        ({"price_day": -1}, "price_day"),
        ({"price_month": "nan"}, "price_month"),
        ({"currency": "XYZ"}, "currency"),
        ({"welcomes_network": "yes"}, "welcomes_network"),
        ({"languages": []}, "languages"),
        ({"slug": "hijack"}, "slug"),
    ],
)
def test_update_space_refuses_and_changes_nothing(store, fields, field) -> None:
    before = space_service.get_space(store)
    with pytest.raises(InvalidInput) as caught:
        space_service.update_space(store, {"name": "Changed", **fields})
    assert caught.value.field == field
    assert space_service.get_space(store) == before


def test_public_space_has_no_internal_columns(store) -> None:
    public = space_service.public_space(space_service.get_space(store))
    assert "id" not in public and public["slug"] == "esco"


# --- the admin page ----------------------------------------------------------------------------


async def test_admin_edits_the_space_and_the_home_page_shows_it(node, admin) -> None:
    status, _body, location = await post_form(admin, "/admin/space", "/admin/space", GOOD_FORM)
    assert (status, location) == (303, "/admin/space?saved=1")
    space = space_service.get_space(node.store)
    assert space["latitude"] == pytest.approx(50.6292)
    assert space["opening_hours"] == [
        {"days": "Mo-Fr", "opens": "08:30", "closes": "18:00"},
        {"days": "Sa", "opens": "10:00", "closes": "13:00"},
    ]
    assert space["amenities"] == ["wifi", "kitchen", "bike-parking"]
    assert (space["price_hour"], space["price_day"], space["price_month"]) == (None, 12.0, 180.5)

    async with node.client().get("/", headers={"Accept-Language": "fr"}) as resp:
        html = await resp.text()
    assert "Un espace de coworking au cœur de Lille." in html
    address = re.search(r"<address>(.*?)</address>", html, re.S).group(1)
    assert "20 rue Gosselet" in address and "59000" in address and "France" in address
    assert "https://www.openstreetmap.org/?mlat=50.629200&amp;mlon=3.057300#map=17/50.629200/3.057300" in html
    assert "<iframe" not in html and "tile" not in html  # no third-party map loaded
    assert "Une journée offerte par mois." in html
    assert '<time datetime="08:30">08:30</time>' in html
    json_ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert json_ld["@type"] == "LocalBusiness"
    assert json_ld["geo"]["latitude"] == pytest.approx(50.6292)
    assert json_ld["openingHoursSpecification"][0]["dayOfWeek"][0] == "https://schema.org/Monday"

    async with admin.get("/admin/space?saved=1") as resp:
        html = await resp.text()
    assert "The space profile was saved." in html
    assert 'value="Mo" checked' in html and 'value="20 rue Gosselet"' in html


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"latitude": "95", "longitude": "3"}, "latitude"),
        ({"latitude": "50.6", "longitude": ""}, "longitude"),
        ({"email": "bonjour(at)mutualab"}, "email"),
        ({"website": "mutualab.org"}, "website"),
        ({"price_day": "-12"}, "price_day"),
        ({"kind": "castle"}, "kind"),
        ({"hours.0.closes": "07:00"}, "opening_hours"),
    ],
)
async def test_bad_space_edit_is_400_and_stores_nothing(node, admin, changes, field) -> None:
    before = space_service.get_space(node.store)
    status, html, _ = await post_form(admin, "/admin/space", "/admin/space", with_changes(changes))
    assert status == 400
    assert space_service.get_space(node.store) == before
    assert invalid_field(html) == [field]
    assert f'id="error-{field}"' in html and 'role="alert"' in html
    assert 'value="20 rue Gosselet"' in html  # what was typed comes back


async def test_only_admins_edit_the_space(node) -> None:
    add_member(node, "alice")
    http = node.client()
    async with http.get("/admin/space", allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"].startswith("/login")
    await login(http, "alice")
    async with http.get("/admin/space") as resp:
        assert resp.status == 403
    status, _, _ = await post_form(http, "/me/password", "/admin/space", [("name", "Taken over")])
    assert status == 403
    assert space_service.get_space(node.store)["name"] == "Mutualab"


async def test_prices_are_formatted_in_the_readers_language(node) -> None:
    space_service.update_space(node.store, {"price_day": 12, "price_month": 1250})
    http = node.client()
    async with http.get("/", headers={"Accept-Language": "fr-BE,fr"}) as resp:
        french = await resp.text()
    async with http.get("/", headers={"Accept-Language": "en"}) as resp:
        english = await resp.text()
    assert "12,00\u00a0€" in french and "1\u202f250,00\u00a0€" in french
    assert "€12.00" in english and "€1,250.00" in english


async def test_home_page_in_dutch(node) -> None:
    space_service.update_space(node.store, {"description_map": {"fr": "Bienvenue", "nl": "Welkom"},
                                            "opening_hours": [{"days": "Mo-Fr", "opens": "09:00", "closes": "17:00"}]})
    async with node.client().get("/", headers={"Accept-Language": "nl"}) as resp:
        html = await resp.text()
    assert '<html lang="nl">' in html
    assert "Welkom" in html and "Bienvenue" not in html
    assert "maandag – vrijdag" in html  # day names from the locale


async def test_home_page_without_network_welcome(node) -> None:
    space_service.update_space(node.store, {"welcomes_network": False})
    async with node.client().get("/") as resp:
        assert "does not host members of other spaces" in await resp.text()


async def test_the_home_page_shows_the_space_s_next_events(node) -> None:
    """Issue 10, bug 14: the space's home page did not show its upcoming events."""
    from datetime import UTC, datetime, timedelta

    from node.services import events as events_service
    from tests.test_events import values

    soon, past = datetime.now(UTC) + timedelta(days=10), datetime.now(UTC) - timedelta(days=10)
    for name, day in (("Apéro du jeudi", soon), ("Atelier passé", past)):
        events_service.create_event(node.store, node.config, values(
            name={"fr": name}, start=day.strftime("%Y-%m-%dT18:00"), end=day.strftime("%Y-%m-%dT20:00")), by=None)
    http = node.client()
    http.cookie_jar.update_cookies({"lang": "fr"})
    async with http.get("/") as resp:
        page = await resp.text()
    section = page[page.index('id="events-title"'):page.index('id="members-title"')]
    assert "Apéro du jeudi" in section and "Atelier passé" not in section
    assert 'href="/events"' in section
