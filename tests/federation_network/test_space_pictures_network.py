"""A space's logo reaches the spaces that follow it, cached locally; a changed logo replaces the copy."""

from __future__ import annotations

import asyncio
import io

from aiohttp import web
from PIL import Image

from federation.client import ClientSettings, FederationClient
from node.appkeys import DELIVERY, PICTURES
from node.services import catalogue, remote_pictures, space_pictures
from node.storage import pictures as pictures_store
from node.storage.db import memory
from tests.federation_network.helpers import cli, eventually, follow
from tests.nodes import bind_socket


def picture(colour: tuple[int, int, int], size: tuple[int, int] = (200, 120)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


async def set_logo(node, colour: tuple[int, int, int]) -> str:
    alt = {"fr": "Le logo", "nl": "Het logo", "en": "The logo"}
    added = await space_pictures.add_picture(node.store, node.config, node.config.media_dir, "logo",
                                             picture(colour), "image/png", alt)
    node.app[DELIVERY].wake()
    return f"{node.url}/media/{added['file']}"


def cached_logo(node, space_id: str) -> dict | None:
    return next((row for row in pictures_store.cached(node.store, space_id) if row["role"] == "logo"), None)


def colour_of(path) -> tuple[int, ...]:
    with Image.open(path) as image:
        return image.convert("RGB").getpixel((10, 10))


async def test_a_changed_logo_reaches_followers_and_replaces_their_cached_copy(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    tournai_id = f"{tournai.url}/"
    first_url = await set_logo(tournai, (200, 30, 30))

    # Given Lille follows Tournai: the logo is fetched, re-encoded and cached under a name of Lille's
    await follow(lille, tournai)
    first = await eventually(lambda: (row := cached_logo(lille, tournai_id)) and row["file"] and row, timeout=10)
    assert first["source_url"] == first_url and first["alt_map"]["nl"] == "Het logo"
    first_file = lille.config.media_dir / first["file"]
    assert first_file.is_file() and not (tournai.config.media_dir / first["file"]).exists()
    assert colour_of(first_file)[0] > 150

    # When Tournai changes its logo, its followers get an Update of the space actor
    second_url = await set_logo(tournai, (30, 30, 200))
    second = await eventually(lambda: (row := cached_logo(lille, tournai_id)) and row["source_url"] == second_url
                              and row["file"] and row, timeout=10)
    # Then Lille's copy is replaced: the new picture is served from Lille, the old file is gone
    assert colour_of(lille.config.media_dir / second["file"])[2] > 150
    assert not first_file.exists()
    assert len(pictures_store.cached(lille.store, tournai_id)) == 1

    # When Lille stops following Tournai, its copy goes too (the picture worker runs once, explicitly)
    assert await cli("unfollow", str(lille.config.data_dir), tournai_id) == 0
    await eventually(lambda: not catalogue.followed_spaces(lille.store, lille.config))
    await lille.app[PICTURES].run_once()
    assert pictures_store.cached(lille.store, tournai_id) == []
    assert not (lille.config.media_dir / second["file"]).exists()


async def test_huge_slow_or_private_pictures_are_skipped(tmp_path, monkeypatch) -> None:
    """Each is recorded as skipped (initials shown), so it is not fetched again in a loop."""
    async def huge(_request: web.Request) -> web.Response:
        return web.Response(body=picture((1, 2, 3), (2000, 2000)) + b"\0" * remote_pictures.MAX_BYTES,
                            content_type="image/png")

    async def slow(_request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(body=picture((1, 2, 3)), content_type="image/png")

    async def fine(_request: web.Request) -> web.Response:
        return web.Response(body=picture((1, 2, 3)), content_type="image/png")

    app = web.Application()
    app.router.add_get("/huge.png", huge)
    app.router.add_get("/slow.png", slow)
    app.router.add_get("/fine.png", fine)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = bind_socket()
    await web.SockSite(runner, sock).start()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setattr(remote_pictures, "FETCH_SECONDS", 0.5)
    store = memory()
    doc = {"icon": {"type": "Image", "url": f"{base}/huge.png", "name": "Logo"},
           "attachment": [{"type": "Image", "url": f"{base}/slow.png", "name": "Slow"},
                          {"type": "Image", "url": f"{base}/fine.png", "name": "Fine"}]}
    try:
        async with FederationClient(ClientSettings(allow_private_network=True)) as client:
            def fetch(url: str):
                return client.get_media(url, max_bytes=remote_pictures.MAX_BYTES)
            assert await remote_pictures.sync_space(store, tmp_path, fetch, "https://x.example/", doc) == 3
            assert await remote_pictures.sync_space(store, tmp_path, fetch, "https://x.example/", doc) == 0
        async with FederationClient(ClientSettings(allow_private_network=False)) as guarded:
            private = {"icon": {"type": "Image", "url": f"{base}/fine.png"}}
            assert await remote_pictures.sync_space(
                store, tmp_path, lambda url: guarded.get_media(url, max_bytes=remote_pictures.MAX_BYTES),
                "https://y.example/", private) == 1
    finally:
        await runner.cleanup()
    files = {row["source_url"].rsplit("/", 1)[1]: row["file"] for row in pictures_store.cached(store, "https://x.example/")}
    assert files["huge.png"] is None and files["slow.png"] is None and files["fine.png"]
    assert pictures_store.cached(store, "https://y.example/")[0]["file"] is None  # 127.0.0.1 refused
