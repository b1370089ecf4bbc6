"""Member profiles: validation, the edit form (skills through the picker), the profile page."""

from __future__ import annotations

import pytest

from node.errors import InvalidInput
from node.services import profiles
from node.services.skills import load_skill_index
from node.storage import members as members_store
from tests.profiles_web import GRAPHIC_DESIGN, PROGRAMMING, PYTHON, invalid_field, member_with_profile, post_form
from tests.web import login

SKILLS = load_skill_index()

PROFILE_FORM: list[tuple[str, str]] = [
    ("display_name", "Émilie Durand"),
    ("bio_map.fr", "Graphiste indépendante.\nJ'aime le vélo."),
    ("bio_map.en", "Freelance graphic designer."),
    ("organisation", "Atelier Durand"),
    ("city", "Lille"),
    ("skills_offered", GRAPHIC_DESIGN),
    ("skills_offered_add", "programmation informatique"),  # typed in French, no JavaScript
    ("skills_sought", PYTHON),
    ("tags", "risographie, Figma, figma, "),
    ("languages", "fr"),
    ("languages", "nl"),
    ("open_to", "missions"),
    ("open_to", "mentoring"),
    ("links", "https://emilie.example/portfolio"),
    ("links", ""),
    ("visibility", "public"),
]


# --- the service --------------------------------------------------------------------------------


def test_validate_profile_cleans() -> None:
    cleaned = profiles.validate_profile(
        {"tags": [" Figma", "figma", "", "3D"], "languages": ["FR", "nl", "fr"], "links": ["https://a.example", ""],
         "skills_offered": [PYTHON, PYTHON], "bio_map": {"fr": " Bonjour \r\n", "nl": ""}},
        SKILLS,
    )  # fmt: skip
    assert cleaned == {
        "tags": ["Figma", "3D"], "languages": ["fr", "nl"], "links": ["https://a.example"],
        "skills_offered": [PYTHON], "bio_map": {"fr": "Bonjour"},
    }  # fmt: skip


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"display_name": "x" * 81}, "display_name"),
        ({"bio_map": {"fr": "x" * 2001}}, "bio_map.fr"),
        ({"organisation": "x" * 121}, "organisation"),
        ({"city": "x" * 81}, "city"),
        ({"skills_offered": ["http://data.europa.eu/esco/skill/not-a-skill"]}, "skills_offered"),
        ({"skills_sought": [PYTHON] * 31}, "skills_sought"),
        ({"tags": [f"tag {n}" for n in range(21)]}, "tags"),
        ({"tags": ["x" * 41]}, "tags"),
        ({"languages": ["tlh"]}, "languages"),
        ({"open_to": ["dating"]}, "open_to"),
        ({"links": ["ftp://files.example"]}, "links"),
        ({"links": [f"https://{n}.example" for n in range(6)]}, "links"),
        ({"visibility": "everyone"}, "visibility"),
        ({"password_hash": "x"}, "password_hash"),
        ({"status": "active"}, "status"),
    ],
)
def test_validate_profile_refuses(fields, field) -> None:
    with pytest.raises(InvalidInput) as caught:
        profiles.validate_profile(fields, SKILLS)
    assert caught.value.field == field


def test_public_profile_shows_no_account_internals() -> None:
    member = {
        "id": 7, "username": "alice", "display_name": "", "bio_map": {"nl": "Hallo"}, "organisation": "", "city": "",
        "skills_offered": [PROGRAMMING], "skills_sought": [], "professions": [], "profession_gender": "", "tags": [], "languages": [], "open_to": [], "links": [],
        "avatar": None, "visibility": "public", "role": "admin", "status": "active", "password_hash": "scrypt$...",
        "private_key_pem": "-----BEGIN", "public_key_pem": "-----BEGIN", "created_at": "", "updated_at": "",
    }  # fmt: skip
    shown = profiles.public_profile(member, SKILLS, "nl", base_url="https://mutualab.example")
    assert shown["display_name"] == "alice" and shown["bio"] == "Hallo"
    assert shown["skills_offered"] == [{"uri": PROGRAMMING, "label": "computerprogrammering"}]
    assert shown["profile_url"] == "https://mutualab.example/@alice"
    assert not {"id", "role", "status", "password_hash", "private_key_pem", "public_key_pem", "visibility"} & set(shown)


@pytest.mark.parametrize(
    "visibility, status, anonymous, network, member",
    [
        ("public", "active", True, True, True),
        ("network", "active", False, True, True),
        ("local", "active", False, False, True),
        ("public", "suspended", False, False, False),
        ("public", "invited", False, False, False),
    ],
)
def test_visible_to(visibility, status, anonymous, network, member) -> None:
    someone = {"visibility": visibility, "status": status}
    assert profiles.visible_to(someone, profiles.Viewer.ANONYMOUS) is anonymous
    assert profiles.visible_to(someone, profiles.Viewer.NETWORK) is network
    assert profiles.visible_to(someone, profiles.Viewer.MEMBER) is member


# --- the edit form -----------------------------------------------------------------------------


async def test_member_edits_profile_with_skills_typed_in_french(node) -> None:
    alice = member_with_profile(node, "alice")
    http = node.client()
    await login(http)
    status, _body, location = await post_form(http, "/me/edit", "/me/edit", PROFILE_FORM)
    assert (status, location) == (303, "/@alice?saved=1")
    stored = members_store.get(node.store, alice["id"])
    assert stored["display_name"] == "Émilie Durand"
    assert stored["bio_map"] == {"fr": "Graphiste indépendante.\nJ'aime le vélo.", "en": "Freelance graphic designer."}
    assert stored["skills_offered"] == [GRAPHIC_DESIGN, PROGRAMMING]
    assert stored["skills_sought"] == [PYTHON]
    assert stored["tags"] == ["risographie", "Figma"]
    assert stored["languages"] == ["fr", "nl"] and stored["open_to"] == ["missions", "mentoring"]
    assert stored["links"] == ["https://emilie.example/portfolio"] and stored["visibility"] == "public"

    async with http.get(location) as resp:
        html = await resp.text()
    assert "Your profile was saved." in html and 'href="/me/edit"' in html
    async with node.client().get("/@alice", headers={"Accept-Language": "nl"}) as resp:
        html = await resp.text()
    assert '<html lang="nl">' in html
    assert "grafisch ontwerp" in html and "computerprogrammering" in html  # labels in the reader's language
    assert "/members?skill=http%3A%2F%2Fdata.europa.eu%2Fesco%2Fskill%2F7fb699d9" in html
    assert "Frans" in html and "Nederlands" in html  # languages named in Dutch
    assert 'href="https://emilie.example/portfolio" rel="nofollow noopener ugc"' in html
    assert 'href="/me/edit"' not in html  # not the owner


async def test_a_skill_typed_in_dutch_is_resolved(node) -> None:
    alice = member_with_profile(node, "alice")
    http = node.client()
    await login(http)
    status, _, _ = await post_form(http, "/me/edit", "/me/edit", [("skills_sought_add", "grafisch ontwerp"), ("visibility", "local")])
    assert status == 303
    assert members_store.get(node.store, alice["id"])["skills_sought"] == [GRAPHIC_DESIGN]


async def test_unknown_skill_uri_is_refused_and_nothing_changes(node) -> None:
    alice = member_with_profile(node, "alice", skills_offered=[PYTHON])
    http = node.client()
    await login(http)
    form = [("display_name", "Changed"), ("skills_offered", "http://data.europa.eu/esco/skill/00000000-dead"),
            ("visibility", "local")]  # fmt: skip
    status, html, _ = await post_form(http, "/me/edit", "/me/edit", form)
    assert status == 400
    assert "This is not a known ESCO skill" in html
    assert members_store.get(node.store, alice["id"]) == alice


async def test_an_unmatched_label_offers_candidates(node) -> None:
    alice = member_with_profile(node, "alice")
    http = node.client()
    await login(http)
    status, html, _ = await post_form(http, "/me/edit", "/me/edit",
                                      [("skills_offered_add", "graphi"), ("display_name", "Kept"), ("visibility", "local")])
    assert status == 400
    assert "choose one of these" in html and f'value="{GRAPHIC_DESIGN}"' in html
    assert 'value="Kept"' in html  # the other fields come back as typed
    assert 'name="skills_offered_add" value="graphi"' in html  # and so does the skill text, to be corrected
    assert 'name="skills_sought_add" value=""' in html
    assert members_store.get(node.store, alice["id"]) == alice


async def test_oversized_bio_is_refused_next_to_its_field(node) -> None:
    alice = member_with_profile(node, "alice")
    http = node.client()
    await login(http)
    status, html, _ = await post_form(http, "/me/edit", "/me/edit",
                                      [("bio_map.fr", "x" * 2001), ("display_name", "Changed"), ("visibility", "local")])
    assert status == 400
    assert invalid_field(html) == ["bio_map-fr"]
    assert 'aria-describedby="bio-help error-bio_map-fr"' in html
    assert members_store.get(node.store, alice["id"]) == alice


async def test_edit_page_needs_a_session_and_welcomes_new_members(node) -> None:
    member_with_profile(node, "alice")
    http = node.client()
    async with http.get("/me/edit", allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"] == "/login?next=/me/edit"
    await login(http)
    async with http.get("/me/edit?welcome=1") as resp:
        html = await resp.text()
    assert "Welcome to Mutualab!" in html
    assert 'name="visibility" value="local" checked' in html  # the default: this space only
    assert 'enctype="multipart/form-data"' in html


# --- the profile page -------------------------------------------------------------------------


async def test_hidden_profiles_look_like_missing_ones(node) -> None:
    member_with_profile(node, "loic", visibility="local")
    member_with_profile(node, "nora", visibility="network")
    member_with_profile(node, "sam", visibility="public", status="suspended")
    member_with_profile(node, "ines", visibility="public", status="invited")
    member_with_profile(node, "paula", visibility="public")
    anonymous = node.client()
    async with anonymous.get("/@nobody") as resp:
        missing = await resp.text()
        assert resp.status == 404
    for username in ("loic", "nora", "sam", "ines"):
        async with anonymous.get(f"/@{username}") as resp:
            assert resp.status == 404
            # no way to tell a hidden member from a missing one (but for the sign-in link's ?next=)
            assert (await resp.text()).replace(username, "nobody") == missing
    async with anonymous.get("/@paula") as resp:
        assert resp.status == 200

    member_with_profile(node, "alice")
    http = node.client()
    await login(http)
    for username in ("loic", "nora", "paula"):
        async with http.get(f"/@{username}") as resp:
            assert resp.status == 200
    for username in ("sam", "ines"):
        async with http.get(f"/@{username}") as resp:
            assert resp.status == 404


async def test_own_page_explains_its_visibility(node) -> None:
    member_with_profile(node, "alice", visibility="network")
    http = node.client()
    await login(http)
    async with http.get("/@alice") as resp:
        html = await resp.text()
    assert "Who sees this page:" in html and "only the other spaces of the Coffee network" in html
    assert '<meta name="robots" content="noindex">' in html
