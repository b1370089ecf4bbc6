"""Member profiles: what a member says about themself, who may see it, and the directory.

Visibility is decided here and only here, so the pages, the JSON API and federation
agree: `public` is the open web and the network, `network` only the other spaces of
the network, `local` only the members of this space. Invited and suspended members
are nobody's business: they appear nowhere.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any, Callable

from node import i18n
from node.config import Config
from node.errors import InvalidInput, NotFound
from node.services import announce
from node.services import fields as check
from node.services.space import COUNTRIES
from node.services import media
from node.services.skills import GENDERS, SkillIndex
from node.storage import members as members_store
from node.storage.db import Store

OPEN_TO = ("missions", "jobs", "internships", "collaborations", "mentoring")
VISIBILITIES = ("public", "network", "local")
# The longest texts accepted: the validators and the forms' maxlength and help read them here.
MAX_LENGTHS = {"display_name": 80, "organisation": 120, "city": 80}
MAX_BIO = 2000
MAX_SKILLS = 30
MAX_PROFESSIONS = 5
MAX_TAGS = 20
MAX_TAG = 40
MAX_LINKS = 5
MAX_PAGE = 10_000
MAX_PER_PAGE = 100
MAX_QUERY = 100
# The SQL twin of `visible_to`, with the viewer's visibilities as one JSON-array parameter.
_VISIBLE = "status = 'active' AND visibility IN (SELECT value FROM json_each(?))"


class Viewer(StrEnum):
    """Who is looking at a profile; decides which visibilities they may see."""

    ANONYMOUS = "anonymous"  # the open web, `/api/members`
    MEMBER = "member"  # a signed-in member of this space
    NETWORK = "network"  # another node of the network (a verified signed fetch)

    @property
    def visibilities(self) -> tuple[str, ...]:
        return {"anonymous": ("public",), "member": VISIBILITIES, "network": ("public", "network")}[self.value]


def viewer_of(user: dict[str, Any] | None) -> Viewer:
    """A page request: the signed-in member (already checked active), or the open web."""
    return Viewer.MEMBER if user is not None else Viewer.ANONYMOUS


def visible_to(member: dict[str, Any], viewer: Viewer) -> bool:
    return member["status"] == "active" and member["visibility"] in viewer.visibilities


# --- validation -------------------------------------------------------------------------------


def _skills(field: str, *, occupations: bool = False) -> Callable[[Any, SkillIndex | None], list[str]]:
    """ESCO skill URIs (or occupation URIs for `professions`); the error names the field."""
    most = MAX_PROFESSIONS if occupations else MAX_SKILLS

    def validate(value: Any, skills: SkillIndex | None) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise InvalidInput("This value must be a list.", field=field)
        if len(value) > most:
            raise InvalidInput("Too many skills (at most %(max)s).", field=field, max=most)
        if skills is None:
            raise ValueError("checking ESCO skills needs the SkillIndex")
        return skills.validate(value, field, occupations=occupations)

    return validate


def _gender(value: Any, _index: SkillIndex | None) -> str:
    if value not in GENDERS:
        raise InvalidInput("Show a profession in its masculine, feminine or neutral form.", field="profession_gender")
    return value


def _tags(value: Any, _index: SkillIndex | None) -> list[str]:
    """Free-text skills ("permaculture", "Figma"), kept as typed; repeats ignoring case dropped."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise InvalidInput("This value must be a list.", field="tags")
    tags: dict[str, str] = {}
    for raw in value:
        tag = check.text(raw, field="tags", max_len=MAX_TAG)
        if tag:
            tags.setdefault(check.folded(tag), tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInput("Too many tags (at most %(max)s).", field="tags", max=MAX_TAGS)
    return list(tags.values())


def _languages(value: Any, _index: SkillIndex | None) -> list[str]:
    if isinstance(value, (list, tuple)):
        value = [v.strip().lower() if isinstance(v, str) else v for v in value]
    return check.choices(value, check.KNOWN_LANGUAGES, field="languages")


def _links(value: Any, _index: SkillIndex | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise InvalidInput("This value must be a list.", field="links")
    links = [link for link in (check.url(raw, field="links") for raw in value) if link]
    links = list(dict.fromkeys(links))
    if len(links) > MAX_LINKS:
        raise InvalidInput("Too many links (at most %(max)s).", field="links", max=MAX_LINKS)
    return links


def _residence(value: Any) -> str:
    """Country of residence, optional: only counted (indicators), never published."""
    code = check.text(value, field="country", max_len=2).upper()
    if code and code not in COUNTRIES:
        raise InvalidInput("Enter a two-letter country code like BE or FR.", field="country")
    return code


def _visibility(value: Any, _index: SkillIndex | None) -> str:
    if value not in VISIBILITIES:
        raise InvalidInput("Visibility is public, network or local.", field="visibility")
    return value


_VALIDATORS: dict[str, Callable[[Any, SkillIndex | None], Any]] = {
    "display_name": lambda v, _: check.text(v, field="display_name", max_len=MAX_LENGTHS["display_name"]),
    "bio_map": lambda v, _: check.language_map(v, field="bio_map", max_len=MAX_BIO),
    "organisation": lambda v, _: check.text(v, field="organisation", max_len=MAX_LENGTHS["organisation"]),
    "city": lambda v, _: check.text(v, field="city", max_len=MAX_LENGTHS["city"]),
    "country": lambda v, _: _residence(v),
    "skills_offered": _skills("skills_offered"),
    "skills_sought": _skills("skills_sought"),
    "professions": _skills("professions", occupations=True),
    "profession_gender": _gender,
    "tags": _tags,
    "languages": _languages,
    "open_to": lambda v, _: check.choices(v, OPEN_TO, field="open_to"),
    "links": _links,
    "visibility": _visibility,
}
EDITABLE_FIELDS = tuple(_VALIDATORS)


def validate_profile(fields: dict[str, Any], skills: SkillIndex | None) -> dict[str, Any]:
    """The cleaned values of the profile fields given (any subset); `skills` checks ESCO URIs."""
    unknown = sorted(set(fields) - set(_VALIDATORS))
    if unknown:
        raise InvalidInput("Unknown field: %(name)s.", field=unknown[0], name=unknown[0])
    return {name: _VALIDATORS[name](value, skills) for name, value in fields.items()}


def update_profile(
    store: Store,
    member_id: int,
    fields: dict[str, Any],
    skills: SkillIndex,
    *,
    media_dir: Path | None = None,
    new_avatar: str | None = None,
    remove_avatar: bool = False,
    config: Config | None = None,
) -> dict[str, Any]:
    """Store the profile fields and the picture change together, or nothing.

    `new_avatar` is a file just written by `media.save_picture`: this call owns it, so it is
    deleted when the update is refused, and the picture it replaces is deleted on success.
    """
    try:
        cleaned = validate_profile(fields, skills)
        member = members_store.get(store, member_id)
        if member is None:
            raise NotFound("This member does not exist.")
        if new_avatar is not None or remove_avatar:
            if media_dir is None:
                raise ValueError("changing the picture needs the media directory")
            cleaned["avatar"] = new_avatar
        with store.transaction():
            updated = members_store.update(store, member_id, **cleaned)
            if config is not None:  # the node's network hears of it (Create, Update or Delete)
                announce.member_changed(store, config, member, updated)
    except Exception:
        if new_avatar is not None and media_dir is not None:
            media.delete_picture(media_dir, new_avatar)
        raise
    if media_dir is not None and member["avatar"] and member["avatar"] != updated["avatar"]:
        media.delete_picture(media_dir, member["avatar"])
    return updated


# --- what others see ---------------------------------------------------------------------------


def public_profile(member: dict[str, Any], skills: SkillIndex, lang: str, *, base_url: str = "") -> dict[str, Any]:
    """The profile as shown to others (pages, `/api/members`): no account internals.

    Skills carry their label in `lang`; URLs are absolute when `base_url` is given.
    """
    username = member["username"]
    return {
        "username": username,
        "display_name": member["display_name"] or username,
        "bio": i18n.pick(member["bio_map"], lang),
        "bio_map": member["bio_map"],
        "organisation": member["organisation"],
        "city": member["city"],
        "skills_offered": [{"uri": uri, "label": skills.label(uri, lang)} for uri in member["skills_offered"]],
        "skills_sought": [{"uri": uri, "label": skills.label(uri, lang)} for uri in member["skills_sought"]],
        "professions": [{"uri": uri, "label": skills.label(uri, lang, member["profession_gender"])}
                        for uri in member["professions"]],
        "tags": member["tags"],
        "languages": member["languages"],
        "open_to": member["open_to"],
        "links": member["links"],
        "avatar_url": f"{base_url}/media/{member['avatar']}" if member["avatar"] else None,
        "profile_url": f"{base_url}/@{username}",
    }


def profile_for(store: Store, username: str, viewer: Viewer) -> dict[str, Any]:
    """The member behind `/@username` if `viewer` may see them; hidden and missing look the same."""
    member = members_store.get_by_username(store, username)
    if member is None or not visible_to(member, viewer):
        raise NotFound("No member with this name here.")
    return member


def directory(
    store: Store,
    *,
    viewer: Viewer,
    skills: SkillIndex,
    q: str | None = None,
    skill: str | None = None,
    language: str | None = None,
    open_to: str | None = None,
    page: int = 1,
    per_page: int = 24,
) -> tuple[list[dict[str, Any]], int]:
    """The members `viewer` may see that match every filter given, by name: (page rows, total).

    `q` searches names, usernames and organisations ignoring case and accents. `skill` is an
    ESCO URI or a label in any language (resolved to concepts, so a Dutch label finds a skill
    entered in French) matched against skills offered, or a free-text tag. A space has a few
    hundred members at most, so text matching is done here rather than in SQL.
    """
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput("The page number must be between 1 and %(max)s.", field="page", max=MAX_PAGE)
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput("Ask for between 1 and %(max)s members per page.", field="per_page", max=MAX_PER_PAGE)
    where, params = [_VISIBLE], [json.dumps(viewer.visibilities)]
    if language:
        if language not in check.KNOWN_LANGUAGES:
            raise InvalidInput("Unknown language code: %(code)s.", field="language", code=language[:20])
        where.append("EXISTS (SELECT 1 FROM json_each(members.languages) WHERE value = ?)")
        params.append(language)
    if open_to:
        if open_to not in OPEN_TO:
            raise InvalidInput("Unknown value: %(value)s.", field="open_to", value=open_to[:40])
        where.append("EXISTS (SELECT 1 FROM json_each(members.open_to) WHERE value = ?)")
        params.append(open_to)
    rows = members_store.select(store, " AND ".join(where), params)
    if q := check.text(q, field="q", max_len=MAX_QUERY):
        needle = check.folded(q)
        rows = [m for m in rows if any(needle in check.folded(m[k]) for k in ("display_name", "username", "organisation"))]
    if skill := check.text(skill, field="skill", max_len=check.MAX_URL):
        uris, tag = _skill_matcher(skill, skills)
        rows = [m for m in rows if _has_skill(m, uris, tag)]
    rows.sort(key=lambda m: (check.folded(m["display_name"] or m["username"]), m["username"]))
    start = (page - 1) * per_page
    return rows[start : start + per_page], len(rows)


def skills_in_use(store: Store, viewer: Viewer) -> list[str]:
    """ESCO URIs offered by the members `viewer` may see: the directory's skill suggestions."""
    rows = members_store.select(store, _VISIBLE, [json.dumps(viewer.visibilities)])
    return list(dict.fromkeys(uri for member in rows for uri in member["skills_offered"]))


def _skill_matcher(skill: str, skills: SkillIndex) -> tuple[set[str], str | None]:
    """(ESCO URIs, folded tag) a member may have to match the `skill` filter."""
    if skill.startswith(("http://", "https://")):
        return {skill}, None
    return skills.resolve(skill), check.folded(skill)


def _has_skill(member: dict[str, Any], uris: set[str], tag: str | None) -> bool:
    if uris.intersection(member["skills_offered"]):
        return True
    return tag is not None and any(check.folded(t) == tag for t in member["tags"])
