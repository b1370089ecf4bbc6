"""Opportunity pages, forms, answers and the JSON API through real HTTP; bad input is a 4xx that stores nothing."""

from __future__ import annotations

import re

import jsonschema
import pytest

from node.services import catalogue
from node.services import opportunities as op
from node.storage import members as members_store
from node.storage import opportunities as opportunities_store
from tests.test_api import openapi_schema
from tests.test_opportunities import GRAPHIC_DESIGN, SKILLS
from tests.test_opportunity_documents import validate
from tests.web import add_member, login, submit

FORM = {"kind": "mission", "title.fr": "Affiche du festival", "description.fr": "Une affiche A2.", "skills_add": "grafisch ontwerp",
        "place_kind": "this_space", "jurisdiction": "BE-WAL"}


def count(node) -> int:
    return node.store.db.execute("SELECT count(*) FROM opportunities").fetchone()[0]


async def member_client(node, username: str = "nadia", visibility: str = "public"):
    member = add_member(node, username)
    members_store.update(node.store, member["id"], visibility=visibility)
    http = node.client()
    assert await login(http, username) == 303
    return http


async def test_post_show_close(node) -> None:
    http = await member_client(node)
    status, _body, location = await submit(http, "/opportunities/new", "/opportunities/new", FORM)
    assert status == 303 and re.fullmatch(r"/opportunities/[0-9a-f-]{36}", location)
    found = opportunities_store.get_by_uuid(node.store, location.rsplit("/", 1)[1])
    assert found["skills"] == [GRAPHIC_DESIGN] and found["jurisdiction"] == "BE-WAL"  # the Dutch label was resolved
    async with node.client().get(location) as resp:
        page = await resp.text()
    assert resp.status == 200 and "Affiche du festival" in page and "Une affiche A2." in page
    assert '<meta property="og:title" content="Affiche du festival">' in page  # a pasted link shows a card
    assert '<meta property="og:description" content="Une affiche A2.">' in page
    assert f'<meta property="og:url" content="{node.url}{location}">' in page
    async with node.client().get(location, headers={"Accept": "application/activity+json"}) as resp:
        doc = await resp.json(content_type=None)
    validate(doc, "opportunity.schema.json")
    async with node.client().get("/opportunities", params={"skill": "conception graphique"}) as resp:
        assert "Affiche du festival" in await resp.text()
    async with node.client().get("/opportunities.atom", params={"kind": "mission"}) as resp:
        assert resp.content_type == "application/atom+xml" and "Affiche du festival" in await resp.text()
    async with node.client().get("/opportunities.atom", params={"kind": "job"}) as resp:
        assert "Affiche du festival" not in await resp.text()
    status, _body, _location = await submit(http, location + "/edit", location + "/edit",
                                            FORM | {"title.nl": "Affiche voor het festival", "skills": GRAPHIC_DESIGN,
                                                    "skills_add": "", "duration": "2 semaines"})
    assert status == 303
    edited = opportunities_store.get(node.store, found["id"])
    assert edited["name_map"] == {"fr": "Affiche du festival", "nl": "Affiche voor het festival"}
    assert edited["duration"] == "2 semaines" and edited["skills"] == [GRAPHIC_DESIGN]
    assert [r[0] for r in node.store.db.execute("SELECT type FROM activities WHERE object_id = ? ORDER BY rowid",
                                                [found["ap_id"]])] == ["Create", "Update"]
    other = await member_client(node, "other")
    status, _body, _location = await submit(other, location, location + "/edit", FORM | {"title.fr": "Piraté"})
    assert status == 403 and opportunities_store.get(node.store, found["id"])["name_map"]["fr"] == "Affiche du festival"
    status, _body, _location = await submit(http, location, location + "/close", {"status": "filled"})
    assert status == 303 and opportunities_store.get(node.store, found["id"])["status"] == "filled"


@pytest.mark.parametrize(("changes", "message"), [
    ({"title.fr": ""}, "Give the opportunity a title."),
    ({"kind": "gig"}, "Unknown value: gig."),
    ({"expires": "2001-01-01"}, "The expiry date must be in the future."),
    ({"description.fr": "x" * (op.MAX_DESCRIPTION + 1)}, "This text is too long"),
    ({"jurisdiction": "ZZ-1"}, "Enter an ISO 3166 code like FR or BE-WAL."),
    ({"skills_add": "zzqx wvvkj"}, "“zzqx wvvkj”"),  # no such skill: the picker says so, quoting what was typed
])
async def test_bad_form_is_a_400_and_stores_nothing(node, changes: dict[str, str], message: str) -> None:
    http = await member_client(node)
    status, body, _location = await submit(http, "/opportunities/new", "/opportunities/new", FORM | changes)
    assert status == 400 and message in body
    assert count(node) == 0 and node.store.db.execute("SELECT count(*) FROM activities").fetchone()[0] == 0


async def test_answers_to_closed_or_own_opportunities_are_refused(node) -> None:
    nadia = await member_client(node)
    _status, _body, location = await submit(nadia, "/opportunities/new", "/opportunities/new", FORM)
    uuid = location.rsplit("/", 1)[1]
    status, body, _location = await submit(nadia, location, location + "/answer", {"message": "moi"})
    assert status == 400 and "This is your own opportunity." in body
    louise = await member_client(node, "louise")
    status, _body, _location = await submit(louise, location, location + "/answer", {"message": "Je suis graphiste."})
    assert status == 303
    status, _body, _location = await submit(louise, location, location + "/answer", {"message": "Je suis graphiste, dispo."})
    found = opportunities_store.get_by_uuid(node.store, uuid)
    [answer] = opportunities_store.answers(node.store, found["id"])  # answering again is still one answer
    assert answer["message"] == "Je suis graphiste, dispo."
    async with nadia.get("/me/opportunities") as resp:
        assert "Je suis graphiste, dispo." in await resp.text()
    op.close(node.store, node.config, uuid, SKILLS, by=None)
    status, body, _location = await submit(louise, location, location + "/answer", {"message": "Encore moi"})
    assert status == 400 and "no longer takes answers" in body
    assert opportunities_store.answer(node.store, answer["id"])["message"] == "Je suis graphiste, dispo."


async def test_only_the_poster_decides(node) -> None:
    nadia = await member_client(node)
    _status, _body, location = await submit(nadia, "/opportunities/new", "/opportunities/new", FORM)
    louise = await member_client(node, "louise")
    await submit(louise, location, location + "/answer", {"message": "Je suis graphiste."})
    found = opportunities_store.get_by_uuid(node.store, location.rsplit("/", 1)[1])
    [answer] = opportunities_store.answers(node.store, found["id"])
    status, _body, _location = await submit(nadia, "/me/opportunities", f"/answers/{answer['id']}/reply",
                                            {"message": "Quand pouvez-vous commencer ?"})
    assert status == 303
    async with louise.get(location) as resp:
        assert "Quand pouvez-vous commencer ?" in await resp.text()  # the answerer sees the thread
    stranger = await member_client(node, "intruder")
    status, _body, _location = await submit(stranger, "/me/opportunities", f"/answers/{answer['id']}/reply",
                                            {"message": "Moi aussi"})
    assert status == 404 and len(node.store.db.execute("SELECT * FROM answer_messages").fetchall()) == 1
    status, _body, _location = await submit(louise, "/me/opportunities", location + "/answers",
                                            {"decision": "accept", "answer": str(answer["id"])})
    assert status == 403 and node.store.db.execute("SELECT count(*) FROM partnerships").fetchone()[0] == 0
    status, _body, _location = await submit(nadia, "/me/opportunities", location + "/answers",
                                            {"decision": "accept", "answer": str(answer["id"])})
    assert status == 303
    [row] = node.store.db.execute("SELECT status, cross_border FROM partnerships").fetchall()
    assert tuple(row) == ("active", 0)  # two members of the same space: started at once, not cross-border
    async with louise.get("/me/partnerships") as resp:
        assert "Nadia" in await resp.text()
    uuid = node.store.db.execute("SELECT uuid FROM partnerships").fetchone()[0]
    stranger = await member_client(node, "stranger")
    status, _body, _location = await submit(stranger, "/me/partnerships", f"/me/partnerships/{uuid}/end")
    assert status == 404
    status, _body, _location = await submit(nadia, "/me/partnerships", f"/me/partnerships/{uuid}/end")
    assert status == 303 and node.store.db.execute("SELECT status FROM partnerships").fetchone()[0] == "ended"
    add_member(node, "admin", role="admin")
    admin = node.client()
    await login(admin, "admin")
    async with admin.get("/admin") as resp:
        page = await resp.text()
    month = re.search(r"<tr><td>(\d{4}-\d{2})</td><td>1</td><td>0</td></tr>", page)
    assert month, "the dashboard counts the partnership in its month"


async def test_api_lists_public_ones_with_the_board_filters(node) -> None:
    nadia = await member_client(node)
    await submit(nadia, "/opportunities/new", "/opportunities/new", FORM)
    hidden = members_store.insert(node.store, username="nina", display_name="Nina", role="member", status="active",
                                  visibility="network")
    op.create(node.store, node.config, {"kind": "job", "title": {"fr": "Réseau seulement"}}, SKILLS, by=hidden)
    http = node.client()
    async with http.get("/api/opportunities") as resp:
        assert resp.status == 200
        body = await resp.json()
    jsonschema.validate(body, await openapi_schema(http, "OpportunitiesPage"))
    assert [item["title"] for item in body["opportunities"]] == [{"fr": "Affiche du festival"}]
    assert body["opportunities"][0]["cross_border"] is False
    async with http.get("/opportunities") as resp:
        assert "Réseau seulement" not in await resp.text()  # network-only: not for anonymous readers
    async with nadia.get("/opportunities") as resp:
        assert "Réseau seulement" in await resp.text()
    for query, field in (({"kind": "gig"}, "kind"), ({"colour": "red"}, "colour"), ({"remote": "maybe"}, "remote")):
        async with http.get("/api/opportunities", params=query) as resp:
            assert resp.status == 400 and (await resp.json())["field"] == field


async def test_a_request_lists_the_people_who_could_answer(node) -> None:
    helper = add_member(node, "emile")
    helper = members_store.update(node.store, helper["id"], visibility="network", skills_offered=[GRAPHIC_DESIGN],
                                  display_name="Émile")
    catalogue.index_local_member(node.store, node.config, helper)
    nadia = await member_client(node)
    await submit(nadia, "/opportunities/new", "/opportunities/new", FORM | {"kind": "request"})
    async with nadia.get("/me/opportunities") as resp:
        page = await resp.text()
    assert "Émile" in page and "/@emile" in page
    await submit(nadia, "/opportunities/new", "/opportunities/new", FORM | {"kind": "job", "title.fr": "Un job"})
    found = [item for item in op.mine(node.store, members_store.get_by_username(node.store, "nadia"))]
    assert [bool(op.who_could_answer(node.store, SKILLS, item, lang="fr", country="FR")) for item in found] == [False, True]


async def test_the_home_page_shows_the_newest_public_opportunities(node) -> None:
    nadia = await member_client(node)
    async with node.client().get("/") as resp:
        assert "/opportunities/" not in await resp.text()  # nothing posted: no empty section
    await submit(nadia, "/opportunities/new", "/opportunities/new", FORM)
    hidden = members_store.insert(node.store, username="nina", display_name="Nina", role="member", status="active",
                                  visibility="network")
    op.create(node.store, node.config, {"kind": "job", "title": {"fr": "Réseau seulement"}}, SKILLS, by=hidden)
    http = node.client()
    async with http.get("/lang/fr", allow_redirects=False):
        pass
    async with http.get("/") as resp:
        page = await resp.text()
    assert "Affiche du festival" in page and 'href="/opportunities"' in page
    assert "Réseau seulement" not in page  # network-only: not on the public home page
