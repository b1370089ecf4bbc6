"""Profile pictures: checked, re-encoded without metadata, resized, served with safe headers."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from node.errors import InvalidInput, TooLarge
from node.services import media
from node.storage import members as members_store
from tests.profiles_web import member_with_profile, png_bytes, post_form
from tests.web import login


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (50.0, 37.0, 45.0)}  # GPS IFD: latitude
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (20, 120, 60)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


# --- the service --------------------------------------------------------------------------------


def test_pictures_are_resized_and_stripped(tmp_path) -> None:
    name = media.save_picture(tmp_path, jpeg_with_gps(), "image/jpeg")
    assert media.NAME_RE.match(name)
    with Image.open(tmp_path / name) as image:
        assert image.format == "WEBP" and image.size == (512, 384)
        assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info


def test_animated_gif_keeps_its_first_frame(tmp_path) -> None:
    frames = [Image.new("P", (64, 64), colour) for colour in (1, 2)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    with Image.open(tmp_path / media.save_picture(tmp_path, buffer.getvalue(), "image/gif")) as image:
        assert image.size == (64, 64) and getattr(image, "n_frames", 1) == 1


@pytest.mark.parametrize(
    "data, declared, error",
    [
        (b"not a picture at all", "image/png", InvalidInput),
        (png_bytes(10, 10)[:60], "image/png", InvalidInput),  # truncated
        (png_bytes(10, 10), "text/html", InvalidInput),
        (b"%PDF-1.4\n" + b"0" * 100, "application/pdf", InvalidInput),
        (b"\0" * (media.MAX_UPLOAD_BYTES + 1), "image/png", TooLarge),
    ],
)
def test_non_pictures_are_refused(tmp_path, data, declared, error) -> None:
    with pytest.raises(error) as caught:
        media.save_picture(tmp_path, data, declared)
    assert caught.value.field == "avatar"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("size", [(8_000, 6_000), (20_000, 10_000)])  # past our limit; past Pillow's
def test_decompression_bombs_are_refused(tmp_path, size) -> None:
    buffer = io.BytesIO()
    Image.new("1", size).save(buffer, format="PNG")  # a few KB on disk, tens of megapixels
    with pytest.raises(InvalidInput, match="too many pixels"):
        media.save_picture(tmp_path, buffer.getvalue(), "image/png")


def test_only_generated_names_are_served(tmp_path) -> None:
    (tmp_path / "coffee.db").write_text("secret")
    for name in ("coffee.db", "../coffee.db", "x.webp", "A" * 32 + ".png", "A" * 32 + ".webp"):
        assert media.media_path(tmp_path, name) is None


# --- upload through the profile form ------------------------------------------------------------


async def test_avatar_upload_is_resized_and_served_safely(node) -> None:
    alice = member_with_profile(node, "alice", visibility="public")
    http = node.client()
    await login(http)
    status, _, _ = await post_form(http, "/me/edit", "/me/edit",
                                   [("visibility", "public"), ("avatar", ("me.png", png_bytes(1200, 800), "image/png"))])
    assert status == 303
    name = members_store.get(node.store, alice["id"])["avatar"]
    assert media.NAME_RE.match(name)
    async with node.client().get(f"/media/{name}") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "image/webp"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Content-Security-Policy"] == "default-src 'none'"
        assert "immutable" in resp.headers["Cache-Control"]
        with Image.open(io.BytesIO(await resp.read())) as image:
            assert image.size == (512, 341)
    async with node.client().get("/@alice") as resp:
        assert f'src="/media/{name}"' in await resp.text()


async def test_replacing_and_removing_delete_the_old_file(node) -> None:
    alice = member_with_profile(node, "alice")
    http = node.client()
    await login(http)
    names = []
    for colour in ((255, 0, 0), (0, 0, 255)):
        upload = ("me.png", png_bytes(100, 100, colour), "image/png")
        assert (await post_form(http, "/me/edit", "/me/edit", [("visibility", "local"), ("avatar", upload)]))[0] == 303
        names.append(members_store.get(node.store, alice["id"])["avatar"])
    assert [p.name for p in node.config.media_dir.iterdir()] == [names[1]]
    assert (await post_form(http, "/me/edit", "/me/edit", [("visibility", "local"), ("remove_avatar", "on")]))[0] == 303
    assert members_store.get(node.store, alice["id"])["avatar"] is None
    assert list(node.config.media_dir.iterdir()) == []
    async with http.get(f"/media/{names[1]}") as resp:
        assert resp.status == 404


async def test_a_text_file_named_png_is_refused(node) -> None:
    alice = member_with_profile(node, "alice")
    http = node.client()
    await login(http)
    upload = ("photo.png", b"<script>alert(1)</script>", "image/png")
    status, html, _ = await post_form(http, "/me/edit", "/me/edit",
                                      [("display_name", "Changed"), ("visibility", "local"), ("avatar", upload)])
    assert status == 400
    assert "This file is not a picture." in html and 'id="error-avatar"' in html
    assert members_store.get(node.store, alice["id"]) == alice
    assert list(node.config.media_dir.iterdir()) == []


async def test_a_6_mb_upload_is_413(node) -> None:
    alice = member_with_profile(node, "alice")
    http = node.client()
    await login(http)
    upload = ("big.png", b"\x89PNG" + b"\0" * (6 * 1024 * 1024), "image/png")
    status, html, _ = await post_form(http, "/me/edit", "/me/edit", [("visibility", "local"), ("avatar", upload)])
    assert status == 413
    assert "The picture is too large (at most 5 MB)." in html
    assert members_store.get(node.store, alice["id"]) == alice
    # Past the whole request's limit aiohttp stops reading: still a page in the member's language.
    upload = ("huge.png", b"\x89PNG" + b"\0" * (9 * 1024 * 1024), "image/png")
    http.cookie_jar.update_cookies({"lang": "fr"})
    status, html, _ = await post_form(http, "/me/edit", "/me/edit", [("visibility", "local"), ("avatar", upload)])
    assert status == 413 and "<html" in html and "trop volumineux" in html
    assert members_store.get(node.store, alice["id"]) == alice


async def test_a_refused_profile_keeps_the_old_picture_and_drops_the_new(node) -> None:
    alice = member_with_profile(node, "alice")
    http = node.client()
    await login(http)
    upload = ("me.png", png_bytes(50, 50), "image/png")
    assert (await post_form(http, "/me/edit", "/me/edit", [("visibility", "local"), ("avatar", upload)]))[0] == 303
    before = members_store.get(node.store, alice["id"])
    status, _, _ = await post_form(http, "/me/edit", "/me/edit", [("visibility", "everyone"), ("avatar", upload)])
    assert status == 400
    assert members_store.get(node.store, alice["id"]) == before
    assert [p.name for p in node.config.media_dir.iterdir()] == [before["avatar"]]
