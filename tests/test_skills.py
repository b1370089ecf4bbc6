"""The ESCO skill index: search, resolution across languages, groups, validation, the picker.

Every example is a real row of node/data/esco/skills.csv.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from node.errors import InvalidInput
from node.render import create_environment, gettext_callables
from node.services.skill_store import COFFEE_LABELS_CSV, ESCO_DIR, vocabulary_rows
from node.services.skills import (
    MAX_LIMIT,
    SkillHit,
    SkillIndex,
    fold,
    load_skill_index,
    resolve_form_input,
)

ESCO = "http://data.europa.eu/esco/skill/"
WEB_PROGRAMMING = ESCO + "69bbd53f-fbb0-4476-b4b2-ef7844464e28"  # fr "programmation web", nl "webprogrammering"
W3C_STANDARDS = ESCO + "8696aff0-18c0-4ba6-a4d0-9a21861b3e5e"  # shares the fr alt label "HTML" with web programming
AGILE = ESCO + "dba46f87-0831-49cd-a1c7-340a653c0221"  # fr "développement par méthode agile"
WEBSITE_VISIBILITY = ESCO + "ef64005d-75bc-4597-8ed6-717edec5e55e"  # alt en "website marketing", alt nl "websitemarketing"
ACCEPT_CRITICISM = ESCO + "05aa7c09-46e7-433f-a81b-92841f4551e7"  # nl "kritiek en begeleiding aanvaarden"
ADDRESS_AUDIENCE = ESCO + "609a8ac1-9d29-4237-9886-596dbbe7ca8a"  # fr "s’adresser à un auditoire" (typographic apostrophe)
FRONT_END = ESCO + "c4b1f326-224a-420a-b8b3-814a8f13b6cb"  # "implement front-end website design"
CSS = ESCO + "e5d1f825-60ed-4bdd-872a-e748c387f777"  # preferred "CSS"; also an alt label of two other concepts
BLOCKCHAIN_USE_CASES = ESCO + "41f2f9bf-1440-49f7-bbb1-2c3c3ea93f76"  # no Dutch label
MARKUP_LANGUAGES = ESCO + "0af062de-eb43-41e9-9b96-249e2cd22d26"  # the project's synonym "HTML"
ICT_FIELD = "http://data.europa.eu/esco/isced-f/061"
SOFTWARE_FIELD = "http://data.europa.eu/esco/isced-f/0613"


@pytest.fixture(scope="module")
def index() -> SkillIndex:
    return load_skill_index()


def uris(hits: list[SkillHit]) -> list[str]:
    return [hit.uri for hit in hits]


# Data


def test_vendored_extract_is_complete(index: SkillIndex) -> None:
    rows = list(vocabulary_rows())
    assert len(rows) == 13762  # the whole ESCO skills pillar
    assert sum(1 for row in rows if row["collections"]) == 1763  # the earlier extract, still there
    skill = index.get(WEB_PROGRAMMING)
    assert skill is not None
    assert skill.labels == {"en": "web programming", "fr": "programmation web", "nl": "webprogrammering",
                            "de": "Webprogrammierung", "es": "programación web"}
    assert "webontwikkeling" in skill.alt_labels["nl"]
    assert skill.skill_type == "knowledge"
    assert skill.group == SOFTWARE_FIELD
    attribution = (ESCO_DIR / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "This service uses the ESCO classification of the European Commission." in attribution
    assert "modified extract" in attribution
    assert "markwigmans/rdf4j-esco" in attribution


def test_loaded_once_per_process() -> None:
    assert load_skill_index() is load_skill_index()


def test_index_is_read_only(index: SkillIndex) -> None:
    skill = index.get(WEB_PROGRAMMING)
    assert skill is not None
    with pytest.raises(TypeError):
        skill.labels["fr"] = "changed"  # type: ignore[index]


# Folding and labels


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("S’adresser à un Auditoire", "s adresser a un auditoire"),
        ("s'adresser  à un auditoire", "s adresser a un auditoire"),
        ("mettre en œuvre", "mettre en oeuvre"),
        ("DÉVELOPPEMENT", "developpement"),
        ("front-end", "front end"),
        ("C++", "c++"),
        ("C#", "c#"),
        ("  \n ", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_label_falls_back_to_english_then_to_the_uri(index: SkillIndex) -> None:
    assert index.label(WEB_PROGRAMMING, "nl") == "webprogrammering"
    assert index.label(BLOCKCHAIN_USE_CASES, "nl") == "analyse blockchain use cases"
    assert index.label(ESCO + "not-in-this-extract", "fr") == ESCO + "not-in-this-extract"


# Search


@pytest.mark.parametrize("query", ["développement agile", "developpement agile", "DEVELOPPEMENT AGILE", "dév agile"])
def test_french_query_with_or_without_accents(index: SkillIndex, query: str) -> None:
    hits = index.search(query, "fr")
    assert hits[0] == SkillHit(AGILE, "développement par méthode agile")


@pytest.mark.parametrize("query", ["développement web", "developpement web"])
def test_coworking_synonym_from_the_project_list(index: SkillIndex, query: str) -> None:
    """No ESCO French label says "développement web"; the project's list of synonyms does."""
    assert index.search(query, "fr")[0] == SkillHit(WEB_PROGRAMMING, "programmation web", "développement web", "fr")


def test_dutch_query_finds_the_concept_shown_in_french(index: SkillIndex) -> None:
    assert index.search("webprogrammering", "fr")[0] == SkillHit(WEB_PROGRAMMING, "programmation web", "webprogrammering", "nl")
    assert index.search("kritiek", "fr")[0] == SkillHit(
        ACCEPT_CRITICISM, "accepter les critiques et les directives", "kritiek en begeleiding aanvaarden", "nl"
    )
    assert index.search("programmation web", "nl")[0] == SkillHit(WEB_PROGRAMMING, "webprogrammering", "programmation web", "fr")


def test_alternative_label_finds_its_concept(index: SkillIndex) -> None:
    assert index.search("website marketing", "en")[0] == SkillHit(
        WEBSITE_VISIBILITY, "enhance website visibility", "website marketing", "en"
    )
    # spaces do not matter: the Dutch alternative label is written solid
    assert index.search("websitemarketing", "fr")[0] == SkillHit(
        WEBSITE_VISIBILITY, "améliorer la visibilité d’un site web", "websitemarketing", "nl"
    )


def test_prefix_search_as_you_type(index: SkillIndex) -> None:
    assert index.search("s'adr", "fr")[0] == SkillHit(ADDRESS_AUDIENCE, "s’adresser à un auditoire")
    assert WEB_PROGRAMMING in uris(index.search("webprog", "en"))
    assert FRONT_END in uris(index.search("frontend", "en"))  # 'front-end' written solid
    hits = index.search("dév", "fr", limit=MAX_LIMIT)
    assert len(hits) == MAX_LIMIT
    assert len(set(uris(hits))) == MAX_LIMIT  # one hit per concept


def test_ranking_exact_then_whole_words_then_prefixes(index: SkillIndex) -> None:
    hits = index.search("programmation web", "fr")
    assert hits[0] == SkillHit(WEB_PROGRAMMING, "programmation web")
    labels = [hit.matched or hit.label for hit in index.search("web", "en", limit=MAX_LIMIT)]
    assert all("web" in fold(label).split() for label in labels[:10])  # "web" as a whole word first
    assert labels.index("web services") < labels.index("WebCMS")  # a word that only starts with "web" after


def test_preferred_label_before_alternative_and_reader_language_first(index: SkillIndex) -> None:
    # "CSS" is the preferred label of CSS and an alternative label of two other concepts
    hits = index.search("css", "fr")
    assert hits[0] == SkillHit(CSS, "CSS")
    assert len(hits) >= 3


def test_search_refuses_bad_input(index: SkillIndex) -> None:
    assert index.search("", "fr") == []
    assert index.search(" ’- ", "fr") == []
    assert index.search("zzzzqx", "fr") == []
    assert index.search("x", "fr") == []  # one letter
    assert index.search("web " * 2500, "fr") == []  # 10,000 characters: nothing, quickly, no error
    assert index.search("web\x00design", "fr") == index.search("web\x1bdesign", "fr") == []  # control characters
    with pytest.raises(InvalidInput):
        index.search("web", "lv")
    for limit in (0, MAX_LIMIT + 1):
        with pytest.raises(InvalidInput):
            index.search("web", "fr", limit)


# Resolution for the catalogue


def test_resolve_across_languages(index: SkillIndex) -> None:
    for text in ("programmation web", "Programmation Web", "webprogrammering", "WEB PROGRAMMING", "Webprogrammierung",
                 "programacion web", "webontwikkeling"):
        assert index.resolve(text) == {WEB_PROGRAMMING}, text
    assert index.resolve("s'adresser a un auditoire") == {ADDRESS_AUDIENCE}
    assert index.resolve("auditoire") == set()  # one word of a label is not the label
    assert index.resolve("HTML") == {WEB_PROGRAMMING, W3C_STANDARDS, MARKUP_LANGUAGES}
    assert index.resolve("CSS", preferred=True) == {CSS}
    assert len(index.resolve("CSS")) == 3


def test_resolve_loose_needs_every_word(index: SkillIndex) -> None:
    assert index.resolve_loose("visibilite site web") == {WEBSITE_VISIBILITY}
    assert WEB_PROGRAMMING in index.resolve_loose("programmation")
    assert index.resolve_loose("programmation zzzz") == set()
    assert index.resolve_loose("") == set()


# Groups


def test_group_widening(index: SkillIndex) -> None:
    assert index.group_of(WEB_PROGRAMMING) == SOFTWARE_FIELD
    chain = index.broader_groups(WEB_PROGRAMMING)
    assert chain[:2] == [SOFTWARE_FIELD, ICT_FIELD]
    assert index.broader_groups(SOFTWARE_FIELD) == chain[1:]
    assert index.broader_groups(chain[-1]) == []  # the root
    assert index.group_label(SOFTWARE_FIELD, "fr") == "développement et analyse de logiciels et d’applications"
    assert index.group_label(SOFTWARE_FIELD, "nl") != index.group_label(SOFTWARE_FIELD, "en")
    narrow, wide = index.skills_in_group(SOFTWARE_FIELD), index.skills_in_group(ICT_FIELD)
    assert WEB_PROGRAMMING in narrow
    assert narrow < wide
    assert index.skills_in_group(chain[-1]) >= wide
    assert index.group_of(ESCO + "unknown") is None
    assert index.skills_in_group(ESCO + "unknown") == set()


# Validation and the picker's no-JavaScript path


def test_validate(index: SkillIndex) -> None:
    assert index.validate([CSS, WEB_PROGRAMMING, CSS]) == [CSS, WEB_PROGRAMMING]
    with pytest.raises(InvalidInput) as raised:
        index.validate([CSS, ESCO + "nope", ESCO + "neither"])
    assert ESCO + "nope" in raised.value.message
    assert ESCO + "neither" not in raised.value.message


def test_form_input_adds_one_match(index: SkillIndex) -> None:
    assert resolve_form_input(index, [CSS], "webprogrammering", "fr") == ([CSS, WEB_PROGRAMMING], [], None)
    assert resolve_form_input(index, [CSS], f" {AGILE} ", "fr") == ([CSS, AGILE], [], None)
    assert resolve_form_input(index, [CSS], "css", "fr") == ([CSS], [], None)  # already there
    assert resolve_form_input(index, [CSS], "", "fr") == ([CSS], [], None)


def test_form_input_offers_candidates(index: SkillIndex) -> None:
    selected, candidates, error = resolve_form_input(index, [], "HTML", "fr")
    assert selected == []
    assert set(uris(candidates)) == {WEB_PROGRAMMING, W3C_STANDARDS, MARKUP_LANGUAGES}
    assert isinstance(error, InvalidInput)
    selected, candidates, error = resolve_form_input(index, [CSS], "développement agile", "fr")
    assert selected == [CSS]
    assert uris(candidates)[0] == AGILE
    assert error is not None
    selected, candidates, error = resolve_form_input(index, [], "zzzzqx", "fr")
    assert (selected, candidates) == ([], [])
    assert error is not None and "zzzzqx" in error.message
    with pytest.raises(InvalidInput):
        resolve_form_input(index, [ESCO + "forged"], "", "fr")


def test_picker_macro_renders_without_javascript(index: SkillIndex) -> None:
    env = create_environment()
    template = env.from_string(
        '{% from "_skill_picker.html" import skill_picker with context %}'
        "{{ skill_picker('skills_offered', selected, 'fr', 'Compétences', 'Tapez une compétence.',"
        " candidates=candidates, error=error) }}"
    )
    html = template.render(
        selected=[(CSS, index.label(CSS, "fr"))],
        candidates=index.search("HTML", "fr"),
        error="Plusieurs compétences",
        **gettext_callables("fr"),  # what every page's context brings (the environment has no English fallback)
    )
    assert f'<input type="checkbox" name="skills_offered" value="{CSS}" checked> CSS' in html
    assert f'<input type="checkbox" name="skills_offered" value="{WEB_PROGRAMMING}"> programmation web' in html
    assert 'name="skills_offered_add"' in html
    assert 'aria-invalid="true"' in html
    assert 'role="listbox"' in html
    assert '<script src="/static/skill-picker.js" defer></script>' in html
    assert (Path(__file__).parent.parent / "node" / "static" / "skill-picker.js").is_file()


# Issue 19: the whole vocabulary, the project's labels, the look-up, professions

ACCOUNTING = ESCO + "ecc18804-a466-40d9-98b4-fba5cd67dd4b"
JAVASCRIPT_FRAMEWORK = ESCO + "9b9de2a4-d8af-4a7b-933a-a8334ae60067"
TRANSLATOR = "http://data.europa.eu/esco/occupation/1a07bd7d-2e1d-4930-a84a-1a442b8f2a44"


@pytest.mark.parametrize(("word", "lang"), [("comptabilité", "fr"), ("boekhouding", "nl"), ("Buchhaltung", "de"),
                                            ("contabilidad", "es"), ("accounting", "en"), ("compta", "fr")])
def test_accounting_in_every_language_is_one_concept(index: SkillIndex, word: str, lang: str) -> None:
    assert index.search(word, lang, 3)[0].uri == ACCOUNTING
    assert index.resolve(word) == {ACCOUNTING}


def test_react_suggests_the_javascript_library_first(index: SkillIndex) -> None:
    hit = index.search("React", "en", 3)[0]
    assert hit == SkillHit(JAVASCRIPT_FRAMEWORK, "JavaScript Framework", "React", "*")  # why: the matched label


@pytest.mark.parametrize(("query", "lang"), [("Webentwicklung", "de"), ("desarrollo web", "es"), ("webontwikkeling", "nl"),
                                             ("web development", "en"), ("Web-Entwicklung", "de")])
def test_web_development_in_any_language(index: SkillIndex, query: str, lang: str) -> None:
    assert index.search(query, lang, 3)[0].uri == WEB_PROGRAMMING


def test_compounds_are_split_and_words_are_not_cut_to_false_friends(index: SkillIndex) -> None:
    # "Fahrradreparatur" is no label: cut into "fahrrad" + "reparatur", it finds bicycle repairs.
    assert "repair" in index.label(index.search("Fahrradreparatur", "de", 1)[0].uri, "en")
    # Words are never cut to six letters: "personeelsbeleid" no longer suggests game characters.
    assert all("game" not in index.label(hit.uri, "en") for hit in index.search("personeelsbeleid", "nl", 3))
    assert [index.label(hit.uri, "en") for hit in index.search("Vertrieb", "de", 1)] == ["sales activities"]


@pytest.mark.parametrize("nonsense", ["xqzvbt", "blorptonique", "fnargl wibble", "zzkwq plomf"])
def test_nonsense_gets_no_skill_found(index: SkillIndex, nonsense: str) -> None:
    assert index.search(nonsense, "fr") == []
    _, candidates, error = resolve_form_input(index, [], nonsense, "fr")
    assert candidates == [] and error is not None
    assert error.template == "No skill found for “%(text)s”: try another word."


def test_whole_vocabulary_and_project_labels_marked_as_such(index: SkillIndex) -> None:
    accounting = index.get(ACCOUNTING)
    assert accounting is not None
    assert accounting.labels == {"en": "accounting", "fr": "comptabilité", "es": "contabilidad", "nl": "boekhouding",
                                 "de": "Buchhaltung"}
    assert accounting.project_labels == {"nl", "de"}  # not ESCO's
    assert index.get(WEB_PROGRAMMING).project_labels == frozenset()  # ESCO has nl and de for this one
    readme = (COFFEE_LABELS_CSV.parent / "README.md").read_text(encoding="utf-8")
    assert "**not** part of ESCO" in readme


def test_professions_in_the_form_the_member_chooses(index: SkillIndex) -> None:
    assert index.search("traductrice", "fr", 1, occupations=True)[0].uri == TRANSLATOR
    assert index.search("vertaler", "nl", 1, occupations=True)[0].uri == TRANSLATOR
    assert index.search("vertaler", "nl", 3) == [] or TRANSLATOR not in uris(index.search("vertaler", "nl", 3))
    assert index.label(TRANSLATOR, "fr", "f") == "traductrice"
    assert index.label(TRANSLATOR, "fr", "m") == "traducteur"
    assert index.label(TRANSLATOR, "fr") == "traducteur/traductrice"
    assert index.label(TRANSLATOR, "de", "f") == "Übersetzerin"
    assert index.label(TRANSLATOR, "en", "f") == "translator"


def test_a_profile_refuses_what_is_not_an_esco_concept_of_the_field(index: SkillIndex) -> None:
    with pytest.raises(InvalidInput) as raised:
        index.validate([ACCOUNTING, ESCO + "withdrawn-or-invented"], "skills_offered")
    assert raised.value.field == "skills_offered"
    with pytest.raises(InvalidInput) as raised:
        index.validate([ACCOUNTING], "professions", occupations=True)  # a skill is not a profession
    assert raised.value.field == "professions"
    with pytest.raises(InvalidInput):
        index.validate([TRANSLATOR], "skills_offered")  # nor a profession a skill


def test_look_up_is_fast_over_the_whole_vocabulary(index: SkillIndex) -> None:
    import time

    queries = ["comptabilité", "Webentwicklung", "gestion de projet agile", "dév", "a b c d e f", "pro", "web " * 20]
    timings = []
    for query in queries * 20:
        start = time.perf_counter()
        index.search(query, "fr", 10)
        timings.append(time.perf_counter() - start)
    assert sorted(timings)[int(len(timings) * 0.95)] < 0.05  # p95 < 10 ms in bench/; generous under a loaded CI
