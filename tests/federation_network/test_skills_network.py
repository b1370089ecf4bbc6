"""Issue 19 across nodes: one concept whatever the language it is typed in, and professions.

A member of Lille (FR) enters her skill and her profession in French; Tournai (BE) follows
Lille, and its catalogue finds her by the Dutch, English, German and Spanish words.
"""

from __future__ import annotations

from node.services import catalogue
from node.services.skills import load_skill_index, resolve_form_input
from node.storage import catalogue as catalogue_store
from node.storage import members as members_store
from tests.federation_network.helpers import eventually, follow, set_member
from tests.web import add_member, login, submit

SKILLS = load_skill_index()
ACCOUNTING = "http://data.europa.eu/esco/skill/ecc18804-a466-40d9-98b4-fba5cd67dd4b"
TRANSLATOR = "http://data.europa.eu/esco/occupation/1a07bd7d-2e1d-4930-a84a-1a442b8f2a44"
ACCOUNTING_WORDS = {"fr": "comptabilité", "nl": "boekhouding", "de": "Buchhaltung", "es": "contabilidad", "en": "accounting"}


def found(node, text: str, lang: str) -> list[str]:
    result = catalogue.search(node.store, SKILLS, q=text, viewer_country="BE", lang=lang, viewer_is_member=True)
    return [item["actor_id"] for item in result.items]


async def test_accounting_in_five_languages_is_one_concept_and_the_same_members_on_every_node(node_factory) -> None:
    lille = await node_factory(name="Mutualab", slug="mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    # Each word, typed in the picker in its own language, is the same one concept.
    for lang, word in ACCOUNTING_WORDS.items():
        assert SKILLS.search(word, lang, 3)[0].uri == ACCOUNTING, word
        assert resolve_form_input(SKILLS, [], word, lang) == ([ACCOUNTING], [], None), word
    # Camille (Lille) entered "comptabilité"; Bram (Tournai) entered "boekhouding".
    set_member(lille, "camille", display_name="Camille Leroy", visibility="public", skills_offered=[ACCOUNTING])
    set_member(tournai, "bram", display_name="Bram Peeters", visibility="public", skills_offered=[ACCOUNTING])
    await follow(tournai, lille)
    await follow(lille, tournai)
    expected = {f"{lille.url}/@camille", f"{tournai.url}/@bram"}
    for node in (lille, tournai):
        await eventually(lambda node=node: [job["state"] for job in catalogue_store.jobs(node.store)] == ["done"])
        for lang, word in ACCOUNTING_WORDS.items():
            assert set(found(node, word, lang)) == expected, (node.url, word)


async def test_a_profession_entered_in_french_is_found_in_dutch_and_english_on_another_node(node_factory) -> None:
    lille = await node_factory(name="Mutualab", slug="mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    # Inès states her profession in French on her profile form, feminine form.
    add_member(lille, "ines")
    http = lille.client()
    assert await login(http, "ines") == 303
    status, _, location = await submit(http, "/me/edit", "/me/edit", {
        "display_name": "Inès Laurent", "visibility": "public", "professions_add": "traductrice",
        "profession_gender": "f",
    })
    assert (status, location) == (303, "/@ines?saved=1")
    ines = members_store.get_by_username(lille.store, "ines")
    assert (ines["professions"], ines["profession_gender"]) == ([TRANSLATOR], "f")
    async with lille.client().get("/@ines", headers={"Accept-Language": "fr"}) as resp:
        assert "traductrice" in await resp.text()

    await follow(tournai, lille)
    await eventually(lambda: [job["state"] for job in catalogue_store.jobs(tournai.store)] == ["done"])
    # Tournai's catalogue, on its open web API, in Dutch and in English.
    for text, lang in (("vertaler", "nl"), ("translator", "en"), ("vertaalster", "nl"), ("traductora", "es")):
        async with tournai.client().get("/api/catalogue", params={"q": text, "lang": lang}) as resp:
            body = await resp.json()
        assert [item["actor_id"] for item in body["items"]] == [f"{lille.url}/@ines"], text
        assert body["items"][0]["professions"][0]["uri"] == TRANSLATOR
    # Shown in the form she chose, in the reader's language.
    async with tournai.client().get("/api/catalogue", params={"q": "vertaler", "lang": "fr"}) as resp:
        assert (await resp.json())["items"][0]["professions"][0]["label"] == "traductrice"
