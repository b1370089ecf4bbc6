"""People in a real browser (Debian's headless Chromium driven by Playwright): sign in, edit a
profile with an ESCO skill typed in Dutch, see it in the directory; and the manager's and the
coworker's journeys in French and Dutch (overview, follow errors, an event held in a followed
space, the catalogue).

Screenshots go to test-output/browser/ for a human to look at.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from node import i18n
from node.services import invitations
from node.services import space as space_service
from tests.federation_network.helpers import follow
from tests.test_catalogue_web import GRAPHIC_DESIGN, WEB_PROGRAMMING
from tests.test_catalogue_web import member as catalogue_member
from tests.web import PASSWORD, add_member

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent / "test-output" / "browser"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    path = shutil.which("chromium")
    assert path, "Chromium is missing: run `bash tests/setup_tools.sh` (installs Debian's chromium)"
    return path


async def test_sign_in_edit_profile_and_see_it_in_the_directory(node) -> None:
    add_member(node, "camille", role="admin")
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(locale="fr-BE", viewport={"width": 1200, "height": 900})
            page = await context.new_page()

            await page.goto(f"{node.url}/login")
            await page.fill("#username", "camille")
            await page.fill("#password", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(f"{node.url}/")
            await page.screenshot(path=SHOTS / "1-home-signed-in.png", full_page=True)

            await page.goto(f"{node.url}/me/edit")
            await page.fill("#display_name", "Camille Lefebvre")
            await page.fill("#organisation", "Studio Lumen")
            # The skill picker: typed in Dutch, suggested in French (the page's language).
            await page.type("#skills_offered-add", "webprogrammering", delay=20)
            option = page.locator("#skills_offered-suggestions [role=option]").first
            await option.wait_for(state="visible", timeout=10_000)
            await page.keyboard.press("ArrowDown")
            await page.keyboard.press("Enter")
            await page.locator("input[name=skills_offered]:checked").first.wait_for(timeout=5_000)
            await page.check("input[name=visibility][value=public]")
            await page.screenshot(path=SHOTS / "2-profile-edit.png", full_page=True)
            await page.click("button[type=submit]:has-text('Enregistrer'), form.edit-form button[type=submit]")
            await page.wait_for_load_state("load")

            await page.goto(f"{node.url}/@camille")
            profile = await page.content()
            assert "Camille Lefebvre" in profile
            assert "programmation web" in profile
            await page.screenshot(path=SHOTS / "3-profile.png", full_page=True)

            anonymous = await (await browser.new_context(locale="nl-BE")).new_page()
            await anonymous.goto(f"{node.url}/members")
            directory = await anonymous.content()
            assert '<html lang="nl">' in directory
            assert "Camille Lefebvre" in directory  # public now, so an anonymous visitor sees her
            assert "webprogrammering" in directory.lower()  # her skill, named in Dutch
            await anonymous.screenshot(path=SHOTS / "4-directory-nl.png", full_page=True)
        finally:
            await browser.close()


# -- the manager's and the coworker's journeys, in French and in Dutch (issue 10) -------------------

SEARCH = {"fr": ("programmation web", "Propose", "Cherche"), "nl": ("webprogrammering", "Biedt", "Zoekt")}


async def signed_in_page(browser, node, username: str, lang: str):
    context = await browser.new_context(locale=f"{lang}-BE", viewport={"width": 1200, "height": 900})
    await context.add_cookies([{"name": "lang", "value": lang, "url": node.url}])
    page = await context.new_page()
    await page.goto(f"{node.url}/login")
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url(f"{node.url}/")
    return page


def shot(lang: str, name: str) -> Path:
    return SHOTS / f"{lang}-{name}.png"


@pytest.mark.parametrize("lang", ["fr", "nl"])
async def test_the_manager_and_the_coworker_journeys(node_factory, lang: str) -> None:
    """A manager signs in, reads the overview, mistypes a space to follow, publishes an event held in a
    followed space; a coworker searches the catalogue. Every step in the reader's language, screenshots
    saved for a human."""
    gettext = i18n.translations(lang).gettext
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    space_service.update_space(tournai.store, {"street": "Grand-Place 1", "postal_code": "7500",
                                               "latitude": 50.606, "longitude": 3.3878})
    await follow(lille, tournai)
    add_member(lille, "manon", role="admin")
    add_member(lille, "away", status="suspended")
    invitations.invite(lille.store, lille.config, username="newcomer", display_name="Newcomer")
    catalogue_member(lille, "amelie", name="Amélie Martin", visibility="public", skills_offered=[WEB_PROGRAMMING],
                     skills_sought=[GRAPHIC_DESIGN], languages=["fr"])
    catalogue_member(lille, "luc", name="Luc Petit", visibility="network", skills_sought=[WEB_PROGRAMMING])
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            manager = await signed_in_page(browser, lille, "manon", lang)

            await manager.goto(f"{lille.url}/admin")
            overview = await manager.inner_text("main")
            for word in ("Invited", "Active", "Suspended", "This space only"):
                assert gettext(word) in overview and gettext(word) != word, word
            await manager.screenshot(path=shot(lang, "manager-1-admin-overview"), full_page=True)

            await manager.goto(f"{lille.url}/admin/federation")
            await manager.fill("#target", "mutualab")
            await manager.click("form[action='/admin/federation/follow'] button[type=submit]")
            await manager.wait_for_load_state("load")
            error = await manager.inner_text("[role=alert]")
            assert "name@host" not in error and "not a handle" not in error
            assert error.strip() == gettext(
                "“%(target)s” is not an address on the network. Check the address: it looks like name@host "
                "(for example mutualab@coffee.mutualab.org) or starts with https://.") % {"target": "mutualab"}
            await manager.screenshot(path=shot(lang, "manager-2-follow-error"), full_page=True)

            await manager.goto(f"{lille.url}/events/new")
            day = (datetime.now(UTC) + timedelta(days=20)).strftime("%Y-%m-%d")
            await manager.fill(f"#name-{lang}", {"fr": "Rencontre transfrontalière", "nl": "Grensoverschrijdende ontmoeting"}[lang])
            await manager.fill("#start", f"{day}T18:00")
            await manager.fill("#end", f"{day}T20:00")
            await manager.check("input[name=place_kind][value=network_space]")
            await manager.select_option("#network_space", f"{tournai.url}/")
            picked = await manager.inner_text("#network_space option:checked")
            assert picked == "ESCO Tournai — Grand-Place 1, 7500 Tournai, BE"
            await manager.locator("#network_space").scroll_into_view_if_needed()
            await manager.screenshot(path=shot(lang, "manager-3-event-form-space-picker"))
            await manager.click("form.event-form > button[type=submit]")
            await manager.wait_for_url(f"{lille.url}/events/*")
            event_page = await manager.inner_text("main")
            assert "ESCO Tournai" in event_page and "Grand-Place 1" in event_page
            await manager.screenshot(path=shot(lang, "manager-4-event"), full_page=True)

            query, offers, seeks = SEARCH[lang]
            coworker = await signed_in_page(browser, lille, "luc", lang)
            await coworker.goto(f"{lille.url}/catalogue")
            await coworker.fill("input[name=q]", query)
            await coworker.press("input[name=q]", "Enter")
            await coworker.wait_for_url("**/catalogue?**")
            cards = coworker.locator("li.member-card")
            assert await cards.count() == 1  # Luc only seeks the skill: he is not among those who can help
            card = await cards.first.inner_text()
            assert "Amélie Martin" in card and offers.upper() in card.upper() and seeks.upper() in card.upper()
            await coworker.screenshot(path=shot(lang, "coworker-1-catalogue-cards"), full_page=True)

            await coworker.goto(f"{lille.url}/")
            home = await coworker.inner_text("main")
            assert {"fr": "Rencontre transfrontalière", "nl": "Grensoverschrijdende ontmoeting"}[lang] in home
            await coworker.screenshot(path=shot(lang, "coworker-2-home-with-events"), full_page=True)
        finally:
            await browser.close()
