"""The public JSON API: `/api/space`, `/api/members`, and their OpenAPI description."""

from __future__ import annotations

import jsonschema
import pytest

from node.services import space as space_service
from tests.profiles_web import GRAPHIC_DESIGN, member_with_profile


async def openapi_schema(http, name: str) -> dict:
    """A component schema of our own description, with the components it refers to."""
    async with http.get("/api/openapi.json") as resp:
        assert resp.status == 200
        document = await resp.json()
    return document["components"]["schemas"][name] | {"components": document["components"]}


async def test_space_api_matches_the_home_page_data(node) -> None:
    space_service.update_space(node.store, {"description_map": {"fr": "Bienvenue", "en": "Welcome"}, "price_day": 12,
                                            "latitude": 50.63, "longitude": 3.06, "amenities": ["wifi"],
                                            "opening_hours": [{"days": "Mo-Fr", "opens": "08:30", "closes": "18:00"}]})
    http = node.client()
    async with http.get("/api/space", headers={"Accept-Language": "fr"}) as resp:
        assert resp.status == 200 and resp.headers["Access-Control-Allow-Origin"] == "*"
        body = await resp.json()
    assert body["description"] == "Bienvenue" and body["url"] == f"{node.url}/"
    assert body["price_day"] == 12 and body["amenities"] == ["wifi"]
    assert "id" not in body
    jsonschema.validate(body, await openapi_schema(http, "Space"))
    async with http.get("/api/space?lang=en") as resp:
        assert (await resp.json())["description"] == "Welcome"
    async with http.get("/api/space?lang=xx") as resp:
        assert resp.status == 400 and (await resp.json())["field"] == "lang"


async def test_members_api_lists_public_members_only(node) -> None:
    member_with_profile(node, "paula", display_name="Paula", visibility="public", skills_offered=[GRAPHIC_DESIGN],
                        avatar="A" * 32 + ".webp")
    member_with_profile(node, "nora", visibility="network")
    member_with_profile(node, "loic", visibility="local")
    member_with_profile(node, "sam", visibility="public", status="suspended")
    http = node.client()
    async with http.get("/api/members?lang=nl") as resp:
        assert resp.status == 200
        body = await resp.json()
    jsonschema.validate(body, await openapi_schema(http, "MembersPage"))
    assert body["total"] == 1 and body["next"] is None
    (paula,) = body["members"]
    assert paula["profile_url"] == f"{node.url}/@paula"
    assert paula["avatar_url"] == f"{node.url}/media/{'A' * 32}.webp"
    assert paula["skills_offered"] == [{"uri": GRAPHIC_DESIGN, "label": "grafisch ontwerp"}]
    assert not {"id", "role", "status", "visibility", "password_hash", "private_key_pem", "avatar"} & set(paula)
    async with http.get("/api/members", headers={"Accept-Language": "fr"}) as resp:
        assert (await resp.json())["members"][0]["skills_offered"][0]["label"] == "conception graphique"


async def test_members_api_filters_and_pages(node) -> None:
    for n in range(5):
        member_with_profile(node, f"m{n}", visibility="public", languages=["nl"] if n % 2 else ["fr"])
    http = node.client()
    async with http.get("/api/members?per_page=2&page=2") as resp:
        body = await resp.json()
    assert [m["username"] for m in body["members"]] == ["m2", "m3"]
    assert body["next"] == f"{node.url}/api/members?page=3&per_page=2"
    async with http.get("/api/members?language=nl&q=M") as resp:
        assert [m["username"] for m in (await resp.json())["members"]] == ["m1", "m3"]


@pytest.mark.parametrize(
    "query, field",
    [("page=0", "page"), ("page=abc", "page"), ("page=%C2%B2", "page"), ("page=99999999999999999999999", "page"), ("page=10001", "page"), ("page=-2", "page"),
     ("per_page=101", "per_page"), ("per_page=0", "per_page"), ("open_to=dating", "open_to"), ("language=xx", "language")],
)  # fmt: skip
async def test_members_api_rejects_bad_parameters(node, query, field) -> None:
    async with node.client().get(f"/api/members?{query}") as resp:
        assert resp.status == 400
        assert resp.content_type == "application/json"
        body = await resp.json()
    assert body["field"] == field and body["status"] == 400
    assert set(body) == {"error", "status", "field"}


async def test_openapi_document_lists_the_paths(node) -> None:
    async with node.client().get("/api/openapi.json") as resp:
        document = await resp.json()
    assert document["openapi"].startswith("3.1")
    assert {"/api/space", "/api/members"} <= set(document["paths"])
    assert document["servers"] == [{"url": node.url}]
    jsonschema.Draft202012Validator.check_schema(document["components"]["schemas"]["MembersPage"])
