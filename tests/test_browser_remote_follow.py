"""Issue 13, Done-means 4: in a real browser, a member of node B reads node A's space page, clicks
"follow from my space", is taken to B to confirm, and then follows A. Screenshots in test-output/browser/."""

from __future__ import annotations

import pytest
from playwright.async_api import async_playwright

from node.storage import follows as follows_store
from tests.federation_network.helpers import eventually, set_member
from tests.test_browser import CHROMIUM_ARGS, SHOTS, chromium_path
from tests.web import PASSWORD, add_member

pytestmark = pytest.mark.browser


async def test_a_visitor_follows_a_space_from_its_page_with_follow_from_my_space(node_factory) -> None:
    switch = await node_factory(name="Switch", slug="switch", country="BE", city="Charleroi")
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    add_member(lille, "alice")
    set_member(lille, "alice", visibility="public")
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(locale="fr-BE", viewport={"width": 1200, "height": 900})).new_page()
            # Alice reads Switch's page (node A) and types her handle under "follow from my space"
            await page.goto(f"{switch.url}/")
            await page.fill("#remote-handle", f"alice@{lille.config.domain}")
            await page.locator("form.remote-follow").screenshot(path=SHOTS / "remote-follow-1-space-page.png")
            await page.click("form.remote-follow button[type=submit]")

            # Her home node (Lille) asks her to sign in (both test nodes share 127.0.0.1, and cookies
            # ignore ports, so she cannot stay signed in on both), then to confirm; nothing is followed yet
            await page.wait_for_url(lambda url: url.startswith(f"{lille.url}/login?next="))
            await page.fill("#username", "alice")
            await page.fill("#password", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(lambda url: url.startswith(f"{lille.url}/authorize_interaction?uri="))
            assert f"{switch.url}/" in await page.locator(".follow-target").inner_text()
            assert follows_store.following(lille.store, f"{lille.url}/@alice", state=None) == []
            await page.screenshot(path=SHOTS / "remote-follow-2-confirm.png", full_page=True)
            await page.click("form[action='/me/following'] button[type=submit]")
            await page.wait_for_url(f"{lille.url}/me/following")

            await eventually(lambda: (follows_store.get(lille.store, f"{lille.url}/@alice", f"{switch.url}/") or {})
                             .get("state") == "accepted", timeout=10)
            await page.reload()
            assert "Switch" in await page.content()
            await page.screenshot(path=SHOTS / "remote-follow-3-following.png", full_page=True)
        finally:
            await browser.close()
