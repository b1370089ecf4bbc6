"""The catalogue's pages and JSON API on a running node: consent, 400s, the admin view, the profile block."""

from __future__ import annotations

import jsonschema
import pytest

from node.services import members
from node.services.skills import load_skill_index
from tests.test_api import openapi_schema
from tests.web import PASSWORD, csrf_from, login

ESCO = "http://data.europa.eu/esco/skill/"
WEB_PROGRAMMING = ESCO + "69bbd53f-fbb0-4476-b4b2-ef7844464e28"  # fr "programmation web", nl "webprogrammering"
GRAPHIC_DESIGN = ESCO + "7fb699d9-182a-430e-b7a0-6d8ed05c284b"
PYTHON = ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d"


def member(node, username: str, role: str = "member", **profile) -> dict:
    """An active member made through the service, so the catalogue indexes it as a real one would be."""
    return members.create_member(node.store, username=username, display_name=profile.pop("name", username.title()),
                                 role=role, status="active", password=PASSWORD, profile=profile,
                                 skills=load_skill_index(), config=node.config)


@pytest.fixture
async def lille(node):
    member(node, "amelie", name="Amélie Martin", visibility="public", skills_offered=[WEB_PROGRAMMING],
           skills_sought=[GRAPHIC_DESIGN], languages=["fr"])
    member(node, "luc", name="Luc Petit", visibility="network", skills_sought=[WEB_PROGRAMMING])
    member(node, "nina", name="Nina Local", visibility="local", skills_offered=[GRAPHIC_DESIGN])
    member(node, "boss", role="admin", visibility="local")
    return node


async def test_api_is_the_open_webs_view_and_matches_its_description(lille) -> None:
    http = lille.client()
    assert await login(http, "boss") == 303  # a session changes nothing for the API
    async with http.get("/api/catalogue", params={"q": "webprogrammering", "lang": "nl"}) as resp:
        assert resp.status == 200 and resp.headers["Access-Control-Allow-Origin"] == "*"
        body = await resp.json()
    jsonschema.validate(body, await openapi_schema(http, "CataloguePage"))
    assert [item["name"] for item in body["items"]] == ["Amélie Martin"]  # Luc (network) is not for the open web
    assert body["items"][0]["skills_offered"][0]["label"] == "webprogrammering"
    assert body["concepts"] == [{"uri": WEB_PROGRAMMING, "label": "webprogrammering"}]
    async with http.get("/api/catalogue", params={"per_page": 1, "country": "fr"}) as resp:
        body = await resp.json()
    assert body["total"] == 1 and body["next"] is None and body["facets"]["country"][0]["value"] == "FR"


@pytest.mark.parametrize("query, field", [
    ("q=" + "x" * 201, "q"), ("page=0", "page"), ("page=1001", "page"), ("per_page=51", "per_page"),
    (f"skill={ESCO}nope", "skill"), ("skill=basket+weaving+for+cats", "skill"), ("country=France", "country"),
    ("language=english", "language"), ("open_to=x", "open_to"), ("cross_border=maybe", "cross_border"),
    ("lang=xx", "lang"),
])
async def test_api_bad_input_is_a_400_naming_the_parameter(lille, query: str, field: str) -> None:
    async with lille.client().get(f"/api/catalogue?{query}") as resp:
        assert resp.status == 400
        assert (await resp.json())["field"] == field


async def test_matches_api_for_public_members_only(lille) -> None:
    http = lille.client()
    async with http.get("/api/matches/amelie?lang=en") as resp:
        assert resp.status == 200
        body = await resp.json()
    jsonschema.validate(body, await openapi_schema(http, "Matches"))
    (need,) = body["needs"]
    assert need["skill"]["label"] == "graphic design" and need["offers"] == []  # Nina is local: not for the open web
    for hidden in ("luc", "nina", "nobody"):
        async with http.get(f"/api/matches/{hidden}") as resp:
            assert resp.status == 404, hidden


async def test_page_shows_more_to_members_and_keeps_the_form_on_bad_input(lille) -> None:
    anonymous, signed_in = lille.client(), lille.client()
    async with anonymous.get("/catalogue?skill=programmation+web") as resp:
        page = await resp.text()
    assert resp.status == 200 and "Amélie Martin" in page and "Luc Petit" not in page
    assert await login(signed_in, "amelie") == 303
    async with signed_in.get("/catalogue") as resp:
        page = await resp.text()
    assert "Luc Petit" in page and "Nina Local" in page and 'href="/catalogue?country=FR"' in page
    async with signed_in.get("/catalogue?page=0") as resp:
        page = await resp.text()
    assert resp.status == 400 and 'role="alert"' in page and 'name="q"' in page


async def test_own_profile_lists_who_can_help(lille) -> None:
    http = lille.client()
    assert await login(http, "luc") == 303
    async with http.get("/@luc") as resp:
        page = await resp.text()
    assert "Who can help you" in page and "Amélie Martin" in page
    async with http.get("/@amelie") as resp:
        assert "Who can help you" not in await resp.text()  # only on one's own page


async def test_admin_pages(lille) -> None:
    member_http, admin_http = lille.client(), lille.client()
    assert await login(member_http, "luc") == 303
    async with member_http.get("/admin/catalogue") as resp:
        assert resp.status == 403
    member(lille, "zoe", name="Zoé", visibility="local", skills_sought=[PYTHON])
    assert await login(admin_http, "boss") == 303
    async with admin_http.get("/admin/catalogue") as resp:
        page = await resp.text()
    assert resp.status == 200 and "Reading the members of followed spaces" in page
    # Zoé seeks Python, which nobody offers; Amélie seeks graphic design, which Nina offers here.
    assert "Python (computer programming)" in page and "graphic design" not in page and "Zoé" in page
    async with admin_http.get("/spaces") as resp:
        assert resp.status == 200 and "Spaces of the network" in await resp.text()
    token = await csrf_from(admin_http, "/spaces")
    async with admin_http.post("/spaces/follow", data={"csrf_token": token, "actor": "not a url"}) as resp:
        assert resp.status == 400
    async with admin_http.post("/spaces/follow", data={"actor": "https://x.test/"}, allow_redirects=False) as resp:
        assert resp.status == 403  # no CSRF token
    async with member_http.post("/spaces/follow", data={"csrf_token": await csrf_from(member_http, "/spaces"),
                                                          "actor": "https://x.test/"}) as resp:
        assert resp.status == 403  # not an admin
