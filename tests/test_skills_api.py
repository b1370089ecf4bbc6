"""`GET /api/skills` through a real node on 127.0.0.1."""

from __future__ import annotations

import pytest

from node.services.skills import MAX_LIMIT

WEB_PROGRAMMING = "http://data.europa.eu/esco/skill/69bbd53f-fbb0-4476-b4b2-ef7844464e28"


async def get(node, params: dict[str, str], headers: dict[str, str] | None = None) -> tuple[int, dict]:
    async with node.client().get("/api/skills", params=params, headers=headers or {}) as resp:
        assert resp.content_type == "application/json"
        return resp.status, await resp.json()


async def test_dutch_query_shown_in_french(node) -> None:
    async with node.client().get("/api/skills", params={"q": "webprogrammering", "lang": "fr"}) as resp:
        assert resp.status == 200
        assert resp.headers["Access-Control-Allow-Origin"] == "*"  # public data, like the rest of /api
        body = await resp.json()
    assert body["results"][0] == {
        "uri": WEB_PROGRAMMING, "label": "programmation web", "matched": "webprogrammering", "matched_lang": "nl",
    }


async def test_language_defaults_to_the_page_language(node) -> None:
    status, body = await get(node, {"q": "programmation web"}, {"Accept-Language": "nl-BE,nl;q=0.9"})
    assert status == 200
    assert body["results"][0] == {
        "uri": WEB_PROGRAMMING, "label": "webprogrammering", "matched": "programmation web", "matched_lang": "fr",
    }
    status, body = await get(node, {"q": "programmation web"})  # no preference: English
    assert body["results"][0]["label"] == "web programming"
    status, body = await get(node, {"q": "programmation web", "lang": "fr"}, {"Accept-Language": "nl"})
    assert body["results"][0] == {"uri": WEB_PROGRAMMING, "label": "programmation web", "matched": None, "matched_lang": None}


async def test_limit_and_empty_query(node) -> None:
    status, body = await get(node, {"q": "dév", "lang": "fr", "limit": "3"})
    assert status == 200
    assert len(body["results"]) == 3
    for query in ("  ", "x", "x" * 5_000, "web\x00"):  # empty, one letter, too long (10,000: tests/test_skills.py), control
        status, body = await get(node, {"q": query, "lang": "fr"})
        assert (status, body) == (200, {"results": []})


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "web", "limit": "0"}, "limit"),
        ({"q": "web", "limit": str(MAX_LIMIT + 1)}, "limit"),
        ({"q": "web", "limit": "ten"}, "limit"),
        ({"q": "web", "lang": "xx"}, "lang"),
    ],
)
async def test_bad_input_is_a_400_with_a_message(node, params: dict[str, str], field: str | None) -> None:
    status, body = await get(node, params)
    assert status == 400
    assert body["status"] == 400
    assert body["error"]
    assert body.get("field") == field


async def test_picker_script_is_served(node) -> None:
    async with node.client().get("/static/skill-picker.js") as resp:
        assert resp.status == 200
        assert "/api/skills?" in await resp.text()


async def test_professions_are_searched_with_kind_occupation(node) -> None:
    status, body = await get(node, {"q": "traductrice", "lang": "fr", "kind": "occupation", "limit": "1"})
    assert status == 200
    assert body["results"] == [{"uri": "http://data.europa.eu/esco/occupation/1a07bd7d-2e1d-4930-a84a-1a442b8f2a44",
                                "label": "traducteur/traductrice", "matched": "traductrice", "matched_lang": "fr"}]
    status, body = await get(node, {"q": "traductrice", "kind": "job"})
    assert status == 400 and body["field"] == "kind"


async def test_a_profile_refuses_unknown_or_wrong_kind_concepts_naming_the_field(node) -> None:
    from tests.web import add_member, login, submit

    add_member(node, "alice")
    http = node.client()
    assert await login(http) == 303
    withdrawn = "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000"
    accounting = "http://data.europa.eu/esco/skill/ecc18804-a466-40d9-98b4-fba5cd67dd4b"
    for field, value in (("skills_offered", withdrawn), ("skills_sought", "https://example.org/not-esco"),
                         ("professions", accounting)):  # a skill is not a profession
        status, page, _ = await submit(http, "/me/edit", "/me/edit", {"visibility": "public", field: value})
        assert status == 400, field
        assert f'id="{field}-error"' in page, field
