"""Opportunities: jobs, internships, missions, requests and offers of help, posted by members.

A member posts from their node; the space publishes Create/Update of the object to its
followers (public or network only, from the member's own visibility), in the same transaction
as the change, so the network board of every follower shows it. Filling, withdrawing and
expiring are Updates of `status`; only the origin (the space that published it, or the member
it is attributed to) can change a copy (`remote_owner`). Answers and partnerships live in
`node.services.opportunity_answers` and `node.services.partnerships`.
"""

from __future__ import annotations

import re
import uuid as uuid_mod
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Mapping

from node.config import Config
from node.errors import Gone, InvalidInput, NotFound, PermissionDenied
from node.services import fields as check
from node.services import local_actors, outbox, ownership, publication
from node.services import opportunity_documents as documents
from node.services.catalogue import card, skill_filter
from node.services.events import sanitise_html
from node.services.skills import SkillIndex
from node.services.space import COUNTRIES, members_may
from node.storage import catalogue as catalogue_store
from node.storage import opportunities as store_mod
from node.storage import space as space_store
from node.storage.db import Store
from node.timeutil import now, now_iso

KINDS = ("job", "internship", "mission", "request", "offer")
STATUSES = ("open", "filled", "withdrawn", "expired")
CLOSED = ("filled", "withdrawn", "expired")
PLACE_KINDS = ("this_space", "network_space", "address", "remote")
CONTRACTS = ("cdi", "cdd", "stage", "freelance", "volunteer")
PAY_PERIODS = ("hour", "day", "month", "year", "total")
DEFAULT_LIFETIME = timedelta(days=60)
MAX_LIFETIME = timedelta(days=366)
MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MAX_SKILLS = 20
PER_PAGE = 20
MAX_PAGE = 10_000
EDITABLE = (
    "kind", "title", "description", "skills", "languages", "place_kind", "place_name", "city", "country",
    "jurisdiction", "starts_on", "duration", "contract", "pay_amount", "pay_currency", "pay_period", "expires",
)  # fmt: skip

_JURISDICTION = re.compile(r"^([A-Z]{2})(-[A-Z0-9]{1,3})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


# validation


def _choice(value: Any, allowed: Iterable[str], *, field: str, required: bool = False) -> str:
    if value in (None, "") and not required:
        return ""
    if value in (None, ""):
        raise InvalidInput("This field is required.", field=field)
    if value not in tuple(allowed):
        raise InvalidInput("Unknown value: %(value)s.", field=field, value=str(value)[:40])
    return value


def jurisdiction(value: Any, *, field: str = "jurisdiction") -> str:
    """An ISO 3166-1 or 3166-2 code whose country exists: FR, BE-WAL, BE-BRU, BE-VLG."""
    code = check.text(value, field=field, max_len=6).upper()
    match = _JURISDICTION.match(code)
    if code and (match is None or match.group(1) not in COUNTRIES):
        raise InvalidInput("Enter an ISO 3166 code like FR or BE-WAL.", field=field)
    return code


def _text_map(value: Any, *, field: str, max_len: int) -> dict[str, str]:
    if isinstance(value, str):
        raise InvalidInput("This value must map language codes to texts.", field=field)
    return check.language_map(value, field=field, max_len=max_len)


def _expiry(value: Any) -> str:
    """End of the given day (UTC); at least tomorrow-ish (after now), at most a year ahead."""
    if value in (None, ""):
        return (now() + DEFAULT_LIFETIME).isoformat(timespec="seconds")
    if isinstance(value, datetime):
        instant = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    else:
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            raise InvalidInput("Enter a date like 2026-12-01.", field="expires") from None
        instant = datetime.combine(day, time(23, 59, 59), timezone.utc)
    if instant <= now():
        raise InvalidInput("The expiry date must be in the future.", field="expires")
    if instant > now() + MAX_LIFETIME:
        raise InvalidInput("An opportunity expires within a year.", field="expires")
    return instant.astimezone(timezone.utc).isoformat(timespec="seconds")


def _starts_on(value: Any) -> str:
    if value in (None, ""):
        return ""
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise InvalidInput("Enter a date like 2026-12-01.", field="starts_on") from None


def clean(values: Mapping[str, Any], skills: SkillIndex, *, remote: bool = False) -> dict[str, Any]:
    """Validate everything before anything is written; returns the columns people control.

    `remote=True` reads a peer's document: sanitised HTML descriptions, skills this node's
    ESCO extract does not know are dropped rather than refused, and past expiries are kept."""
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise InvalidInput("Unknown field: %(name)s.", field=unknown[0], name=unknown[0])
    kind = _choice(values.get("kind"), KINDS, field="kind", required=True)
    title = _text_map(values.get("title"), field="title", max_len=MAX_TITLE)
    if not title:
        raise InvalidInput("Give the opportunity a title.", field="title")
    if remote:
        raw = values.get("description") or {}
        description = {lang: sanitise_html(html) for lang, html in raw.items() if isinstance(html, str)}
        if any(len(text) > MAX_DESCRIPTION for text in description.values()):
            raise InvalidInput("This text is too long (at most %(max)s characters).", field="description", max=MAX_DESCRIPTION)
    else:
        description = _text_map(values.get("description") or {}, field="description", max_len=MAX_DESCRIPTION)
    uris = values.get("skills") or []
    if not isinstance(uris, (list, tuple)) or len(uris) > MAX_SKILLS:
        raise InvalidInput("Too many values (at most %(max)s).", field="skills", max=MAX_SKILLS)
    skill_uris = [u for u in dict.fromkeys(uris) if isinstance(u, str) and skills.get(u)]
    if not remote and len(skill_uris) != len(set(uris)):
        unknown = next(u for u in uris if u not in skill_uris)
        raise InvalidInput("This is not a known ESCO skill: %(uri)s", field="skills", uri=str(unknown)[:200])
    place_kind = _choice(values.get("place_kind") or "this_space", PLACE_KINDS, field="place_kind")
    country = check.text(values.get("country"), field="country", max_len=2).upper()
    if country and country not in COUNTRIES:
        raise InvalidInput("Enter a two-letter country code like BE or FR.", field="country")
    amount = check.number(values.get("pay_amount"), field="pay_amount")
    if amount is not None and amount < 0:
        raise InvalidInput("Enter a positive amount.", field="pay_amount")
    currency = check.text(values.get("pay_currency"), field="pay_currency", max_len=3).upper()
    if currency and not _CURRENCY.match(currency):
        raise InvalidInput("Enter a currency code like EUR.", field="pay_currency")
    expires = values.get("expires")
    if remote:
        expires_at = _remote_expiry(expires)
    else:
        expires_at = _expiry(expires)
    return {
        "kind": kind, "name_map": title, "content_map": description,
        "content_format": "html" if remote else "text", "skills": skill_uris,
        "languages": check.choices(values.get("languages") or [], check.KNOWN_LANGUAGES, field="languages", max_items=10),
        "place_kind": place_kind,
        "place_name": check.text(values.get("place_name"), field="place_name", max_len=200),
        "city": check.text(values.get("city"), field="city", max_len=100),
        "country": country,
        "jurisdiction": jurisdiction(values.get("jurisdiction")),
        "starts_on": _starts_on(values.get("starts_on")),
        "duration": check.text(values.get("duration"), field="duration", max_len=100),
        "contract": _choice(values.get("contract"), CONTRACTS, field="contract"),
        "pay_amount": amount,
        "pay_currency": currency if amount is not None else "",
        "pay_period": _choice(values.get("pay_period"), PAY_PERIODS, field="pay_period") if amount is not None else "",
        "expires_at": expires_at,
    }


def _remote_expiry(value: Any) -> str:
    try:
        instant = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("Enter a date like 2026-12-01.", field="expires") from None
    instant = instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(timezone.utc).isoformat(timespec="seconds")


def editable_values(opportunity: Mapping[str, Any]) -> dict[str, Any]:
    """A stored opportunity in the shape `clean` takes (for partial updates)."""
    values = {key: opportunity[key] for key in EDITABLE if key in opportunity}
    return values | {"title": opportunity["name_map"], "description": opportunity["content_map"],
                     "expires": datetime.fromisoformat(opportunity["expires_at"])}


# who may do what


def can_post(store: Store, member: Mapping[str, Any] | None) -> bool:
    return members_may(store, member, "members_can_post_opportunities")


def can_manage(member: Mapping[str, Any] | None, opportunity: Mapping[str, Any]) -> bool:
    return ownership.may_manage(member, opportunity, "member_id")


def get(store: Store, uuid: str) -> dict[str, Any]:
    return ownership.live(store_mod.get_by_uuid(store, uuid),
                          missing=NotFound("No such opportunity."), gone=Gone("This opportunity was deleted."))


def _managed(store: Store, uuid: str, by: Mapping[str, Any] | None) -> dict[str, Any]:
    return ownership.managed(
        get(store, uuid), by, "member_id",
        not_local=PermissionDenied("Only the space that published this opportunity can change it."),
        not_allowed=PermissionDenied("Only who posted this opportunity and the space's admins can change it."))


# creating and changing


def create(store: Store, config: Config, values: Mapping[str, Any], skills: SkillIndex, *,
           by: Mapping[str, Any]) -> dict[str, Any]:
    """A member posts; answers reach them from other nodes, so their profile must exist there."""
    if not can_post(store, by):
        raise PermissionDenied("Only the space's admins can post opportunities here.")
    if by["visibility"] not in publication.NETWORK_VISIBILITIES:
        raise PermissionDenied("Show your profile to the network first: answers come to you from other spaces.")
    space = space_store.get(store)
    row = clean(values, skills)
    new_uuid = str(uuid_mod.uuid4())
    ap_id = f"{config.url}/opportunities/{new_uuid}"
    row |= {
        "uuid": new_uuid, "ap_id": ap_id, "url": ap_id, "origin": "local", "status": "open",
        "visibility": by["visibility"], "poster_id": local_actors.member_id(config, by["username"]),
        "poster_name": by["display_name"] or by["username"], "space_id": local_actors.space_id(config),
        "space_name": space["name"], "country_of_space": space["country"], "member_id": by["id"],
    }
    if row["place_kind"] == "this_space":
        row |= {"place_name": space["name"], "city": space["city"], "country": space["country"]}
    with store.transaction():
        found = store_mod.insert(store, row)
        _publish(store, config, "Create", found, skills)
    return found


def update(store: Store, config: Config, uuid: str, values: Mapping[str, Any], skills: SkillIndex, *,
           by: Mapping[str, Any] | None) -> dict[str, Any]:
    found = _managed(store, uuid, by)
    if found["status"] != "open":
        raise InvalidInput("This opportunity is closed.", field="status")
    row = clean(editable_values(found) | dict(values), skills)
    changes = {key: value for key, value in row.items() if found.get(key) != value}
    if not changes:
        return found
    with store.transaction():
        found = store_mod.update(store, found["id"], changes)
        _publish(store, config, "Update", found, skills)
    return found


def close(store: Store, config: Config, uuid: str, skills: SkillIndex, *, status: str = "withdrawn",
          by: Mapping[str, Any] | None) -> dict[str, Any]:
    """Filled or withdrawn: an Update every follower applies."""
    _choice(status, CLOSED, field="status", required=True)
    found = _managed(store, uuid, by)
    if found["status"] != "open":
        return found
    with store.transaction():
        found = store_mod.update(store, found["id"], {"status": status})
        _publish(store, config, "Update", found, skills)
    return found



_DUE = "origin = 'local' AND status = 'open' AND deleted_at IS NULL AND expires_at <= ?"


def expiry_due(store: Store) -> bool:
    """Whether an open opportunity of ours is past its expiry (the worker has something to do)."""
    return store_mod.count(store, _DUE, [now_iso()]) > 0


def expire_due(store: Store, config: Config, skills: SkillIndex) -> int:
    """Open local opportunities past their expiry become `expired`, announced with an Update."""
    due = store_mod.select(store, _DUE, [now_iso()], limit=500)
    for found in due:
        with store.transaction():
            _publish(store, config, "Update", store_mod.update(store, found["id"], {"status": "expired"}), skills)
    return len(due)


def _publish(store: Store, config: Config, kind: str, found: Mapping[str, Any], skills: SkillIndex) -> None:
    """Create/Update by the space to its followers; public ones also to the public collection."""
    space_id = local_actors.space_id(config)
    followers = f"{local_actors.collection_base(config, space_id)}/followers"
    obj = documents.to_ap(found, skills)
    obj.pop("@context")
    public = found["visibility"] == "public"
    activity = {"@context": documents.CONTEXT, "type": kind, "object": obj,
                "to": [outbox.PUBLIC] if public else [followers], "cc": [followers] if public else []}
    outbox.publish(store, config, activity, actor_id=space_id, recipients="followers")


# peers' opportunities


def remote_owner(found: Mapping[str, Any], actor_id: str) -> bool:
    """Who may change a peer's opportunity: the actor whose Create we stored, or its poster."""
    return found["origin"] != "local" and actor_id in (found["published_by"], found["poster_id"])


def save_remote(store: Store, parsed: Mapping[str, Any], skills: SkillIndex, *, origin: str,
                published_by: str) -> dict[str, Any] | None:
    """Store or update a peer's opportunity (read by `opportunity_documents.from_ap`); None if unchanged."""
    row = clean({key: parsed[key] for key in EDITABLE if key in parsed}, skills, remote=True)
    _choice(parsed["status"], STATUSES, field="status", required=True)
    row |= {key: parsed[key] for key in ("url", "status", "visibility", "poster_id", "poster_name", "space_id",
                                         "space_name", "country_of_space")}
    row["origin"] = origin
    existing = store_mod.get_by_ap_id(store, parsed["id"])
    with store.transaction():
        if existing is None:
            return store_mod.insert(store, row | {"uuid": str(uuid_mod.uuid4()), "ap_id": parsed["id"],
                                                  "published_by": published_by,
                                                  "published_at": parsed["published"] or now_iso()})
        if existing["deleted_at"]:
            return None
        changes = {key: value for key, value in row.items() if existing.get(key) != value}
        return store_mod.update(store, existing["id"], changes) if changes else None


def delete_remote(store: Store, ap_id: str, actor_id: str) -> bool:
    found = store_mod.get_by_ap_id(store, ap_id)
    if found is None or found["deleted_at"] or not remote_owner(found, actor_id):
        return False
    store_mod.update(store, found["id"], {"deleted_at": now_iso()})
    return True


# the board


@dataclass(frozen=True)
class BoardFilters:
    kind: str | None = None
    skills: frozenset[str] | None = None   # ESCO concepts (any of them)
    country: str | None = None              # the place, the poster's space or the jurisdiction's country
    jurisdiction: str | None = None
    remote: bool | None = None
    language: str | None = None
    space: str | None = None                # the poster's space actor id
    status: str = "open"
    page: int = 1


def parse_filters(query: Mapping[str, str], skills: SkillIndex) -> BoardFilters:
    """Board filters from query parameters: the HTML board, its Atom feed and the API share them."""
    found: dict[str, Any] = {}
    if query.get("kind"):
        found["kind"] = _choice(query["kind"], KINDS, field="kind")
    skill = (query.get("skill") or "").strip()
    if skill:
        found["skills"] = frozenset(skill_filter(skills, skill[:200]))
    if query.get("country"):
        code = query["country"].strip().upper()
        if code not in COUNTRIES:
            raise InvalidInput("Enter a two-letter country code like BE or FR.", field="country")
        found["country"] = code
    code = (query.get("jurisdiction") or "").strip().upper()
    if code:  # any well-formed code: one this node has never seen simply matches nothing
        if not _JURISDICTION.match(code):
            raise InvalidInput("Enter an ISO 3166 code like FR or BE-WAL.", field="jurisdiction")
        found["jurisdiction"] = code
    flag = (query.get("remote") or "").lower()
    if flag:
        if flag not in _TRUE + _FALSE:
            raise InvalidInput("Use yes or no.", field="remote")
        found["remote"] = flag in _TRUE
    if query.get("language"):
        found["language"] = _choice(query["language"], check.KNOWN_LANGUAGES, field="language")
    if query.get("space"):
        found["space"] = check.url(query["space"], field="space")
    if query.get("status"):
        found["status"] = _choice(query["status"], STATUSES, field="status")
    page = query.get("page") or "1"
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        raise InvalidInput("Pages are numbered from 1.", field="page")
    found["page"] = int(page)
    return BoardFilters(**found)


def _where(filters: BoardFilters, *, public_only: bool) -> tuple[str, list[Any]]:
    clauses, params = ["deleted_at IS NULL", "status = ?"], [filters.status]
    if filters.status == "open":
        clauses.append("expires_at > ?")
        params.append(now_iso())
    if public_only:
        clauses.append("visibility = 'public'")
    if filters.kind:
        clauses.append("kind = ?")
        params.append(filters.kind)
    if filters.skills:
        marks = ",".join("?" * len(filters.skills))
        clauses.append(f"EXISTS (SELECT 1 FROM json_each(opportunities.skills) WHERE value IN ({marks}))")
        params += sorted(filters.skills)
    if filters.country:
        clauses.append("(country = ? OR country_of_space = ? OR substr(jurisdiction, 1, 2) = ?)")
        params += [filters.country] * 3
    if filters.jurisdiction:
        clauses.append("(jurisdiction = ? OR jurisdiction LIKE ?)")
        params += [filters.jurisdiction, filters.jurisdiction + "-%"]
    if filters.remote is not None:
        clauses.append("place_kind = 'remote'" if filters.remote else "place_kind != 'remote'")
    if filters.language:
        clauses.append("EXISTS (SELECT 1 FROM json_each(opportunities.languages) WHERE value = ?)")
        params.append(filters.language)
    if filters.space:
        clauses.append("space_id = ?")
        params.append(filters.space)
    return " AND ".join(clauses), params


def board(store: Store, filters: BoardFilters, *, public_only: bool, per_page: int = PER_PAGE) -> tuple[list[dict[str, Any]], int]:
    """One page of the board, newest first, and the total."""
    where, params = _where(filters, public_only=public_only)
    items = store_mod.select(store, where, params, limit=per_page, offset=(filters.page - 1) * per_page)
    return items, store_mod.count(store, where, params)


def for_you(store: Store, member: Mapping[str, Any], country: str, *, limit: int = 10) -> list[dict[str, Any]]:
    """Open opportunities asking for skills the member offers (not their own), cross-border first,
    then the most skills in common, then the newest."""
    offered = set(member["skills_offered"])
    if not offered:
        return []
    found = [item for item in board(store, BoardFilters(skills=frozenset(offered)), public_only=False, per_page=200)[0]
             if item["member_id"] != member["id"] or item["origin"] != "local"]
    found.sort(key=lambda item: (not is_cross_border(item, country), -len(offered & set(item["skills"]))))
    return found[:limit]


def is_cross_border(found: Mapping[str, Any], country: str) -> bool:
    """Posted from (or taking place in) another country than the reader's space."""
    places = {c for c in (found["country_of_space"], found["country"]) if c}
    return bool(country) and any(c != country for c in places)


def who_could_answer(store: Store, skills: SkillIndex, found: Mapping[str, Any], *, lang: str, country: str,
                     limit: int = 5) -> list[dict[str, Any]]:
    """For a request for help: people of the catalogue (this space and the ones it follows) who offer
    what it asks, across the border first; the catalogue's consent rules apply (members see network profiles)."""
    if found["kind"] != "request" or not found["skills"]:
        return []
    rows, _total = catalogue_store.offering(store, found["skills"], exact=found["skills"], public_only=False, limit=limit,
                                            exclude_actor=found["poster_id"], abroad_from=country)
    return [card(row, skills, lang, country, set(found["skills"])) for row in rows]


def local_counts(store: Store) -> dict[str, int]:
    """The space's own opportunities by status (the admin dashboard)."""
    rows = store.db.execute("SELECT status, count(*) FROM opportunities WHERE origin = 'local' AND deleted_at IS NULL "
                            "GROUP BY status").fetchall()
    return dict.fromkeys(STATUSES, 0) | {status: n for status, n in rows}


def mine(store: Store, member: Mapping[str, Any]) -> list[dict[str, Any]]:
    return store_mod.select(store, "origin = 'local' AND member_id = ? AND deleted_at IS NULL", [member["id"]], limit=200)


_TEXT_MAP = {"type": "object", "propertyNames": {"enum": list(check.KNOWN_LANGUAGES)}, "additionalProperties": {"type": "string"}}
# The JSON Schema of `public_view`, for the OpenAPI description (`node/openapi.py`).
PUBLIC_VIEW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["uuid", "id", "url", "origin", "kind", "title", "status", "expires", "poster", "space", "skills"],
    "properties": {
        "uuid": {"type": "string", "format": "uuid", "description": "This node's id: its page is /opportunities/{uuid}."},
        "id": {"type": "string", "format": "uri", "description": "The ActivityPub id (at the origin)."},
        "url": {"type": "string", "format": "uri"},
        "origin": {"type": "string", "description": "`local`, or the origin (https://host) that published it."},
        "kind": {"enum": list(KINDS)},
        "title": _TEXT_MAP,
        "description": _TEXT_MAP,
        "description_format": {"enum": ["text", "html"]},
        "skills": {"type": "array", "items": {"type": "string", "format": "uri"}, "description": "ESCO concepts."},
        "languages": {"type": "array", "items": {"enum": list(check.KNOWN_LANGUAGES)}},
        "place": {"type": "object", "properties": {
            "place_kind": {"enum": list(PLACE_KINDS)}, "place_name": {"type": "string"}, "city": {"type": "string"},
            "country": {"type": "string", "pattern": "^([A-Z]{2})?$"}}},
        "jurisdiction": {"type": ["string", "null"], "pattern": "^[A-Z]{2}(-[A-Z0-9]{1,3})?$"},
        "starts_on": {"type": ["string", "null"], "format": "date"},
        "duration": {"type": ["string", "null"]},
        "contract": {"enum": [*CONTRACTS, None]},
        "pay": {"type": ["object", "null"], "properties": {
            "amount": {"type": "number"}, "currency": {"type": "string"}, "period": {"enum": list(PAY_PERIODS)}}},
        "expires": {"type": "string", "format": "date-time"},
        "status": {"enum": list(STATUSES)},
        "poster": {"type": "object", "properties": {"id": {"type": "string", "format": "uri"}, "name": {"type": "string"}}},
        "space": {"type": "object", "properties": {"id": {"type": "string", "format": "uri"}, "name": {"type": "string"},
                                                   "country": {"type": "string"}}},
        "updated": {"type": "string", "format": "date-time"},
    },
}


def public_view(found: Mapping[str, Any]) -> dict[str, Any]:
    """What the JSON API and `--json` say about an opportunity (never who answered)."""
    pay = ({"amount": found["pay_amount"], "currency": found["pay_currency"], "period": found["pay_period"] or None}
           if found["pay_amount"] is not None else None)
    return {
        "uuid": found["uuid"], "id": found["ap_id"], "url": found["url"], "origin": found["origin"],
        "kind": found["kind"], "title": found["name_map"], "description": found["content_map"],
        "description_format": found["content_format"], "skills": found["skills"], "languages": found["languages"],
        "place": {key: found[key] for key in ("place_kind", "place_name", "city", "country")},
        "jurisdiction": found["jurisdiction"] or None, "starts_on": found["starts_on"] or None,
        "duration": found["duration"] or None, "contract": found["contract"] or None, "pay": pay,
        "expires": found["expires_at"], "status": found["status"],
        "poster": {"id": found["poster_id"], "name": found["poster_name"]},
        "space": {"id": found["space_id"], "name": found["space_name"], "country": found["country_of_space"]},
        "updated": found["updated_at"],
    }
