"""The OpenAPI 3.1 description of the JSON API, served at `/api/openapi.json`.

Kept next to the code it describes; `tests/test_api.py` checks real answers
against these schemas, so the description cannot drift silently.
"""

from __future__ import annotations

from typing import Any

from node.services import catalogue as catalogue_service
from node.services import events as events_service
from node.services import opportunities as opportunities_service
from node.services import profiles
from node.services.indicators import api as indicators_api
from node.services.fields import KNOWN_LANGUAGES
from node.services.profiles import MAX_PAGE, MAX_PER_PAGE, OPEN_TO
from node.services.space import AMENITIES, COUNTRIES, DAYS, KINDS

_LANGUAGE_MAP = {"type": "object", "propertyNames": {"enum": list(KNOWN_LANGUAGES)}, "additionalProperties": {"type": "string"}}
_NULLABLE_NUMBER = {"type": ["number", "null"], "minimum": 0}

SPACE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["slug", "name", "kind", "country", "url", "languages", "opening_hours", "amenities", "currency"],
    "properties": {
        "url": {"type": "string", "format": "uri", "description": "The space's home page and ActivityPub actor id."},
        "slug": {"type": "string"},
        "name": {"type": "string", "maxLength": 120},
        "kind": {"enum": list(KINDS)},
        "description": {"type": "string", "description": "`description_map` in the requested language (else English, else any)."},
        "description_map": _LANGUAGE_MAP,
        "street": {"type": "string"},
        "postal_code": {"type": "string"},
        "city": {"type": "string"},
        "region": {"type": "string"},
        "country": {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2"},
        "latitude": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "longitude": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
        "website": {"type": "string", "description": "An http(s) URL, or empty."},
        "email": {"type": "string"},
        "phone": {"type": "string"},
        "opening_hours": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["days", "opens", "closes"],
                "properties": {
                    "days": {"type": "string", "description": f"Day codes {', '.join(DAYS)} as ranges and lists, e.g. `Mo-Fr` or `Mo-We,Fr`."},
                    "opens": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
                    "closes": {"type": "string", "pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"},
                },
            },
        },
        "amenities": {"type": "array", "items": {"enum": list(AMENITIES)}},
        "price_hour": _NULLABLE_NUMBER,
        "price_day": _NULLABLE_NUMBER,
        "price_month": _NULLABLE_NUMBER,
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217"},
        "welcomes_network": {"type": "boolean", "description": "Whether members of the network's other spaces may come and work here."},
        "network_terms": {"type": "string"},
        "network_terms_map": _LANGUAGE_MAP,
        "languages": {"type": "array", "items": {"enum": list(KNOWN_LANGUAGES)}},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}

_SKILL = {
    "type": "object",
    "required": ["uri", "label"],
    "properties": {
        "uri": {"type": "string", "format": "uri", "description": "ESCO concept URI."},
        "label": {"type": "string", "description": "ESCO preferred label in the requested language."},
    },
}

MEMBER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["username", "display_name", "profile_url", "skills_offered", "skills_sought"],
    "properties": {
        "username": {"type": "string"},
        "display_name": {"type": "string"},
        "bio": {"type": "string"},
        "bio_map": _LANGUAGE_MAP,
        "organisation": {"type": "string"},
        "city": {"type": "string"},
        "skills_offered": {"type": "array", "items": _SKILL, "maxItems": 30},
        "skills_sought": {"type": "array", "items": _SKILL, "maxItems": 30},
        "professions": {"type": "array", "items": _SKILL, "maxItems": 5,
                        "description": "ESCO occupations, labelled in the form (masculine, feminine, both) the member chose."},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 40}, "maxItems": 20},
        "languages": {"type": "array", "items": {"enum": list(KNOWN_LANGUAGES)}},
        "open_to": {"type": "array", "items": {"enum": list(OPEN_TO)}},
        "links": {"type": "array", "items": {"type": "string", "format": "uri"}, "maxItems": 5},
        "avatar_url": {"type": ["string", "null"], "format": "uri"},
        "profile_url": {"type": "string", "format": "uri"},
    },
}

MEMBERS_PAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["total", "page", "per_page", "next", "members"],
    "properties": {
        "total": {"type": "integer", "minimum": 0, "description": "Matching members on every page."},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "next": {"type": ["string", "null"], "format": "uri", "description": "The next page, or null on the last."},
        "members": {"type": "array", "items": {"$ref": "#/components/schemas/Member"}},
    },
}

EVENTS_PAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["total", "page", "per_page", "pages", "next", "events"],
    "properties": {
        "total": {"type": "integer", "minimum": 0, "description": "Matching events on every page."},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 1},
        "next": {"type": ["string", "null"], "format": "uri", "description": "The next page, or null on the last."},
        "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
    },
}

OPPORTUNITIES_PAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["total", "page", "per_page", "pages", "next", "opportunities"],
    "properties": {
        "total": {"type": "integer", "minimum": 0, "description": "Matching opportunities on every page."},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 1},
        "next": {"type": ["string", "null"], "format": "uri", "description": "The next page, or null on the last."},
        "opportunities": {"type": "array", "items": {"allOf": [
            {"$ref": "#/components/schemas/Opportunity"},
            {"type": "object", "required": ["cross_border"], "properties": {"cross_border": {
                "type": "boolean", "description": "Posted from, or taking place in, another country than this node's."}}},
        ]}},
    },
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "status"],
    "properties": {
        "error": {"type": "string", "description": "What was wrong, in the request's language."},
        "status": {"type": "integer"},
        "field": {"type": "string", "description": "The parameter at fault, when there is one."},
    },
}


# The real rules of the query parameters. Every one is optional, and an empty value (`?q=`) is the
# same as leaving it out: that is how HTML forms send an untouched field.
ABSENT = "An empty value is the same as leaving the parameter out."
_NO_CONTROL = {"type": "string", "pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"}
_TEXT_RULE = "Any characters but control characters (tabs and line breaks count as spaces); spaces around are ignored."
_SKILL_RULE = ("Resolved against ESCO (the European skills classification): an ESCO skill or occupation URI this node "
               "knows, or an ESCO preferred or alternative label in fr, nl, en, de or es, case and accents ignored. "
               "A value that names no ESCO concept is refused (400, `field: skill`).")
_COUNTRY_RULE = "An ISO 3166-1 alpha-2 country code (case ignored)"
_DAY = {"type": "string", "format": "date", "pattern": "^(19[0-9]{2}|2[0-9]{3})-[0-9]{2}-[0-9]{2}$"}
_DAY_RULE = (f"A day, YYYY-MM-DD, from {events_service.FIRST_DAY.isoformat()} to {events_service.LAST_DAY.isoformat()} "
             "(others are refused with 400)")
# What `fields.url` accepts: http(s), a host, no credentials, no spaces or control characters.
_HTTP_URL = {"type": "string", "maxLength": 500,
             "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@:\\[\\] \\x00-\\x1f\\x7f][^/?#@\\[\\] \\x00-\\x1f\\x7f]*"
                        "([/?#][^ \\x00-\\x1f\\x7f]*)?$"}
_FLAG = {"type": "string", "enum": ["1", "0", "true", "false", "on", "off"]}
_EMPTY = {"type": "string", "maxLength": 0}


def _or_empty(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema`, or the empty string (absent): the description says so instead of pretending."""
    if "enum" in schema:
        return schema | {"enum": [*schema["enum"], ""]}
    return {"anyOf": [schema, _EMPTY]}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": f"{description} {ABSENT}",
            "schema": _or_empty(schema)}


def _page(maximum: int, description: str = "Page number.") -> dict[str, Any]:
    return _query("page", f"{description} A whole number from 1 to {maximum}.",
                  {"type": "integer", "minimum": 1, "maximum": maximum, "default": 1})


_LANG_PARAM = _query("lang", "Language of texts and skill labels; defaults to the request's language (Accept-Language).",
                     {"type": "string", "enum": list(KNOWN_LANGUAGES)})


def _json_content(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _get(operation_id: str, summary: str, parameters: list[dict[str, Any]], ok: str, ref: str,
         **more: dict[str, Any]) -> dict[str, Any]:
    """A read-only operation: its answer, a 400 for any refused parameter, and whatever else it may say."""
    bad_request = {"description": "A parameter breaks its rule, or the request could not be read (a URL over "
                                  "8190 bytes); `field` names the parameter when there is one.",
                   "content": _json_content("Error")}
    responses = {"200": {"description": ok, "content": _json_content(ref)}, "400": bad_request}
    return {"get": {"operationId": operation_id, "summary": summary, "parameters": parameters,
                    "responses": responses | more}}


def openapi_document(base_url: str) -> dict[str, Any]:
    countries = sorted(COUNTRIES)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Coffee node API",
            "version": "1",
            "description": "Public, read-only data of one coworking space of the Coffee network (GET and HEAD only: "
                           "other methods answer 405 with `Allow`). See docs/api.md.",
        },
        "servers": [{"url": base_url}],
        "paths": {
            "/api/space": _get("getSpace", "The space's public profile (what its home page shows).",
                               [_LANG_PARAM], "The space.", "Space"),
            "/api/members": _get(
                "listMembers", "Members who made their profile public, by name, filtered and paged.",
                [
                    _query("q", f"Words of a name, username or organisation (case and accents ignored). {_TEXT_RULE}",
                           _NO_CONTROL | {"maxLength": profiles.MAX_QUERY}),
                    _query("skill", f"Members offering this skill; a label also matches free-text tags. {_SKILL_RULE}",
                           {"type": "string", "maxLength": 500}),
                    _query("language", "Members who speak this language.", {"type": "string", "enum": list(KNOWN_LANGUAGES)}),
                    _query("open_to", "Members open to this.", {"type": "string", "enum": list(OPEN_TO)}),
                    _page(MAX_PAGE),
                    _query("per_page", f"Members per page, 1 to {MAX_PER_PAGE}.",
                           {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 24}),
                    _LANG_PARAM,
                ],
                "One page of members.", "MembersPage"),
            "/api/events": _get(
                "listEvents", "The network agenda: events this node knows (its own and its peers'), soonest first.",
                [
                    _query("from", f"Events still going on from this day, in the space's zone. {_DAY_RULE}; "
                           "without `from` and `to`, upcoming events.", _DAY),
                    _query("to", f"Events starting on or before this day. {_DAY_RULE}; not before `from`.", _DAY),
                    _query("space", "Events organised or co-hosted by this space: its actor id, an http(s) URL.", _HTTP_URL),
                    _query("country", f"Events held in, or organised by a space of, this country. {_COUNTRY_RULE}.",
                           {"type": "string", "enum": countries}),
                    _query("category", "FEP-8a8e category (case ignored).",
                           {"type": "string", "enum": list(events_service.CATEGORIES)}),
                    _query("language", "Events held in this language.", {"type": "string", "enum": list(KNOWN_LANGUAGES)}),
                    _query("cross_border", "Only cross-border events (yes), or only the others (no); case ignored.",
                           {"type": "string", "enum": ["yes", "no", "true", "false", "1", "0", "on", "off"]}),
                    _query("status", "Only events with this status.", {"type": "string", "enum": list(events_service.STATUSES)}),
                    _page(events_service.MAX_PAGE, "Page number (20 events a page)."),
                ],
                "One page of events.", "EventsPage"),
            "/api/opportunities": _get(
                "listOpportunities",
                "The network board: open public opportunities this node knows (its own and its peers'), newest first. "
                "Answers and partnerships are never part of it.",
                [
                    _query("kind", "Only this kind.", {"type": "string", "enum": list(opportunities_service.KINDS)}),
                    _query("skill", f"Opportunities asking for this skill. {_SKILL_RULE}", {"type": "string", "maxLength": 200}),
                    _query("country", f"Taking place in, posted from, or under the rules of this country. {_COUNTRY_RULE}.",
                           {"type": "string", "enum": countries}),
                    _query("jurisdiction", "Under the rules of this ISO 3166 code or one of its subdivisions "
                           "(FR, BE, BE-WAL; case ignored).", {"type": "string", "pattern": "^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$"}),
                    _query("remote", "Only remote ones (yes), or only the others (no); case ignored.",
                           {"type": "string", "enum": ["yes", "no", "true", "false", "1", "0", "on", "off"]}),
                    _query("language", "Asking for this language.", {"type": "string", "enum": list(KNOWN_LANGUAGES)}),
                    _query("space", "Posted by a member of this space: its actor id, an http(s) URL.", _HTTP_URL),
                    _query("status", "Status (default: open and not expired).",
                           {"type": "string", "enum": list(opportunities_service.STATUSES)}),
                    _page(opportunities_service.MAX_PAGE, "Page number (20 a page)."),
                ],
                "One page of opportunities.", "OpportunitiesPage"),
            "/api/catalogue": _get(
                "searchCatalogue",
                "The network catalogue: public people of this space and of the spaces it follows, best match first.",
                [
                    _query("q", "A skill in any language (an ESCO label: `webprogrammering` finds `programmation web`), "
                           "or words of a name, organisation, bio or tag; spaces around are ignored.",
                           {"type": "string", "maxLength": catalogue_service.MAX_QUERY}),
                    _query("skill", f"People offering this skill. {_SKILL_RULE}", {"type": "string", "maxLength": 500}),
                    _query("language", "People who speak this language: a code of 2 or 3 lower-case letters.",
                           {"type": "string", "pattern": "^[a-z]{2,3}$"}),
                    _query("country", "People of this country: two letters, case ignored (an unknown code matches nobody).",
                           {"type": "string", "pattern": "^[A-Za-z]{2}$"}),
                    _query("city", "People of this city (case ignored).", {"type": "string", "maxLength": 80}),
                    _query("space", "People of this space: its actor id, starting with http:// or https://.",
                           {"type": "string", "maxLength": 500, "pattern": "^https?://"}),
                    _query("open_to", "People open to this.", {"type": "string", "enum": list(OPEN_TO)}),
                    _query("cross_border", "Only people of another country than this node's.", _FLAG),
                    _query("widen", "Also the skills of the same ESCO group, ranked after exact ones.", _FLAG),
                    _page(catalogue_service.MAX_PAGE),
                    _query("per_page", f"People per page, 1 to {catalogue_service.MAX_PER_PAGE}.",
                           {"type": "integer", "minimum": 1, "maximum": catalogue_service.MAX_PER_PAGE,
                            "default": catalogue_service.DEFAULT_PER_PAGE}),
                    _LANG_PARAM,
                ],
                "One page of people, with facets.", "CataloguePage"),
            "/api/matches/{username}": _get(
                "memberMatches", "For each skill a public member of this space seeks: who offers it in the network.",
                [
                    {"name": "username", "in": "path", "required": True, "schema": {"type": "string"},
                     "description": "The member's username (case ignored)."},
                    _query("cross_border_first", "List people of other countries first (default 1).", _FLAG),
                    _query("widen", "Also people offering a skill of the same ESCO group, after exact matches.", _FLAG),
                    _LANG_PARAM,
                ],
                "The member's needs and who can help.", "Matches",
                **{"404": {"description": "No public member of this space has this name.", "content": _json_content("Error")}}),
            "/api/indicators": _get(
                "indicators",
                "The space's indicators (aggregates only), and with `network` the network's: each space's own "
                "published figures, its status and date, and the sums.",
                [
                    _query("from", "First month, YYYY-MM.", {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"}),
                    _query("to", "Last month, YYYY-MM (before `from`: an empty period, all zeros).",
                           {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"}),
                    _query("network", "Also read and add up the network's spaces (case ignored).",
                           {"type": "string", "enum": ["true", "false", "1", "0", "yes", "no"]}),
                ],
                "The indicators.", "Indicators"),
        },
        "components": {
            "schemas": {"Space": SPACE_SCHEMA, "Member": MEMBER_SCHEMA, "MembersPage": MEMBERS_PAGE_SCHEMA, "Error": ERROR_SCHEMA,
                        "Event": events_service.PUBLIC_VIEW_SCHEMA, "EventsPage": EVENTS_PAGE_SCHEMA,
                        "Opportunity": opportunities_service.PUBLIC_VIEW_SCHEMA,
                        "OpportunitiesPage": OPPORTUNITIES_PAGE_SCHEMA,
                        "CatalogueEntry": catalogue_service.CARD_SCHEMA, "CataloguePage": catalogue_service.PAGE_SCHEMA,
                        "Matches": catalogue_service.MATCHES_SCHEMA, "Indicators": indicators_api.SCHEMA}
        },
    }
