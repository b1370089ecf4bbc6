"""The cross-border catalogue: who can do what, where, in which language, across every followed space.

There is no central server: each node builds its own catalogue from its members and
from what the spaces it follows publish (Create/Update/Delete of their members, and
the backfill of their `members` collection when a follow is accepted).

Search matches a query to ESCO concepts first, whatever language it is typed in:
an exact label or alternative label in any language (`SkillIndex.resolve`), the same
skill group when widened, then concepts whose labels hold every word of the query
(`resolve_loose`, ranked and bounded by `SkillIndex.search`). People offering those
concepts rank first (someone who only seeks a skill is never listed as able to help), then FTS5 matches on names, handles, organisations, bios and
tags. Skill labels are not copied into every entry's FTS text: the in-memory index
already knows every label in every language, accents folded, and at 100,000 people
the copies quadrupled the database (see bench/catalogue_bench.py).

Consent. The open web (anonymous pages and the JSON API) sees local `public` members
and remote members who are `discoverable` and not `indexable: false`. Signed-in
members of this space also see local `network` and `local` members and the remote
members who are discoverable only: they are the network. Text search never matches a
remote member who said `indexable: false`, whoever asks. Invited and suspended members
are never in the catalogue.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import nh3

from federation import origin as origin_mod
from federation.errors import MalformedError
from node import i18n
from node.config import Config
from node.errors import InvalidInput
from node.services import local_actors, profiles
from node.services.skills import LANGUAGES as SKILL_LANGUAGES
from node.services.skills import MAX_LIMIT as SKILL_SEARCH_LIMIT
from node.services.skills import MAX_QUERY_LENGTH as SKILL_QUERY_LENGTH
from node.services.skills import SkillIndex, fold
from node.storage import actors as actors_store
from node.storage import catalogue as catalogue_store
from node.storage import space as space_store
from node.storage.db import Store

MAX_QUERY = 200
MAX_PAGE = 1000
MAX_PER_PAGE = 50
DEFAULT_PER_PAGE = 20
COUNT_CAP = 1000  # "more than 1,000 people": a page never counts (nor ranks) the whole catalogue
FACET_SAMPLE = 300  # facets of a broader result count its first 300 entries
LOOSE_MAX = 5  # concepts a free-text query may stand for when it is no exact label
MAX_WORDS = 8
PREFIX_FROM = 5  # letters of the last word before it also matches as a prefix
MAX_SKILLS = 30
MAX_TAGS = 20
MAX_LANGUAGES = 20
MAX_TEXT = 200
MAX_SUMMARY = 5000
SUMMARY_CARD = 280
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SearchResult:
    """A page of people (cards), how many match, and the facets of the matches."""

    items: list[dict[str, Any]]
    total: int
    facets: dict[str, list[dict[str, Any]]]
    total_capped: bool = False  # more than `total` match: the count stopped at COUNT_CAP
    facets_sampled: bool = False  # facets count the first FACET_SAMPLE matches only
    concepts: list[dict[str, str]] = field(default_factory=list)  # the skills the query stands for


# --- indexing ----------------------------------------------------------------------------------


def index_local_member(store: Store, config: Config, member: dict[str, Any]) -> None:
    """Put one of our members in the catalogue (active ones, whatever their visibility), or take them out."""
    actor_id = local_actors.member_id(config, member["username"])
    if member["status"] != "active":
        catalogue_store.remove(store, actor_id)
        return
    space = space_store.get(store)
    name = member["display_name"] or member["username"]
    catalogue_store.put(store, {
        "actor_id": actor_id,
        "origin": "local",
        "space_id": local_actors.space_id(config),
        "space_name": space["name"],
        "country": space["country"],
        "region": space["region"],
        "city": member["city"] or space["city"],
        "name": name,
        "handle": f"{member['username']}@{config.domain}",
        "summary": "\n\n".join(text for text in member["bio_map"].values() if text),
        "organisation": member["organisation"],
        "skills_offered": member["skills_offered"],
        "skills_sought": member["skills_sought"],
        "professions": member["professions"],
        "profession_gender": member["profession_gender"],
        "skill_labels": {},
        "tags": member["tags"],
        "languages": member["languages"],
        "open_to": member["open_to"],
        "visibility": member["visibility"],
        "discoverable": 1,
        "indexable": int(member["visibility"] == "public"),
        "profile_url": actor_id,
        "avatar_url": f"{config.url}/media/{member['avatar']}" if member["avatar"] else "",
        "sort_name": fold(name),
    })


def reindex_local(store: Store, config: Config, members: Iterable[dict[str, Any]]) -> int:
    """Rebuild the local part of the catalogue from the members table (a repair, or `catalogue refresh`)."""
    kept: set[str] = set()
    with store.transaction():
        for member in members:
            index_local_member(store, config, member)
            if member["status"] == "active":
                kept.add(local_actors.member_id(config, member["username"]))
        for actor_id in catalogue_store.local_actor_ids(store) - kept:
            catalogue_store.remove(store, actor_id)
    return len(kept)


def remove(store: Store, actor_id: str) -> bool:
    return catalogue_store.remove(store, actor_id)


def space_changed(store: Store, config: Config) -> None:
    """Our space was renamed or moved: its members' entries say so."""
    space = space_store.get(store)
    catalogue_store.update_space(store, local_actors.space_id(config), name=space["name"], country=space["country"],
                                 region=space["region"])


def followed_spaces(store: Store, config: Config) -> list[str]:
    """Actor ids of the spaces (organisations, groups) our space follows, accepted."""
    rows = store.conn.execute(
        "SELECT f.followee FROM follows f JOIN actors a ON a.id = f.followee WHERE f.follower = ? "
        "AND f.state = 'accepted' AND a.type IN ('Organization', 'Group') ORDER BY f.id",
        [local_actors.space_id(config)],
    )
    return [row[0] for row in rows]


def known_spaces(store: Store, config: Config) -> list[dict[str, str]]:
    """This space and the spaces it follows, with name and country (the search form's choices)."""
    space = space_store.get(store)
    here = {"id": local_actors.space_id(config), "name": space["name"], "country": space["country"]}
    followed = [{"id": space_id} | space_facts(space_document(store, space_id)) for space_id in followed_spaces(store, config)]
    return [here, *sorted(followed, key=lambda row: fold(row["name"] or row["id"]))]


def home_space(store: Store, config: Config, actor_id: str, member_of: Any) -> str | None:
    """The followed space a remote person belongs to: the one they name (`memberOf`), which must be
    a space we follow on their origin, or, when they name none, the one we follow there."""
    try:
        actor_origin = origin_mod.origin(actor_id)
    except MalformedError:
        return None
    candidates = [space for space in followed_spaces(store, config) if origin_mod.same_origin(space, actor_origin)]
    named = id_of(member_of)
    if named is not None:
        return named if named in candidates else None
    return candidates[0] if candidates else None


def index_remote_actor(store: Store, config: Config, doc: dict[str, Any]) -> bool:
    """Index (or drop) a remote actor document (normalised JSON-LD); True when it is in the catalogue now.

    A Person is indexed when it belongs to a space we follow and is `discoverable`; an
    Organization we follow refreshes its members' space name and country.
    """
    actor_id = id_of(doc.get("id"))
    if actor_id is None:
        return False
    if doc.get("type") == "Organization":
        if actor_id in followed_spaces(store, config):
            space = space_facts(doc)
            catalogue_store.update_space(store, actor_id, name=space["name"], country=space["country"],
                                         region=space["region"])
        return False
    space_id = home_space(store, config, actor_id, doc.get("memberOf"))
    if doc.get("type") != "Person" or space_id is None or doc.get("discoverable") is not True:
        catalogue_store.remove(store, actor_id)
        return False
    catalogue_store.put(store, remote_entry(doc, actor_id, space_id, space_document(store, space_id)))
    return True


def drop_space(store: Store, space_id: str) -> int:
    """We stopped following a space (or it is gone): its members leave our catalogue, since we would
    no longer hear of their changes; they stay on their own node, and a new follow backfills them."""
    catalogue_store.delete_job(store, space_id)
    return catalogue_store.remove_space(store, space_id)


def space_document(store: Store, space_id: str) -> dict[str, Any]:
    """The stored actor document of a remote space ({} when we do not have it)."""
    actor = actors_store.get(store, space_id)
    return actor["document"] if actor else {}


def space_facts(doc: dict[str, Any]) -> dict[str, str]:
    """Name, country, region and city of a space actor document (what cards and filters show)."""
    address = doc.get("address") if isinstance(doc.get("address"), dict) else {}
    country = _text(doc.get("country")) or _text(address.get("addressCountry"))
    return {
        "name": _text(doc.get("name")),
        "country": country.upper() if _COUNTRY.match(country.upper()) else "",
        "region": _text(address.get("addressRegion")),
        "city": _text(address.get("addressLocality")),
    }


def remote_entry(doc: dict[str, Any], actor_id: str, space_id: str, space_doc: dict[str, Any]) -> dict[str, Any]:
    """The catalogue entry of a remote Person: every value checked, trimmed and bounded."""
    space = space_facts(space_doc)
    username = _text(doc.get("preferredUsername"), 80)
    name = _text(doc.get("name")) or username or actor_id
    country = _text(doc.get("country")).upper()
    location = doc.get("location") if isinstance(doc.get("location"), dict) else {}
    icon = doc.get("icon") if isinstance(doc.get("icon"), dict) else {}
    indexable = doc.get("indexable") is not False
    return {
        "actor_id": actor_id,
        "origin": origin_mod.origin(actor_id),
        "space_id": space_id,
        "space_name": space["name"],
        "country": country if _COUNTRY.match(country) else space["country"],
        "region": space["region"],
        "city": _text(location.get("name"), 80) or space["city"],
        "name": name,
        "handle": f"{username}@{urlsplit(actor_id).netloc.lower()}" if username else "",
        "summary": _summary(doc),
        "organisation": _text(doc.get("organization")),
        "skills_offered": _uris(doc.get("knowsAbout")),
        "skills_sought": _uris(doc.get("seeks")),
        "professions": _uris(doc.get("hasOccupation")),
        "profession_gender": doc.get("occupationForm") if doc.get("occupationForm") in ("m", "f") else "",
        "skill_labels": _names(doc.get("knowsAbout"), doc.get("seeks"), doc.get("hasOccupation")),
        "tags": _unique(tag["name"].lstrip("#")[:40] for tag in _list(doc.get("tag"))
                        if isinstance(tag, dict) and tag.get("type") == "Hashtag" and isinstance(tag.get("name"), str))[:MAX_TAGS],
        "languages": _unique(code.lower() for code in _list(doc.get("knowsLanguage"))
                             if isinstance(code, str) and _LANGUAGE.match(code.lower()))[:MAX_LANGUAGES],
        "open_to": _unique(value for value in _list(doc.get("openTo")) if value in profiles.OPEN_TO),
        "visibility": "public" if indexable else "network",
        "discoverable": 1,
        "indexable": int(indexable),
        "profile_url": _http_url(doc.get("url")) or actor_id,
        "avatar_url": _http_url(icon.get("url")) or "",
        "sort_name": fold(name),
    }


def _list(value: Any) -> list[Any]:
    """Compacted JSON-LD writes one value without a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def id_of(value: Any) -> str | None:
    """The http(s) id of a JSON-LD reference (an IRI, or an object with an `id`); None otherwise."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def _http_url(value: Any) -> str | None:
    """Only http(s) links reach our pages (no `javascript:`), and not absurdly long ones."""
    url = id_of(value)
    return url if url and len(url) <= 500 else None


def _uris(value: Any) -> list[str]:
    return _unique(uri for uri in (id_of(item) for item in _list(value)) if uri and len(uri) <= 500)[:MAX_SKILLS]


def _names(*values: Any) -> dict[str, str]:
    """The labels a profile gives with its concepts ({"id": uri, "name": "..."}), to show the
    ones this node's vocabulary lacks rather than drop them."""
    names: dict[str, str] = {}
    for value in values:
        for item in _list(value)[:MAX_SKILLS]:
            if isinstance(item, dict) and (uri := id_of(item)) and len(uri) <= 500:
                name = _text(item.get("name"), 100)
                if name:
                    names[uri] = name
    return names


def _plain(markup: str) -> str:
    """An HTML summary as plain text: paragraphs and line breaks kept, tags and entities gone."""
    text = markup.replace("<br>", "\n").replace("<br/>", "\n").replace("<br />", "\n").replace("</p>", "</p>\n\n")
    return html.unescape(nh3.clean(text, tags=set())).strip()


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    return " ".join(_plain(value).split())[:limit] if isinstance(value, str) else ""


def _summary(doc: dict[str, Any]) -> str:
    """Every language of the summary, as plain text."""
    mapping = doc.get("summaryMap")
    texts = [v for v in mapping.values() if isinstance(v, str)] if isinstance(mapping, dict) else []
    if not texts and isinstance(doc.get("summary"), str):
        texts = [doc["summary"]]
    return "\n\n".join(_plain(text) for text in texts)[:MAX_SUMMARY]


# --- search ------------------------------------------------------------------------------------


def fts_expression(text: str) -> str | None:
    """An FTS5 query from user text: its words, each quoted (so AND, NEAR, *, ^, : or quotes typed
    by someone are plain words), all required, the last one also as a prefix when it is long
    enough to be a word cut short ("graphis"), not a short word of its own ("Luc", not "Lucas")."""
    words = _WORD.findall(text)[:MAX_WORDS]
    if not words:
        return None
    quoted = [f'"{word}"' for word in words]  # \w+ holds no quote: nothing to escape
    if len(words[-1]) >= PREFIX_FROM:
        quoted[-1] += "*"
    return " ".join(quoted)


def same_group(skills: SkillIndex, uris: Iterable[str]) -> list[str]:
    """The skills of the same nearest ESCO group as `uris`, `uris` excluded."""
    found: dict[str, None] = {}
    for uri in uris:
        group = skills.group_of(uri)
        if group:
            found.update(dict.fromkeys(sorted(skills.skills_in_group(group))))
    return [uri for uri in found if uri not in set(uris)]


def concepts_for(skills: SkillIndex, text: str, lang: str, *, widen: bool) -> list[list[str]]:
    """The ESCO concepts a free-text query stands for, best tier first: its exact label (any
    language), the same group when widened; then the concepts with a label
    holding every word ("programmation" stands for web, computer, ICT system programming...),
    the LOOSE_MAX best ranked by the picker's search. People with only such a loose concept
    rank after those whose name, bio or organisation matches."""
    exact = sorted(skills.resolve(text) | skills.resolve(text, occupations=True))
    loose: list[str] = []
    if any(len(word) >= 3 for word in _WORD.findall(text)):  # even with an exact label: "programming" is wider
        search_lang = lang if lang in SKILL_LANGUAGES else "en"
        for occupations in (False, True):  # skills, then professions
            words = skills.resolve_loose(text, occupations=occupations)
            loose += [hit.uri for hit in skills.search(text[:SKILL_QUERY_LENGTH], search_lang, SKILL_SEARCH_LIMIT,
                                                       occupations=occupations)
                      if hit.uri in words and hit.uri not in exact][:LOOSE_MAX]
    return [exact, same_group(skills, exact) if widen else [], loose]


def skill_filter(skills: SkillIndex, value: str) -> set[str]:
    """The concepts of the `skill` filter: an ESCO URI this node knows, or a label in any language."""
    if value.startswith(("http://", "https://")):
        if skills.get(value) is None:
            raise InvalidInput("This is not a known ESCO skill: %(uri)s", field="skill", uri=value[:200])
        return {value}
    uris = skills.resolve(value)
    if len(uris) > 1:  # a preferred label beats alternative ones: "CSS" is the concept CSS
        uris = skills.resolve(value, preferred=True) or uris
    if not uris:
        raise InvalidInput("No ESCO skill is called “%(text)s”.", field="skill", text=value[:100])
    return uris


def _clean(value: str | None, field_name: str, limit: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput("The parameter %(name)s is too long (at most %(max)s characters).", field=field_name,
                           name=field_name, max=limit)
    return value or None


def search(
    store: Store,
    skills: SkillIndex,
    *,
    q: str | None = None,
    skill: str | None = None,
    language: str | None = None,
    country: str | None = None,
    city: str | None = None,
    space: str | None = None,
    open_to: str | None = None,
    cross_border: bool = False,
    widen: bool = False,
    viewer_country: str,
    lang: str,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    viewer_is_member: bool = False,
) -> SearchResult:
    """People of the catalogue matching every filter given, best first (see the module docstring).

    `viewer_is_member`: a signed-in member of this space (sees `network` and `local` entries).
    `cross_border`: only people whose country is known and is not `viewer_country`.
    """
    q = _clean(q, "q", MAX_QUERY)
    skill = _clean(skill, "skill", 500)
    city = _clean(city, "city", 80)
    space = _clean(space, "space", 500)
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput("The page number must be between 1 and %(max)s.", field="page", max=MAX_PAGE)
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput("Ask for between 1 and %(max)s people per page.", field="per_page", max=MAX_PER_PAGE)
    if language and not _LANGUAGE.match(language):
        raise InvalidInput("Unknown language code: %(code)s.", field="language", code=language[:20])
    if country and not _COUNTRY.match(country):
        raise InvalidInput("A country is a two-letter code such as FR or BE.", field="country")
    if open_to and open_to not in profiles.OPEN_TO:
        raise InvalidInput("Unknown value: %(value)s.", field="open_to", value=open_to[:40])
    if space and not space.startswith(("https://", "http://")):
        raise InvalidInput("A space is given by its address (actor id).", field="space")
    query = catalogue_store.Query(public_only=not viewer_is_member, country=country, city=city, space_id=space,
                                  language=language, open_to=open_to,
                                  other_than_country=viewer_country if cross_border else None)
    concepts: list[str] = []
    if skill:
        exact = sorted(skill_filter(skills, skill))
        query.offers, query.exact_offers = exact + (same_group(skills, exact) if widen else []), exact
        concepts += exact
    if q:
        query.tiers = concepts_for(skills, q, lang, widen=widen)
        query.fts = fts_expression(q)
        concepts += [uri for uri in query.tiers[0] if uri not in concepts]
        if not query.text:  # only punctuation: nothing can match
            return SearchResult(items=[], total=0, facets=_facets({}, skills, lang))
    found = catalogue_store.search(store, query, limit=per_page, offset=(page - 1) * per_page, count_cap=COUNT_CAP,
                                   sample=FACET_SAMPLE)
    matched = {uri for tier in query.tiers for uri in tier} | set(query.offers or ())
    return SearchResult(
        items=[card(row, skills, lang, viewer_country, matched) for row in found.rows],
        total=found.total,
        facets=_facets(found.facets, skills, lang),
        total_capped=found.total_capped,
        facets_sampled=found.sampled,
        concepts=[{"uri": uri, "label": skills.label(uri, lang)} for uri in concepts],
    )


_SKILL_SCHEMA = {
    "type": "object",
    "required": ["uri", "label", "matched"],
    "properties": {
        "uri": {"type": "string", "format": "uri", "description": "ESCO concept URI."},
        "label": {"type": "string", "description": "ESCO preferred label in the requested language."},
        "matched": {"type": "boolean", "description": "One of the concepts the search or the need stands for."},
    },
}
CARD_SCHEMA: dict[str, Any] = {  # what card() returns: the JSON API's catalogue entries
    "type": "object",
    "required": ["actor_id", "name", "local", "space", "country", "cross_border", "skills_offered", "skills_sought",
                 "languages", "open_to", "profile_url"],
    "properties": {
        "actor_id": {"type": "string", "format": "uri", "description": "The person's ActivityPub id on their home node."},
        "name": {"type": "string"},
        "handle": {"type": "string", "description": "user@host, or empty."},
        "local": {"type": "boolean", "description": "A member of this space (else of a followed space)."},
        "space": {"type": "object", "required": ["id", "name"],
                  "properties": {"id": {"type": "string", "format": "uri"}, "name": {"type": "string"}}},
        "country": {"type": "string", "description": "ISO 3166-1 alpha-2, or empty when unknown."},
        "region": {"type": "string"},
        "city": {"type": "string"},
        "cross_border": {"type": "boolean", "description": "In another country than this node's."},
        "organisation": {"type": "string"},
        "summary": {"type": "string", "description": "The bio as plain text, every language, shortened."},
        "skills_offered": {"type": "array", "items": _SKILL_SCHEMA},
        "skills_sought": {"type": "array", "items": _SKILL_SCHEMA},
        "professions": {"type": "array", "items": _SKILL_SCHEMA,
                        "description": "ESCO occupations, labelled in the form the person chose."},
        "tags": {"type": "array", "items": {"type": "string"}},
        "languages": {"type": "array", "items": {"type": "string"}},
        "open_to": {"type": "array", "items": {"type": "string"}},
        "profile_url": {"type": "string", "format": "uri", "description": "The profile page on the person's home node."},
        "avatar_url": {"type": ["string", "null"], "format": "uri"},
    },
}
_FACET_SCHEMA = {
    "type": "array",
    "maxItems": catalogue_store.FACET_TOP,
    "items": {"type": "object", "required": ["value", "label", "count"],
              "properties": {"value": {"type": "string"}, "label": {"type": "string"}, "count": {"type": "integer"}}},
}
PAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["total", "total_capped", "page", "per_page", "next", "concepts", "items", "facets", "facets_sampled"],
    "properties": {
        "total": {"type": "integer", "minimum": 0, "maximum": COUNT_CAP},
        "total_capped": {"type": "boolean", "description": f"More than {COUNT_CAP} people match; `total` stops there."},
        "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "next": {"type": ["string", "null"], "format": "uri"},
        "concepts": {"type": "array", "description": "The ESCO concepts the query and the skill filter stand for.",
                     "items": {"type": "object", "required": ["uri", "label"],
                               "properties": {"uri": {"type": "string"}, "label": {"type": "string"}}}},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/CatalogueEntry"}},
        "facets": {"type": "object", "required": ["country", "space", "language", "skill"],
                   "properties": {name: _FACET_SCHEMA for name in ("country", "space", "language", "skill")}},
        "facets_sampled": {"type": "boolean", "description": f"Facets count the first {FACET_SAMPLE} matches only."},
    },
}
MATCHES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["member", "needs"],
    "properties": {
        "member": {"type": "string", "format": "uri"},
        "needs": {"type": "array", "items": {
            "type": "object", "required": ["skill", "offers", "total"],
            "properties": {
                "skill": {"type": "object", "required": ["uri", "label"],
                          "properties": {"uri": {"type": "string"}, "label": {"type": "string"}}},
                "offers": {"type": "array", "items": {"$ref": "#/components/schemas/CatalogueEntry"}},
                "total": {"type": "integer", "minimum": 0, "description": "Everyone who offers it (`offers` lists the first)."},
            },
        }},
    },
}


def card(entry: dict[str, Any], skills: SkillIndex, lang: str, viewer_country: str,
         matched: Collection[str] = frozenset()) -> dict[str, Any]:
    """What a result shows (and the JSON API returns): skills in the reader's language, flags."""
    summary = entry["summary"]
    return {
        "actor_id": entry["actor_id"],
        "name": entry["name"],
        "handle": entry["handle"],
        "local": entry["origin"] == "local",
        "space": {"id": entry["space_id"], "name": entry["space_name"]},
        "country": entry["country"],
        "region": entry["region"],
        "city": entry["city"],
        "cross_border": bool(entry["country"]) and entry["country"] != viewer_country,
        "organisation": entry["organisation"],
        "summary": summary if len(summary) <= SUMMARY_CARD else summary[:SUMMARY_CARD].rsplit(" ", 1)[0] + "…",
        "skills_offered": _labelled(entry["skills_offered"], skills, lang, matched, names=entry["skill_labels"]),
        "skills_sought": _labelled(entry["skills_sought"], skills, lang, matched, names=entry["skill_labels"]),
        "professions": _labelled(entry["professions"], skills, lang, matched, entry["profession_gender"],
                                 entry["skill_labels"]),
        "tags": entry["tags"],
        "languages": entry["languages"],
        "open_to": entry["open_to"],
        "profile_url": entry["profile_url"],
        "avatar_url": entry["avatar_url"] or None,
    }


def _labelled(uris: list[str], skills: SkillIndex, lang: str, matched: Collection[str],
              gender: str = "", names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Concepts with their label in `lang` (a profession in the member's chosen form), matched
    ones first; a concept this node does not know (a newer ESCO) shows the label its profile
    gave, else its URI: never dropped."""
    labelled = [{"uri": uri, "matched": uri in matched,
                 "label": skills.label(uri, lang, gender) if skills.get(uri) else (names or {}).get(uri, uri)}
                for uri in uris]
    return sorted(labelled, key=lambda skill: not skill["matched"])


def country_name(code: str, lang: str) -> str:
    return i18n.locale_for(lang).territories.get(code, code) if code else ""


def _facets(raw: dict[str, list[tuple[str, str, int]]], skills: SkillIndex, lang: str) -> dict[str, list[dict[str, Any]]]:
    labels = {
        "country": lambda value, _label: country_name(value, lang),
        "space": lambda value, label: label or value,
        "language": lambda value, _label: i18n.language_name(value, lang),
        "skill": lambda value, _label: skills.label(value, lang),
    }
    return {name: [{"value": value, "label": label_of(value, label), "count": n} for value, label, n in raw.get(name, [])]
            for name, label_of in labels.items()}
