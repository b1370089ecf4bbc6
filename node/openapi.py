"""The OpenAPI 3.1 description of the JSON API, served at `/api/openapi.json`.

Kept next to the code it describes; `tests/test_api.py` checks real answers
against these schemas, so the description cannot drift silently.
"""

from __future__ import annotations

from typing import Any

from node.services import catalogue as catalogue_service
from node.services import events as events_service
from node.services.fields import KNOWN_LANGUAGES
from node.services.profiles import MAX_PAGE, MAX_PER_PAGE, OPEN_TO
from node.services.space import AMENITIES, DAYS, KINDS

_LANGUAGE_MAP = {"type": "object", "propertyNames": {"enum": list(KNOWN_LANGUAGES)}, "additionalProperties": {"type": "string"}}
_NULLABLE_NUMBER = {"type": ["number", "null"], "minimum": 0}
_LANG_PARAM = {
    "name": "lang",
    "in": "query",
    "description": "Language of `description`, `bio` and skill labels; defaults to the request's language (Accept-Language).",
    "schema": {"type": "string", "enum": list(KNOWN_LANGUAGES)},
}

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

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "status"],
    "properties": {
        "error": {"type": "string", "description": "What was wrong, in the request's language."},
        "status": {"type": "integer"},
        "field": {"type": "string", "description": "The parameter at fault, when there is one."},
    },
}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _json_content(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def openapi_document(base_url: str) -> dict[str, Any]:
    bad_request = {"description": "A parameter is out of range or unknown.", "content": _json_content("Error")}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Coffee node API",
            "version": "1",
            "description": "Public, read-only data of one coworking space of the Coffee network. See docs/api.md.",
        },
        "servers": [{"url": base_url}],
        "paths": {
            "/api/space": {
                "get": {
                    "operationId": "getSpace",
                    "summary": "The space's public profile (what its home page shows).",
                    "parameters": [_LANG_PARAM],
                    "responses": {
                        "200": {"description": "The space.", "content": _json_content("Space")},
                        "400": bad_request,
                    },
                }
            },
            "/api/members": {
                "get": {
                    "operationId": "listMembers",
                    "summary": "Members who made their profile public, by name, filtered and paged.",
                    "parameters": [
                        _query("q", "Words of a name, username or organisation (case and accents ignored).",
                               {"type": "string", "maxLength": 100}),
                        _query("skill", "An ESCO skill URI, or a skill label in any language; also matches free-text tags.",
                               {"type": "string", "maxLength": 500}),
                        _query("language", "Members who speak this language.", {"type": "string", "enum": list(KNOWN_LANGUAGES)}),
                        _query("open_to", "Members open to this.", {"type": "string", "enum": list(OPEN_TO)}),
                        _query("page", "Page number.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
                        _query("per_page", "Members per page.", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 24}),
                        _LANG_PARAM,
                    ],
                    "responses": {
                        "200": {"description": "One page of members.", "content": _json_content("MembersPage")},
                        "400": bad_request,
                    },
                }
            },
            "/api/events": {
                "get": {
                    "operationId": "listEvents",
                    "summary": "The network agenda: events this node knows (its own and its peers'), soonest first.",
                    "parameters": [
                        _query("from", "Events still going on from this day (YYYY-MM-DD, in the space's zone); "
                               "without `from` and `to`, upcoming events.", {"type": "string", "format": "date"}),
                        _query("to", "Events starting on or before this day.", {"type": "string", "format": "date"}),
                        _query("space", "Events organised or co-hosted by this space (its actor id).",
                               {"type": "string", "format": "uri"}),
                        _query("country", "Events held in, or organised by a space of, this country (ISO 3166-1 alpha-2).",
                               {"type": "string", "pattern": "^[A-Za-z]{2}$"}),
                        _query("category", "FEP-8a8e category.", {"type": "string", "enum": list(events_service.CATEGORIES)}),
                        _query("language", "Events held in this language.", {"type": "string", "enum": list(KNOWN_LANGUAGES)}),
                        _query("cross_border", "Only cross-border events (yes), or only the others (no).",
                               {"type": "string", "enum": ["yes", "no", "true", "false", "1", "0"]}),
                        _query("status", "Only events with this status.", {"type": "string", "enum": list(events_service.STATUSES)}),
                        _query("page", "Page number (20 events a page).",
                               {"type": "integer", "minimum": 1, "maximum": events_service.MAX_PAGE, "default": 1}),
                    ],
                    "responses": {
                        "200": {"description": "One page of events.", "content": _json_content("EventsPage")},
                        "400": bad_request,
                    },
                }
            },
            "/api/catalogue": {
                "get": {
                    "operationId": "searchCatalogue",
                    "summary": "The network catalogue: public people of this space and of the spaces it follows, best match first.",
                    "parameters": [
                        _query("q", "A skill in any language (an ESCO label: `webprogrammering` finds `programmation web`), "
                               "or words of a name, organisation, bio or tag.", {"type": "string", "maxLength": catalogue_service.MAX_QUERY}),
                        _query("skill", "People offering this skill: an ESCO URI this node knows, or an ESCO label in any language.",
                               {"type": "string", "maxLength": 500}),
                        _query("language", "People who speak this language.", {"type": "string", "pattern": "^[a-z]{2,3}$"}),
                        _query("country", "People of this country (ISO 3166-1 alpha-2).", {"type": "string", "pattern": "^[A-Za-z]{2}$"}),
                        _query("city", "People of this city.", {"type": "string", "maxLength": 80}),
                        _query("space", "People of this space (its actor id).", {"type": "string", "format": "uri"}),
                        _query("open_to", "People open to this.", {"type": "string", "enum": list(OPEN_TO)}),
                        _query("cross_border", "Only people of another country than this node's.",
                               {"type": "string", "enum": ["1", "0", "true", "false", "on", "off"]}),
                        _query("widen", "Also the skills of the same ESCO group, ranked after exact ones.",
                               {"type": "string", "enum": ["1", "0", "true", "false", "on", "off"]}),
                        _query("page", "Page number.", {"type": "integer", "minimum": 1, "maximum": catalogue_service.MAX_PAGE, "default": 1}),
                        _query("per_page", "People per page.", {"type": "integer", "minimum": 1,
                               "maximum": catalogue_service.MAX_PER_PAGE, "default": catalogue_service.DEFAULT_PER_PAGE}),
                        _LANG_PARAM,
                    ],
                    "responses": {
                        "200": {"description": "One page of people, with facets.", "content": _json_content("CataloguePage")},
                        "400": bad_request,
                    },
                }
            },
            "/api/matches/{username}": {
                "get": {
                    "operationId": "memberMatches",
                    "summary": "For each skill a public member of this space seeks: who offers it in the network.",
                    "parameters": [
                        {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}},
                        _query("cross_border_first", "List people of other countries first (default 1).",
                               {"type": "string", "enum": ["1", "0", "true", "false", "on", "off"]}),
                        _query("widen", "Also people offering a skill of the same ESCO group, after exact matches.",
                               {"type": "string", "enum": ["1", "0", "true", "false", "on", "off"]}),
                        _LANG_PARAM,
                    ],
                    "responses": {
                        "200": {"description": "The member's needs and who can help.", "content": _json_content("Matches")},
                        "400": bad_request,
                        "404": {"description": "No public member of this space has this name.", "content": _json_content("Error")},
                    },
                }
            },
        },
        "components": {
            "schemas": {"Space": SPACE_SCHEMA, "Member": MEMBER_SCHEMA, "MembersPage": MEMBERS_PAGE_SCHEMA, "Error": ERROR_SCHEMA,
                        "Event": events_service.PUBLIC_VIEW_SCHEMA, "EventsPage": EVENTS_PAGE_SCHEMA,
                        "CatalogueEntry": catalogue_service.CARD_SCHEMA, "CataloguePage": catalogue_service.PAGE_SCHEMA,
                        "Matches": catalogue_service.MATCHES_SCHEMA}
        },
    }
