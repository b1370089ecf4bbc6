"""Who appears where: the home page, `/members` and `/api/members`, and the directory's search."""

from __future__ import annotations

import re

import pytest

from tests.profiles_web import GRAPHIC_DESIGN, PROGRAMMING, PYTHON, member_with_profile
from tests.web import login


def names_on(html: str) -> set[str]:
    """Usernames of the member cards (and profile links) on a page."""
    return set(re.findall(r'href="/@(\w+)"', html))


@pytest.fixture
def people(node):
    member_with_profile(node, "paula", display_name="Paula Public", visibility="public")
    member_with_profile(node, "nora", display_name="Nora Network", visibility="network")
    member_with_profile(node, "loic", display_name="Loïc Local", visibility="local")
    member_with_profile(node, "sam", display_name="Sam Suspended", visibility="public", status="suspended")
    member_with_profile(node, "ines", display_name="Ines Invited", visibility="public", status="invited")
    member_with_profile(node, "alice", visibility="local")  # signs in below


async def test_anonymous_visitors_see_only_public_members(node, people) -> None:
    http = node.client()
    for path in ("/", "/members"):
        async with http.get(path) as resp:
            assert names_on(await resp.text()) == {"paula"}, path
    async with http.get("/api/members") as resp:
        body = await resp.json()
    assert [m["username"] for m in body["members"]] == ["paula"] and body["total"] == 1


async def test_members_of_the_space_see_every_active_member(node, people) -> None:
    http = node.client()
    await login(http)
    for path in ("/", "/members"):
        async with http.get(path) as resp:
            html = await resp.text()
        assert names_on(html) - {"alice"} == {"paula", "nora", "loic"}, path
        assert "Sam Suspended" not in html and "Ines Invited" not in html
    async with http.get("/members") as resp:
        html = await resp.text()
    assert "Coffee network" in html and "This space only" in html  # members see who is not public
    async with http.get("/api/members") as resp:  # the API is the public web, session or not
        assert [m["username"] for m in (await resp.json())["members"]] == ["paula"]


async def test_search_by_name_and_organisation_ignores_case_and_accents(node) -> None:
    member_with_profile(node, "emilie", display_name="Émilie Durand", organisation="Atelier Vélo", visibility="public")
    member_with_profile(node, "bob", display_name="Bob", organisation="Brasserie", visibility="public")
    http = node.client()
    for query, expected in [("emilie", {"emilie"}), ("DURAND", {"emilie"}), ("velo", {"emilie"}),
                            ("bob", {"bob"}), ("BRASS", {"bob"}), ("zzz", set())]:  # fmt: skip
        async with http.get("/members", params={"q": query}) as resp:
            assert names_on(await resp.text()) == expected, query


async def test_search_by_skill_uri_label_or_tag(node) -> None:
    member_with_profile(node, "emilie", skills_offered=[GRAPHIC_DESIGN], visibility="public")
    member_with_profile(node, "pierre", skills_offered=[PROGRAMMING, PYTHON], tags=["Risographie"], visibility="public")
    member_with_profile(node, "quentin", skills_sought=[GRAPHIC_DESIGN], visibility="public")  # seeks, does not offer
    http = node.client()
    for skill, expected in [
        (GRAPHIC_DESIGN, {"emilie"}),
        ("grafisch ontwerp", {"emilie"}),  # Dutch label, skill entered through French/English
        ("CONCEPTION GRAPHIQUE", {"emilie"}),
        ("computerprogrammering", {"pierre"}),
        ("risographie", {"pierre"}),  # a free-text tag
        ("underwater basket weaving", set()),
    ]:
        async with http.get("/members", params={"skill": skill}) as resp:
            assert names_on(await resp.text()) == expected, skill
    async with http.get("/members", params={"skill": GRAPHIC_DESIGN}, headers={"Accept-Language": "fr"}) as resp:
        html = await resp.text()
    assert 'value="conception graphique"' in html  # the URI is shown as its label
    assert '<option value="conception graphique">' in html  # skills in use are suggested


async def test_search_by_language_and_openness(node) -> None:
    member_with_profile(node, "anna", languages=["nl", "en"], open_to=["jobs"], visibility="public")
    member_with_profile(node, "bruno", languages=["fr"], open_to=["jobs", "mentoring"], visibility="public")
    http = node.client()
    for params, expected in [({"language": "nl"}, {"anna"}), ({"open_to": "mentoring"}, {"bruno"}),
                             ({"open_to": "jobs", "language": "fr"}, {"bruno"}), ({"language": "de"}, set())]:  # fmt: skip
        async with http.get("/members", params=params) as resp:
            html = await resp.text()
        assert names_on(html) == expected, params
    async with http.get("/members", params={"language": "nl"}) as resp:
        assert "1 member matches" in await resp.text()


async def test_directory_pages(node) -> None:
    for n in range(30):
        member_with_profile(node, f"m{n:02d}", visibility="public")
    http = node.client()
    async with http.get("/members") as resp:
        html = await resp.text()
    assert len(names_on(html)) == 24 and "30 members" in html
    assert 'href="/members?page=2" rel="next"' in html
    async with http.get("/members?page=2") as resp:
        html = await resp.text()
    assert names_on(html) == {f"m{n}" for n in range(24, 30)} and 'rel="prev"' in html
    for bad in ("0", "-1", "two", "10001"):
        async with http.get(f"/members?page={bad}") as resp:
            assert resp.status == 400, bad
    async with http.get("/members?language=xx") as resp:
        assert resp.status == 400


async def test_directory_in_dutch(node) -> None:
    member_with_profile(node, "emilie", skills_offered=[GRAPHIC_DESIGN], visibility="public")
    async with node.client().get("/members", headers={"Accept-Language": "nl"}) as resp:
        html = await resp.text()
    assert '<html lang="nl">' in html and "grafisch ontwerp" in html
