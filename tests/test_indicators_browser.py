"""The indicators page in a real browser (Debian's Chromium, Playwright): charts drawn, each with its
data table, in French and in Dutch. Screenshots in test-output/browser/."""

from __future__ import annotations

import pytest
from playwright.async_api import async_playwright

from node.services.indicators import support_log, targets
from tests.federation_network.test_indicators_network import event_with, support
from tests.test_browser import CHROMIUM_ARGS, SHOTS, chromium_path

pytestmark = pytest.mark.browser


async def test_the_indicators_page_draws_each_chart_with_its_data_table_in_fr_and_nl(node) -> None:
    event_with(node, [("ana", "FR"), ("bert", "BE"), ("chloe", "FR"), ("dirk", "BE"), ("eva", "BE")], ended_hours_ago=2)
    event_with(node, [("fanny", "FR")], ended_hours_ago=50)
    for name in ("Atelier Nord", "Brasserie Sud", "Coop Est"):
        support(node, name, "FR")
    support_log.add(node.store, {"date": "2026-01-15", "kind": "training", "beneficiary_type": "person",
                                 "beneficiary_name": "Jan", "beneficiary_country": "BE", "hours": "1"})
    targets.set_coffee_targets(node.store)
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            for locale, lang, title in (("fr-BE", "fr", "Indicateurs de Mutualab"),
                                        ("nl-BE", "nl", "Indicatoren van Mutualab")):
                page = await (await browser.new_context(locale=locale, viewport={"width": 1100, "height": 900})).new_page()
                await page.goto(f"{node.url}/indicators")
                assert await page.get_attribute("html", "lang") == lang
                assert await page.locator("h1").inner_text() == title
                figures = page.locator("figure.indicator-chart")
                count = await figures.count()
                assert count >= 10
                for index in range(count):
                    figure = figures.nth(index)
                    chart = figure.locator("svg[role=img]")
                    box = await chart.bounding_box()
                    assert box and box["width"] > 300 and box["height"] > 80  # drawn, not an empty element
                    assert await figure.locator("rect").count() >= 1
                    labelled = await chart.get_attribute("aria-labelledby")
                    assert await figure.locator(f"[id='{labelled.split()[0]}']").count() == 1
                    assert await figure.locator("table.chart-data tbody tr").count() >= 1
                progress = page.locator("progress")
                assert await progress.count() == 6  # the COFFEE targets of indicators this node counts (partnerships too)
                await page.screenshot(path=SHOTS / f"indicators-{lang}.png", full_page=True)
                small = "moins de 3" if lang == "fr" else "minder dan 3"
                assert small in await page.locator("#chart-people_reached_by_support-country").inner_text()
        finally:
            await browser.close()
