"""Matching needs and offers across the network: "who can help you" and "what your space lacks".

A need is an ESCO concept a member seeks; whoever offers the same concept, on any node
this one follows, can help, whatever language either of them typed it in. Widening
adds the skills of the concept's ESCO group, listed after the exact ones. Cross-border
offers come first when asked (and are always flagged): the point of the network is
to reach past the border. The same consent rules as the catalogue search apply.
"""

from __future__ import annotations

from typing import Any

from node.services import catalogue
from node.services.skills import SkillIndex
from node.storage import catalogue as catalogue_store
from node.storage.db import Store

PER_NEED = 10


def matches_for_member(
    store: Store,
    skills: SkillIndex,
    member_actor_id: str,
    *,
    lang: str,
    cross_border_first: bool = True,
    widen: bool = False,
    viewer_is_member: bool = True,
    per_need: int = PER_NEED,
) -> list[dict[str, Any]]:
    """For each skill the member seeks: who offers it anywhere in the catalogue (them excluded).

    Returns `[{"skill": {uri, label}, "offers": [card...], "total": n}]` in the member's order;
    nothing for someone not in the catalogue (an invited or suspended member).
    """
    entry = catalogue_store.get(store, member_actor_id)
    if entry is None:
        return []
    country = entry["country"]
    needs = []
    for uri in entry["skills_sought"]:
        candidates = [uri, *(catalogue.same_group(skills, [uri]) if widen else [])]
        rows, total = catalogue_store.offering(
            store, candidates, exact=[uri], public_only=not viewer_is_member, limit=per_need,
            exclude_actor=member_actor_id, abroad_from=country if cross_border_first else None,
        )
        needs.append({
            "skill": {"uri": uri, "label": skills.label(uri, lang)},
            "offers": [catalogue.card(row, skills, lang, country, {uri}) for row in rows],
            "total": total,
        })
    return needs


def unmet_needs(store: Store, skills: SkillIndex, space_id: str, *, lang: str = "en", country: str | None = None,
                per_need: int = 5) -> list[dict[str, Any]]:
    """For the space manager: skills the space's members seek that none of them offers, the most
    sought first, each with who seeks it here and who offers it elsewhere, across the border first
    (the border of `country`, by default the space's own)."""
    country = catalogue_store.space_country(store, space_id) if country is None else country
    sought = catalogue_store.skills_of_space(store, space_id, "sought")
    offered_here = catalogue_store.skills_of_space(store, space_id, "offered")
    unmet = sorted((uri for uri in sought if uri not in offered_here), key=lambda uri: (-len(sought[uri]), uri))
    names = {row["actor_id"]: row for row in catalogue_store.by_ids(store, {a for uri in unmet for a in sought[uri]})}
    needs = []
    for uri in unmet:
        rows, total = catalogue_store.offering(store, [uri], exact=[uri], public_only=False, limit=per_need,
                                               exclude_space=space_id, abroad_from=country)
        needs.append({
            "skill": {"uri": uri, "label": skills.label(uri, lang)},
            "seekers": [{"name": names[a]["name"], "profile_url": names[a]["profile_url"]} for a in sought[uri] if a in names],
            "offers": [catalogue.card(row, skills, lang, country, {uri}) for row in rows],
            "total": total,
        })
    return needs
