"""Space pictures: the admin uploads a logo and photos with alt texts; they are re-encoded and published."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from node.services import events as events_service
from tests.profiles_web import invalid_field, png_bytes, post_form
from tests.test_media import jpeg_with_gps
from tests.test_space import admin  # noqa: F401  (the signed-in admin's session, a fixture)
from tests.web import add_member, login

ACCEPT_AP = {"Accept": "application/activity+json"}


def alts(role: str, node, text: str) -> list[tuple[str, str]]:
    return [(f"{role}_alt.{lang}", f"{text} ({lang})") for lang in json.loads(node.store.db["space"].get(1)["languages"])]


async def upload(http, node, role: str, data: bytes, text: str, content_type: str = "image/jpeg"):
    fields = [("role", role), (role, (f"{role}.jpg", data, content_type)), *alts(role, node, text)]
    return await post_form(http, "/admin/space", "/admin/space/pictures", fields)


def stored(node) -> list[dict]:
    return list(node.store.db.query("SELECT * FROM space_pictures ORDER BY id"))


def media_files(node) -> set[str]:
    return {p.name for p in node.config.media_dir.glob("*.webp")} if node.config.media_dir.exists() else set()


async def test_logo_and_photos_are_reencoded_and_published_in_the_space_actor(node, admin) -> None:
    status, _, location = await upload(admin, node, "logo", jpeg_with_gps(), "Logo of Mutualab")
    assert status == 303 and location.startswith("/admin/space?saved=1")
    for text in ("The open space", "The kitchen"):
        assert (await upload(admin, node, "photo", png_bytes(300, 200), text, "image/png"))[0] == 303
    rows = stored(node)
    assert [row["role"] for row in rows] == ["logo", "photo", "photo"]
    with Image.open(node.config.media_dir / rows[0]["file"]) as image:  # EXIF (and its GPS) dropped
        assert image.format == "WEBP" and not image.getexif() and max(image.size) <= 512

    async with node.client().get("/", headers=ACCEPT_AP) as resp:
        doc = await resp.json(content_type=None)
    assert doc["icon"]["url"] == f"{node.url}/media/{rows[0]['file']}" and doc["icon"]["type"] == "Image"
    assert doc["icon"]["name"].startswith("Logo of Mutualab")
    assert doc["image"]["url"] == f"{node.url}/media/{rows[1]['file']}"
    images = [a for a in doc["attachment"] if a["type"] == "Image"]
    assert [a["name"].split(" (")[0] for a in images] == ["The open space", "The kitchen"]
    assert all(a["nameMap"] for a in images)

    # A new logo replaces the old one, whose file is deleted.
    old = rows[0]["file"]
    assert (await upload(admin, node, "logo", png_bytes(300, 200), "New logo", "image/png"))[0] == 303
    assert [row["role"] for row in stored(node)].count("logo") == 1 and old not in media_files(node)


@pytest.mark.parametrize("case, field", [
    ("not an image", "logo"),
    ("too large", "logo"),
    ("alt missing", "logo_alt.nl"),  # the space's languages are fr, nl, ...: only fr given
])
async def test_bad_pictures_are_refused_naming_the_field_and_nothing_is_stored(node, admin, case, field) -> None:
    data = {"not an image": b"%PDF-1.4 not a picture", "too large": b"\xff" * (5 * 1024 * 1024 + 10)}.get(case, png_bytes(300, 200))
    fields = [("role", "logo"), ("logo", ("logo.png", data, "image/png")), ("logo_alt.fr", "Le logo")]
    if case != "alt missing":
        fields += [(f"logo_alt.{lang}", "The logo") for lang in json.loads(node.store.db["space"].get(1)["languages"])
                   if lang != "fr"]
    before = media_files(node)
    status, html, _ = await post_form(admin, "/admin/space", "/admin/space/pictures", fields)
    assert 400 <= status < 500
    assert field.replace(".", "-") in invalid_field(html)
    assert stored(node) == [] and media_files(node) == before


async def test_at_most_six_photos(node, admin) -> None:
    for index in range(6):
        assert (await upload(admin, node, "photo", png_bytes(300, 200), f"Photo {index}", "image/png"))[0] == 303
    status, html, _ = await upload(admin, node, "photo", png_bytes(300, 200), "One too many", "image/png")
    assert status == 400 and "photo" in invalid_field(html)
    assert len(stored(node)) == 6


async def test_a_member_cannot_upload(node) -> None:
    add_member(node, "alice")
    http = node.client()
    assert await login(http, "alice") == 303
    fields = [("role", "logo"), ("logo", ("logo.png", png_bytes(300, 200), "image/png")),
              *alts("logo", node, "Not mine")]
    status, _, _ = await post_form(http, "/me/edit", "/admin/space/pictures", fields)
    assert status == 403
    assert stored(node) == [] and media_files(node) == set()


async def test_home_shows_the_pictures_the_strip_and_sharing_tags_in_the_pages_language(node, admin) -> None:
    assert (await upload(admin, node, "logo", png_bytes(300, 200), "Logo", "image/png"))[0] == 303
    assert (await upload(admin, node, "photo", png_bytes(300, 200), "Open space", "image/png"))[0] == 303
    rows = stored(node)
    async with admin.get("/lang/nl", allow_redirects=False):
        pass
    async with admin.get("/") as resp:
        html = await resp.text()
    assert f'src="/media/{rows[0]["file"]}" alt="Logo (nl)"' in html
    assert f'src="/media/{rows[1]["file"]}" alt="Open space (nl)"' in html
    assert '<meta property="og:locale" content="nl_FR">' in html
    assert f'<meta property="og:image" content="{node.url}/media/{rows[1]["file"]}">' in html
    assert '<meta property="og:image:alt" content="Open space (nl)">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert 'class="network-strip"' in html and "/network" in html


async def test_profile_pages_have_sharing_tags(node) -> None:
    add_member(node, "alice")
    node.store.db.execute("UPDATE members SET visibility = 'public', display_name = 'Alice Martin' WHERE username = 'alice'")
    async with node.client().get("/@alice") as resp:
        html = await resp.text()
    assert '<meta property="og:title" content="Alice Martin">' in html
    assert f'<meta property="og:url" content="{node.url}/@alice">' in html


async def test_event_pages_have_sharing_tags_in_the_pages_language(node) -> None:
    start = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT18:00")
    event = events_service.create_event(node.store, node.config, {
        "name": {"fr": "Atelier vélo", "nl": "Fietsatelier"}, "description": {"fr": "Réparons ensemble.", "nl": "Samen herstellen."},
        "timezone": "Europe/Brussels", "start": start, "end": start.replace("T18:00", "T20:00")}, by=None)
    http = node.client()
    async with http.get("/lang/nl", allow_redirects=False):
        pass
    async with http.get(f"/events/{event['uuid']}") as resp:
        html = await resp.text()
    assert '<meta property="og:title" content="Fietsatelier">' in html
    assert '<meta property="og:type" content="article">' in html and 'content="nl_FR"' in html
    assert '<meta property="og:description" content="Samen herstellen.">' in html
