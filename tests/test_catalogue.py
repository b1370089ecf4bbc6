"""The catalogue: indexing local and remote people, search across languages, consent, bad input.

Skills are real rows of node/data/esco/skills.csv.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from federation.jsonld import COFFEE_CONTEXT
from node.config import Config
from node.errors import InvalidInput
from node.services import announce, catalogue, members
from node.services.remote_actors import remember
from node.services.skills import load_skill_index
from node.storage import catalogue as catalogue_store
from node.storage import db
from node.storage import follows as follows_store
from node.storage import space as space_store
from node.storage.db import Store

ESCO = "http://data.europa.eu/esco/skill/"
WEB_PROGRAMMING = ESCO + "69bbd53f-fbb0-4476-b4b2-ef7844464e28"  # fr "programmation web", nl "webprogrammering"
GRAPHIC_DESIGN = ESCO + "7fb699d9-182a-430e-b7a0-6d8ed05c284b"  # fr "conception graphique", nl "grafisch ontwerp"
PYTHON = ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d"
TOURNAI = "https://tournai.test/"
MONS = "https://mons.test/"
SKILLS = load_skill_index()
PASSWORD = "a long enough password"


def lille_config(data_dir: Path) -> Config:
    return Config(data_dir=data_dir, url="https://lille.test", name="Mutualab", slug="mutualab", country="FR", city="Lille")


def lille_store() -> Store:
    store = db.memory()
    space_store.create(store, slug="mutualab", name="Mutualab", country="FR", city="Lille", languages=["fr", "en"])
    return store


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return lille_config(tmp_path)


@pytest.fixture
def store() -> Store:
    return lille_store()


def local(store: Store, config: Config, username: str, **profile: Any) -> dict[str, Any]:
    """An active member, created through the service (which announces, hence indexes, it)."""
    status = profile.pop("status", "active")
    return members.create_member(store, username=username, display_name=profile.pop("display_name", username.title()),
                                 status=status, password=PASSWORD if status == "active" else None,
                                 profile=profile, skills=SKILLS, config=config)


def follow_space(store: Store, config: Config, space_id: str, *, name: str, country: str, city: str) -> None:
    remember(store, {"@context": COFFEE_CONTEXT, "id": space_id, "type": "Organization", "name": name,
                     "inbox": f"{space_id}inbox", "country": country,
                     "address": {"type": "PostalAddress", "addressLocality": city, "addressCountry": country}})
    follows_store.put(store, f"{config.url}/", space_id, f"{config.url}/follows/{name}", "accepted")


def person(space_id: str, username: str, **fields: Any) -> dict[str, Any]:
    """A remote Person as a Coffee node publishes it (normalised form)."""
    doc = {"id": f"{space_id}@{username}", "type": "Person", "preferredUsername": username, "name": username.title(),
           "inbox": f"{space_id}@{username}/inbox", "discoverable": True, "indexable": True, "memberOf": space_id,
           "knowsAbout": [], "seeks": [], "knowsLanguage": [], "openTo": []}
    return doc | fields


@pytest.fixture
def network(store: Store, config: Config) -> Store:
    return fill_network(store, config)


def fill_network(store: Store, config: Config) -> Store:
    """Lille (here) follows Tournai and Mons (BE); people in all three."""
    follow_space(store, config, TOURNAI, name="ESCO Tournai", country="BE", city="Tournai")
    follow_space(store, config, MONS, name="Co-nnexion", country="BE", city="Mons")
    local(store, config, "amelie", display_name="Amélie Martin", visibility="public", skills_offered=[WEB_PROGRAMMING],
          languages=["fr", "en"], open_to=["missions"], bio_map={"fr": "Développeuse à Lille."})
    local(store, config, "luc", display_name="Luc Petit", visibility="network", skills_sought=[WEB_PROGRAMMING],
          languages=["fr"])
    local(store, config, "nina", display_name="Nina Local", visibility="local", skills_offered=[GRAPHIC_DESIGN])
    for doc in (
        person(TOURNAI, "claire", name="Claire Dubois", knowsAbout=GRAPHIC_DESIGN, knowsLanguage=["fr", "nl"],
               summaryMap={"fr": "<p>Graphiste &amp; illustratrice</p>"}, organization="Atelier Claire"),
        person(TOURNAI, "bram", name="Bram Peeters", indexable=False, knowsAbout=[WEB_PROGRAMMING],
               knowsLanguage=["nl"], openTo=["jobs"]),
        person(MONS, "sofie", name="Sofie Janssens", seeks=[GRAPHIC_DESIGN], knowsAbout=[PYTHON], knowsLanguage=["nl", "en"]),
    ):
        assert catalogue.index_remote_actor(store, config, doc)
    return store


def names(result: catalogue.SearchResult) -> list[str]:
    return [item["name"] for item in result.items]


def search(store: Store, **kwargs: Any) -> catalogue.SearchResult:
    return catalogue.search(store, SKILLS, viewer_country="FR", lang="en", **kwargs)


# --- indexing ---------------------------------------------------------------------------------


def test_active_members_are_indexed_with_their_visibility_and_leave_when_suspended(store: Store, config: Config) -> None:
    member = local(store, config, "alice", visibility="network", skills_offered=[PYTHON], bio_map={"fr": "Bonjour", "en": "Hi"})
    local(store, config, "ines", status="invited", visibility="public")
    entry = catalogue_store.get(store, "https://lille.test/@alice")
    assert entry["visibility"] == "network" and entry["origin"] == "local" and entry["space_name"] == "Mutualab"
    assert entry["country"] == "FR" and entry["city"] == "Lille" and entry["summary"] == "Bonjour\n\nHi"
    assert catalogue_store.get(store, "https://lille.test/@ines") is None
    members.suspend(store, member["id"], config=config)
    assert catalogue_store.get(store, "https://lille.test/@alice") is None
    members.reactivate(store, member["id"], config=config)
    assert catalogue_store.get(store, "https://lille.test/@alice") is not None
    announce.member_deleted(store, config, member)
    assert catalogue_store.get(store, "https://lille.test/@alice") is None


def test_remote_people_are_indexed_only_from_followed_spaces_and_with_consent(network: Store, config: Config) -> None:
    claire = catalogue_store.get(network, f"{TOURNAI}@claire")
    assert claire["space_name"] == "ESCO Tournai" and claire["country"] == "BE" and claire["city"] == "Tournai"
    assert claire["summary"] == "Graphiste & illustratrice" and claire["handle"] == "claire@tournai.test"
    assert claire["skills_offered"] == [GRAPHIC_DESIGN] and claire["visibility"] == "public"
    assert catalogue_store.get(network, f"{TOURNAI}@bram")["visibility"] == "network"  # indexable: false
    refused = [
        person(TOURNAI, "shy", discoverable=False),
        person("https://stranger.test/", "eve"),  # a space we do not follow
        person(TOURNAI, "liar", memberOf=MONS),  # claims a space on another origin
        person(TOURNAI, "group", type="Group"),
    ]
    for doc in refused:
        assert not catalogue.index_remote_actor(network, config, doc)
        assert catalogue_store.get(network, doc["id"]) is None
    # A discoverable person who stops being discoverable leaves.
    assert not catalogue.index_remote_actor(network, config, person(TOURNAI, "claire", discoverable=False))
    assert catalogue_store.get(network, f"{TOURNAI}@claire") is None


def test_remote_values_are_checked_and_bounded(network: Store, config: Config) -> None:
    doc = person(TOURNAI, "odd", name="<b>Odd</b> " + "x" * 500, url="javascript:alert(1)",
                 icon={"type": "Image", "url": "javascript:alert(2)"}, knowsLanguage=["NL", "klingon-long", 3],
                 openTo=["missions", "world domination"], knowsAbout=[f"{ESCO}{n}" for n in range(100)],
                 tag=[{"type": "Hashtag", "name": "#WebDesign"}, {"type": "Mention", "name": "@x"}], country="be")
    catalogue.index_remote_actor(network, config, doc)
    entry = catalogue_store.get(network, doc["id"])
    assert entry["name"].startswith("Odd x") and len(entry["name"]) == catalogue.MAX_TEXT
    assert entry["profile_url"] == doc["id"] and entry["avatar_url"] == ""
    assert entry["languages"] == ["nl"] and entry["open_to"] == ["missions"] and entry["tags"] == ["WebDesign"]
    assert len(entry["skills_offered"]) == catalogue.MAX_SKILLS and entry["country"] == "BE"


def test_a_space_update_renames_its_people_and_unfollowing_drops_them(network: Store, config: Config) -> None:
    catalogue.index_remote_actor(network, config, {"id": TOURNAI, "type": "Organization", "name": "ESCO Tournai-Wallonie",
                                                   "country": "BE", "inbox": f"{TOURNAI}inbox"})
    assert catalogue_store.get(network, f"{TOURNAI}@claire")["space_name"] == "ESCO Tournai-Wallonie"
    assert catalogue.drop_space(network, TOURNAI) == 2
    assert catalogue_store.get(network, f"{TOURNAI}@claire") is None
    assert catalogue_store.get(network, f"{MONS}@sofie") is not None


def test_fts_index_follows_updates_and_deletes(network: Store, config: Config) -> None:
    assert names(search(network, q="Atelier Claire")) == ["Claire Dubois"]
    catalogue.index_remote_actor(network, config, person(TOURNAI, "claire", name="Claire Dubois", organization="Studio C"))
    assert search(network, q="Atelier").total == 0 and names(search(network, q="Studio")) == ["Claire Dubois"]
    catalogue.remove(network, f"{TOURNAI}@claire")
    assert search(network, q="Studio").total == 0
    network.conn.execute("INSERT INTO catalogue_fts (catalogue_fts) VALUES ('integrity-check')")


def test_reindex_local_rebuilds_the_local_part(network: Store, config: Config) -> None:
    network.conn.execute("DELETE FROM catalogue WHERE origin = 'local'")
    from node.storage import members as members_store

    assert catalogue.reindex_local(network, config, members_store.select(network)) == 3
    assert catalogue_store.counts(network) == {"local": 3, "remote": 3}


# --- search -----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["webprogrammering", "programmation web", "Web Programming", "Webprogrammierung",
                                   "programación web"])
def test_a_skill_typed_in_any_language_finds_the_concept(network: Store, query: str) -> None:
    result = search(network, q=query, viewer_is_member=True)
    assert names(result) == ["Amélie Martin", "Bram Peeters"]  # Luc only seeks it: he cannot help
    assert result.concepts == [{"uri": WEB_PROGRAMMING, "label": "web programming"}]
    assert result.items[0]["skills_offered"][0] == {"uri": WEB_PROGRAMMING, "label": "web programming", "matched": True}


def test_an_alternative_label_finds_the_concept(network: Store) -> None:
    assert names(search(network, q="grafische vormgeving", viewer_is_member=True))[:2] == ["Claire Dubois", "Nina Local"]


def test_skill_filter_takes_a_uri_or_a_label_and_offers_only(network: Store) -> None:
    by_uri = search(network, skill=GRAPHIC_DESIGN, viewer_is_member=True)
    by_label = search(network, skill="grafisch ontwerp", viewer_is_member=True)
    assert names(by_uri) == names(by_label) == ["Claire Dubois", "Nina Local"]  # Sofie seeks it: not listed


def test_free_text_matches_names_bios_organisations_and_labels_in_the_readers_language(network: Store) -> None:
    assert names(search(network, q="dubois")) == ["Claire Dubois"]
    assert names(search(network, q="illustratrice")) == ["Claire Dubois"]
    assert names(search(network, q="developpeuse")) == ["Amélie Martin"]  # accents folded
    assert names(search(network, q="illustr")) == ["Claire Dubois"]  # a word cut short
    # a word of French labels: web programming first, then Python ("programmation informatique")
    assert names(search(network, q="programmation")) == ["Amélie Martin", "Sofie Janssens"]


@pytest.mark.parametrize(("query", "found"), [
    ('" OR 1', []), ("NEAR(a b)", []), ("*", []), ("claire AND", []), ('"claire"', ["Claire Dubois"]), ("a:b", []),
    ("^claire", ["Claire Dubois"]), ("(", []), ("-x", []),
    ("claire OR bram", []),  # as FTS5 syntax: Claire and Bram; as text: nobody has the word "or"
])
def test_fts_syntax_typed_by_someone_is_plain_text(network: Store, query: str, found: list[str]) -> None:
    assert names(search(network, q=query, viewer_is_member=True)) == found  # and never an FTS5 syntax error


def test_widen_adds_the_skills_of_the_same_group(network: Store, config: Config) -> None:
    sibling = next(uri for uri in catalogue.same_group(SKILLS, [PYTHON]) if uri != PYTHON)
    catalogue.index_remote_actor(network, config, person(MONS, "jan", name="Jan", knowsAbout=[sibling]))
    assert names(search(network, skill=PYTHON, viewer_is_member=True)) == ["Sofie Janssens"]
    widened = names(search(network, skill=PYTHON, widen=True, viewer_is_member=True))
    assert widened[0] == "Sofie Janssens"  # the exact concept first, then its group (web programming is in it too)
    assert set(widened[1:]) == {"Jan", "Amélie Martin", "Bram Peeters"}


def test_filters(network: Store) -> None:
    member = {"viewer_is_member": True}
    assert names(search(network, language="nl", **member)) == ["Bram Peeters", "Claire Dubois", "Sofie Janssens"]
    assert names(search(network, country="BE", open_to="jobs", **member)) == ["Bram Peeters"]
    assert names(search(network, city="mons", **member)) == ["Sofie Janssens"]
    assert names(search(network, space=MONS, **member)) == ["Sofie Janssens"]
    assert names(search(network, cross_border=True, skill=WEB_PROGRAMMING, **member)) == ["Bram Peeters"]
    assert search(network, cross_border=True, **member).total == 3


def test_the_open_web_sees_public_people_only(network: Store) -> None:
    assert names(search(network)) == ["Amélie Martin", "Claire Dubois", "Sofie Janssens"]
    assert names(search(network, viewer_is_member=True)) == [
        "Amélie Martin", "Bram Peeters", "Claire Dubois", "Luc Petit", "Nina Local", "Sofie Janssens"]


def test_text_search_never_matches_a_remote_person_who_is_not_indexable(network: Store) -> None:
    assert search(network, q="Peeters", viewer_is_member=True).total == 0
    assert names(search(network, q="webprogrammering", language="nl", viewer_is_member=True)) == ["Bram Peeters"]


def test_facets_count_the_matches(network: Store) -> None:
    facets = search(network, viewer_is_member=True).facets
    assert facets["country"] == [{"value": "BE", "label": "Belgium", "count": 3}, {"value": "FR", "label": "France", "count": 3}]
    assert {"value": TOURNAI, "label": "ESCO Tournai", "count": 2} in facets["space"]
    assert facets["language"][0] == {"value": "fr", "label": "French", "count": 3}
    assert facets["skill"][0]["count"] == 2 and facets["skill"][0]["label"] in ("graphic design", "web programming")


def test_pages(network: Store) -> None:
    first = search(network, viewer_is_member=True, per_page=4)
    second = search(network, viewer_is_member=True, per_page=4, page=2)
    assert first.total == second.total == 6
    assert len(first.items) == 4 and len(second.items) == 2 and not set(names(first)) & set(names(second))
    assert search(network, page=1000).items == []


@pytest.mark.parametrize("kwargs, field", [
    ({"q": "x" * 201}, "q"),
    ({"page": 0}, "page"),
    ({"page": 1001}, "page"),
    ({"per_page": 51}, "per_page"),
    ({"skill": ESCO + "not-a-concept"}, "skill"),
    ({"skill": "basket weaving for cats"}, "skill"),
    ({"country": "Belgium"}, "country"),
    ({"language": "english"}, "language"),
    ({"open_to": "anything"}, "open_to"),
    ({"space": "javascript:x"}, "space"),
])
def test_bad_input_is_refused(network: Store, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        search(network, **kwargs)
    assert raised.value.field == field


def test_unknown_remote_skill_uris_are_kept_and_shown_with_their_label(network: Store, config: Config) -> None:
    """A profile from a node with a newer ESCO: its concepts are stored, shown with the label they
    came with (else their URI), never dropped, and never break a search."""
    newer, bare = f"{ESCO}from-a-newer-release", f"{ESCO}no-label-given"
    doc = person(TOURNAI, "nora", name="Nora Newer", knowsAbout=[PYTHON, {"id": newer, "name": "quantum knitting"}, bare])
    assert catalogue.index_remote_actor(network, config, doc)
    assert catalogue_store.get(network, doc["id"])["skills_offered"] == [PYTHON, newer, bare]
    (card,) = search(network, q="Nora").items
    assert [skill["label"] for skill in card["skills_offered"]] == ["Python (computer programming)", "quantum knitting", bare]
    assert names(search(network, q="Python")) == ["Nora Newer", "Sofie Janssens"]
