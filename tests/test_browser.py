"""A person in a real browser (Debian's headless Chromium driven by Playwright):
sign in, edit a profile with an ESCO skill typed in Dutch, see it in the directory.

Screenshots go to test-output/browser/ for a human to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

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
