"""Matching: who can help a member with what they seek, and what a space lacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.config import Config
from node.services import catalogue, matching
from node.storage.db import Store
from tests.test_catalogue import (
    GRAPHIC_DESIGN,
    MONS,
    PYTHON,
    SKILLS,
    WEB_PROGRAMMING,
    fill_network,
    lille_config,
    lille_store,
    local,
    person,
)

LUC = "https://lille.test/@luc"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return lille_config(tmp_path)


@pytest.fixture
def network(config: Config) -> Store:
    return fill_network(lille_store(), config)


def offers(need: dict) -> list[tuple[str, bool]]:
    return [(card["name"], card["cross_border"]) for card in need["offers"]]


def test_cross_border_offers_come_first_and_are_flagged(network: Store) -> None:
    (need,) = matching.matches_for_member(network, SKILLS, LUC, lang="fr")
    assert need["skill"] == {"uri": WEB_PROGRAMMING, "label": "programmation web"}
    assert offers(need) == [("Bram Peeters", True), ("Amélie Martin", False)] and need["total"] == 2
    (need,) = matching.matches_for_member(network, SKILLS, LUC, lang="fr", cross_border_first=False)
    assert offers(need) == [("Amélie Martin", False), ("Bram Peeters", True)]


def test_the_open_web_sees_public_offers_only_and_nobody_matches_themself(network: Store, config: Config) -> None:
    (need,) = matching.matches_for_member(network, SKILLS, LUC, lang="en", viewer_is_member=False)
    assert offers(need) == [("Amélie Martin", False)]
    local(network, config, "self", visibility="public", skills_offered=[PYTHON], skills_sought=[PYTHON])
    (need,) = matching.matches_for_member(network, SKILLS, "https://lille.test/@self", lang="en")
    assert offers(need) == [("Sofie Janssens", True)]


def test_widen_lists_same_group_offers_after_exact_ones(network: Store, config: Config) -> None:
    catalogue.index_remote_actor(network, config, person(MONS, "py", name="Py Thon", knowsAbout=[PYTHON]))
    (need,) = matching.matches_for_member(network, SKILLS, LUC, lang="en", widen=True)
    names = [name for name, _abroad in offers(need)]
    assert names[:2] == ["Bram Peeters", "Amélie Martin"] and set(names[2:]) == {"Py Thon", "Sofie Janssens"}


def test_a_member_outside_the_catalogue_has_no_matches(network: Store) -> None:
    assert matching.matches_for_member(network, SKILLS, "https://lille.test/@nobody", lang="en") == []


def test_unmet_needs_of_the_space(network: Store, config: Config) -> None:
    local(network, config, "zoe", display_name="Zoé", visibility="local", skills_sought=[GRAPHIC_DESIGN, PYTHON])
    needs = matching.unmet_needs(network, SKILLS, "https://lille.test/")
    # Web programming is sought by Luc but offered by Amélie here; graphic design is offered by Nina here.
    assert [need["skill"]["uri"] for need in needs] == [PYTHON]
    (need,) = needs
    assert need["seekers"] == [{"name": "Zoé", "profile_url": "https://lille.test/@zoe"}]
    assert offers(need) == [("Sofie Janssens", True)]
