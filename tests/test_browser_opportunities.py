"""Opportunities in a real browser (headless Chromium, Playwright), across two nodes: Nadia posts in
Charleroi (Dutch pages, a skill typed in Dutch), Louise answers from Lille (French pages), Nadia accepts,
both see the partnership. Screenshots in test-output/browser/opportunities-*.png."""

from __future__ import annotations

import pytest
from playwright.async_api import async_playwright

from node.appkeys import DELIVERY
from node.services import partnerships
from node.storage import members as members_store
from tests.federation_network.helpers import eventually, follow, settled
from tests.test_browser import CHROMIUM_ARGS, SHOTS, chromium_path
from tests.test_opportunities import GRAPHIC_DESIGN
from tests.web import PASSWORD, add_member

pytestmark = pytest.mark.browser


def network_member(node, username: str, **fields) -> None:
    member = add_member(node, username)
    members_store.update(node.store, member["id"], visibility="public", **fields)


async def sign_in(browser, node, username: str, locale: str):
    context = await browser.new_context(locale=locale, viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    await page.goto(f"{node.url}/login")
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{node.url}/")
    return page


async def test_post_answer_accept_across_two_nodes(node_factory) -> None:
    charleroi = await node_factory(name="La Fabrik", slug="fabrik", country="BE", city="Charleroi")
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    await follow(lille, charleroi)
    network_member(charleroi, "nadia")
    network_member(lille, "louise", skills_offered=[GRAPHIC_DESIGN])
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            nadia = await sign_in(browser, charleroi, "nadia", "nl-BE")
            await nadia.goto(f"{charleroi.url}/opportunities/new")
            assert '<html lang="nl">' in await nadia.content()
            await nadia.fill("#title-nl", "Affiche voor het carnaval")
            await nadia.fill("#description-nl", "Een affiche A2 voor het carnaval van Charleroi.")
            await nadia.type("#skills-add", "grafisch ontwerp", delay=20)  # the picker suggests as she types
            await nadia.locator("#skills-suggestions [role=option]").first.wait_for(state="visible", timeout=10_000)
            await nadia.keyboard.press("ArrowDown")
            await nadia.keyboard.press("Enter")
            await nadia.locator("input[name=skills]:checked").first.wait_for(timeout=5_000)
            await nadia.screenshot(path=SHOTS / "opportunities-1-post-nl.png", full_page=True)
            await nadia.click("form.stack button[type=submit]:text('Publiceren')")
            await nadia.wait_for_url(f"{charleroi.url}/opportunities/*")
            assert "Affiche voor het carnaval" in await nadia.content()
            ap_id = nadia.url
            charleroi.app[DELIVERY].wake()

            louise = await sign_in(browser, lille, "louise", "fr-BE")
            await eventually(lambda: lille.store.db.execute("SELECT 1 FROM opportunities WHERE ap_id = ?", [ap_id]).fetchone())
            await louise.goto(f"{lille.url}/opportunities")
            board = await louise.content()
            assert "Affiche voor het carnaval" in board and "Transfrontalier" in board  # a Belgian one, seen from Lille
            await louise.screenshot(path=SHOTS / "opportunities-2-board-fr.png", full_page=True)
            await louise.click("text=Affiche voor het carnaval")
            await louise.fill("#message", "Bonjour Nadia, je suis graphiste à Lille et libre en mars.")
            await louise.screenshot(path=SHOTS / "opportunities-3-answer-fr.png", full_page=True)
            await louise.click("button:text('Envoyer ma réponse')")
            await louise.wait_for_url("**answered=1")
            lille.app[DELIVERY].wake()

            await eventually(lambda: charleroi.store.db.execute("SELECT 1 FROM opportunity_answers").fetchone())
            await nadia.goto(f"{charleroi.url}/me/opportunities")
            assert "je suis graphiste à Lille" in await nadia.content()
            await nadia.screenshot(path=SHOTS / "opportunities-4-answers-nl.png", full_page=True)
            await nadia.click("button[name=decision][value=accept]")
            await nadia.wait_for_url(f"{charleroi.url}/me/opportunities")
            charleroi.app[DELIVERY].wake()
            await eventually(lambda: partnerships.all_local(lille.store, lille.config))
            lille.app[DELIVERY].wake()
            await eventually(lambda: partnerships.all_local(charleroi.store, charleroi.config)[0]["status"] == "active")
            await settled(charleroi, lille)

            await louise.goto(f"{lille.url}/me/partnerships")
            mine = await louise.content()
            assert "Nadia" in mine and "Transfrontalier" in mine
            await louise.screenshot(path=SHOTS / "opportunities-5-partnership-fr.png", full_page=True)
            await nadia.goto(f"{charleroi.url}/me/partnerships")
            theirs = await nadia.content()
            assert "Louise" in theirs and "Grensoverschrijdend" in theirs
            await nadia.screenshot(path=SHOTS / "opportunities-6-partnership-nl.png", full_page=True)
        finally:
            await browser.close()
