"""The network's front door in a real browser (issue 18), in French and Dutch: an admin uploads a logo
and two photos with alt texts; the home page shows them and the next events; another node's map places
both spaces at their coordinates (read from Leaflet's markers: tiles cannot load offline) with their
logos; without JavaScript the same spaces are listed; axe-core finds no serious or critical violation
on the home, map and network pages. Screenshots go to test-output/browser/."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import async_playwright

from node.services import events as events_service
from node.services import space as space_service
from node.services import space_pictures
from node.storage import pictures as pictures_store
from tests.federation_network.helpers import eventually, follow
from tests.test_browser import CHROMIUM_ARGS, SHOTS, chromium_path, shot, signed_in_page
from tests.web import add_member

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parent / "interop" / "node_modules" / "axe-core" / "axe.min.js"
LILLE, TOURNAI = (50.6292, 3.0573), (50.6056, 3.3889)
ALT = {
    "fr": {"logo": "Logo d'ESCO Tournai", "photo1": "L'atelier et ses imprimantes 3D", "photo2": "La salle de réunion"},
    "nl": {"logo": "Logo van ESCO Tournai", "photo1": "De werkplaats met 3D-printers", "photo2": "De vergaderzaal"},
}
EVENT = {"fr": "Soirée réparation", "nl": "Repaircafé-avond"}


def png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), colour).save(buffer, format="PNG")
    return buffer.getvalue()


async def upload(page, node, role: str, name: str, colour: tuple[int, int, int], lang: str, alt: str) -> None:
    """Through the admin form; the alt text in the page's language is `alt`, the others say which language they are."""
    await page.goto(f"{node.url}/admin/space")
    form = page.locator(f"#{role}-form")
    await form.locator(f"#{role}").set_input_files({"name": f"{name}.png", "mimeType": "image/png", "buffer": png(colour)})
    for code in ("fr", "nl", "en"):
        await form.locator(f"#{role}_alt-{code}").fill(alt if code == lang else f"{alt} [{code}]")
    await form.locator("button[type=submit]").click()
    await page.wait_for_url("**/admin/space?saved=1*")


async def axe_violations(page) -> list[dict]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


async def image_alts(page) -> list[tuple[str, str | None]]:
    """(src, alt) of every image that is not a map tile (tiles and marker shadows are decorative: alt="" by Leaflet)."""
    return await page.evaluate(
        "() => [...document.images].filter(i => !i.matches('.leaflet-tile, .leaflet-marker-shadow'))"
        ".map(i => [i.getAttribute('src'), i.getAttribute('alt')])")


@pytest.mark.parametrize("lang", ["fr", "nl"])
async def test_pictures_home_map_and_accessibility(node_factory, lang: str) -> None:
    assert AXE.is_file(), "axe-core is missing: run `bash tests/setup_tools.sh`"
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    space_service.update_space(lille.store, {"street": "20 rue Gosselet", "latitude": LILLE[0], "longitude": LILLE[1]})
    space_service.update_space(tournai.store, {"street": "Grand-Place 1", "kind": "fablab", "welcomes_network": True,
                                               "latitude": TOURNAI[0], "longitude": TOURNAI[1]})
    await space_pictures.add_picture(lille.store, lille.config, lille.config.media_dir, "logo", png((250, 120, 0)),
                                     "image/png", {"fr": "Logo de Mutualab", "nl": "Logo van Mutualab", "en": "Mutualab"})
    day = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT18:00")
    events_service.create_event(tournai.store, tournai.config, {
        "name": {lang: EVENT[lang]}, "timezone": "Europe/Brussels", "start": day,
        "end": day.replace("T18:00", "T21:00")}, by=None)
    add_member(tournai, "admin", role="admin")
    alts = ALT[lang]
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            admin = await signed_in_page(browser, tournai, "admin", lang)
            await upload(admin, tournai, "logo", "logo", (20, 90, 200), lang, alts["logo"])
            await upload(admin, tournai, "photo", "atelier", (200, 40, 40), lang, alts["photo1"])
            await upload(admin, tournai, "photo", "salle", (40, 160, 60), lang, alts["photo2"])
            await admin.screenshot(path=shot(lang, "pictures-1-admin-form"), full_page=True)

            # The home page shows the logo, the photos (alt texts in the page's language) and the next event
            await admin.goto(f"{tournai.url}/")
            home_alts = dict(await image_alts(admin))
            assert sorted(alt for alt in home_alts.values()) == sorted(alts.values())
            assert EVENT[lang] in await admin.inner_text("main")
            await admin.screenshot(path=shot(lang, "pictures-2-home"), full_page=True)
            assert await axe_violations(admin) == []

            # Lille follows Tournai: Lille's map places both spaces, each with its (locally cached) logo
            await follow(lille, tournai)
            await eventually(lambda: any(row["file"] for row in pictures_store.cached(lille.store, f"{tournai.url}/")),
                             timeout=15)
            visitor = await (await browser.new_context(locale=f"{lang}-BE", viewport={"width": 1200, "height": 900})).new_page()
            await visitor.context.add_cookies([{"name": "lang", "value": lang, "url": lille.url}])
            await visitor.goto(f"{lille.url}/map")
            await visitor.wait_for_function("() => window.coffeeMap && window.coffeeMap.markers.length === 2")
            markers = await visitor.evaluate(
                "() => window.coffeeMap.markers.map(m => [m.options.spaceId, m.getLatLng().lat, m.getLatLng().lng])")
            assert {m[0]: (m[1], m[2]) for m in markers} == {f"{lille.url}/": LILLE, f"{tournai.url}/": TOURNAI}
            logos = await visitor.evaluate(
                "() => [...document.querySelectorAll('.space-entry img.space-logo')]"
                ".map(i => [i.closest('.space-entry').dataset.id, i.getAttribute('src'), i.getAttribute('alt'), i.naturalWidth])")
            assert {logo[0]: logo[2] for logo in logos} == {f"{lille.url}/": {"fr": "Logo de Mutualab", "nl": "Logo van Mutualab"}[lang],
                                                          f"{tournai.url}/": alts["logo"]}
            assert all(logo[1].startswith("/media/") and logo[3] > 0 for logo in logos)  # served by Lille, loaded
            await visitor.screenshot(path=shot(lang, "pictures-3-map"), full_page=True)
            assert await axe_violations(visitor) == []
            assert all(alt for _src, alt in await image_alts(visitor))

            await visitor.goto(f"{lille.url}/network")
            await visitor.wait_for_function("() => window.coffeeMap && window.coffeeMap.markers.length === 2")
            await visitor.screenshot(path=shot(lang, "pictures-4-network"), full_page=True)
            assert await axe_violations(visitor) == []
            assert all(alt for _src, alt in await image_alts(visitor))

            # Without JavaScript: the same spaces, listed by country with their addresses
            plain = await (await browser.new_context(java_script_enabled=False, locale=f"{lang}-BE")).new_page()
            await plain.context.add_cookies([{"name": "lang", "value": lang, "url": lille.url}])
            await plain.goto(f"{lille.url}/map")
            listed = await plain.inner_text(".spaces-by-country")
            for text in ("Mutualab", "20 rue Gosselet", "ESCO Tournai", "Grand-Place 1"):
                assert text in listed
            assert await plain.locator("#network-map").is_hidden()
            await plain.screenshot(path=shot(lang, "pictures-5-map-without-javascript"), full_page=True)
        finally:
            await browser.close()
