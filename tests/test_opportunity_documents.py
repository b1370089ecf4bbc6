"""Opportunity and partnership documents: JSON Schema, JSON-LD expansion (no term dropped), reading back."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from federation.jsonld import expand
from node.services import opportunities as op
from node.services import opportunity_documents as docs
from schemas import SCHEMAS_DIR
from tests.test_events import CONFIG, make_store
from tests.test_opportunities import GRAPHIC_DESIGN, SKILLS, poster

AS = "http://www.w3.org/ns/activitystreams#"  # the vendored AS2 context spells it with http
SCHEMA = "http://schema.org#"
COFFEE = "https://coffee.coop/ns#"


def schema(name: str) -> dict[str, Any]:
    found = json.loads((SCHEMAS_DIR / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(found)
    return found


def validate(doc: dict[str, Any], name: str) -> None:
    jsonschema.Draft202012Validator(schema(name), format_checker=jsonschema.FormatChecker()).validate(doc)


def full() -> dict[str, Any]:
    store = make_store()
    return op.create(store, CONFIG, {
        "kind": "job", "title": {"fr": "Graphiste", "nl": "Grafisch ontwerper"}, "description": {"fr": "Ligne 1\n\nLigne 2"},
        "skills": [GRAPHIC_DESIGN], "languages": ["fr", "nl"], "place_kind": "address", "city": "Mons", "country": "BE",
        "jurisdiction": "BE-WAL", "starts_on": "2027-01-04", "duration": "6 mois", "contract": "cdd", "pay_amount": "2500",
        "pay_currency": "eur", "pay_period": "month",
    }, SKILLS, by=poster(store))


def test_our_opportunity_validates_and_reads_as_a_post() -> None:
    found = full()
    doc = docs.to_ap(found, SKILLS)
    validate(doc, "opportunity.schema.json")
    assert (doc["type"], doc["name"], doc["url"]) == ("Page", "Graphiste", found["ap_id"])
    assert doc["tag"] == [{"type": "Hashtag", "name": "#ConceptionGraphique",
                           "href": "https://esco.test/opportunities?skill=http%3A%2F%2Fdata.europa.eu%2Fesco%2Fskill%2F7fb699d9-182a-430e-b7a0-6d8ed05c284b"}]
    assert doc["content"].startswith("<p>Ligne 1</p><p>Ligne 2</p>") and "#ConceptionGraphique" in doc["content"]
    assert "conception graphique" in doc["summary"] and "Mons" in doc["summary"]
    assert doc["baseSalary"] == {"type": "MonetaryAmount", "value": 2500.0, "currency": "EUR", "unitText": "month"}
    for key, bad in (("opportunityKind", "gig"), ("jurisdiction", "be-wal"), ("skills", ["https://evil.example/x"])):
        with pytest.raises(jsonschema.ValidationError):
            validate(doc | {key: bad}, "opportunity.schema.json")


def test_expansion_keeps_every_term() -> None:
    doc = docs.to_ap(full(), SKILLS)
    [node] = expand(doc)
    assert node["@type"] == [AS + "Page"]
    expected = {
        "name": AS + "name", "content": AS + "content", "summary": AS + "summary", "url": AS + "url",
        "attributedTo": AS + "attributedTo", "tag": AS + "tag", "location": AS + "location", "published": AS + "published",
        "skills": SCHEMA + "skills", "employmentType": SCHEMA + "employmentType", "baseSalary": SCHEMA + "baseSalary",
        "validThrough": SCHEMA + "validThrough", "jobStartDate": SCHEMA + "jobStartDate",
        "hiringOrganization": SCHEMA + "hiringOrganization", "opportunityKind": COFFEE + "opportunityKind",
        "opportunityStatus": COFFEE + "opportunityStatus", "jurisdiction": COFFEE + "jurisdiction",
        "requiredLanguages": COFFEE + "requiredLanguages", "workDuration": COFFEE + "workDuration",
        "country": COFFEE + "country", "visibility": COFFEE + "visibility",
    }
    for key, iri in expected.items():
        assert key in doc and iri in node, key
    assert node[SCHEMA + "skills"] == [{"@id": GRAPHIC_DESIGN}]
    [salary] = node[SCHEMA + "baseSalary"]
    assert salary["@type"] == [SCHEMA + "MonetaryAmount"] and SCHEMA + "currency" in salary and SCHEMA + "unitText" in salary
    # Nothing we emit is dropped: every key but @context expands to an IRI.
    emitted = {key for key in doc if key not in ("@context", "id", "type", "nameMap", "contentMap", "mediaType", "to", "cc", "updated")}
    assert emitted <= set(expected) | {"jobLocationType"}


def test_our_document_reads_back() -> None:
    found = full()
    read = docs.from_ap(docs.to_ap(found, SKILLS), default_language="fr")
    values = {key: read[key] for key in op.EDITABLE if key in read}
    cleaned = op.clean(values, SKILLS, remote=True)
    assert (cleaned["kind"], cleaned["skills"], cleaned["jurisdiction"], cleaned["contract"], cleaned["pay_amount"]) == (
        "job", [GRAPHIC_DESIGN], "BE-WAL", "cdd", 2500.0)
    assert cleaned["name_map"] == {"fr": "Graphiste", "nl": "Grafisch ontwerper"} and cleaned["expires_at"] == found["expires_at"]
    assert (read["poster_id"], read["space_id"], read["visibility"], read["status"]) == (
        "https://esco.test/@nadia", "https://esco.test/", "public", "open")


def test_partnership_offer_validates_and_expands() -> None:
    partnership = {"ap_id": "https://esco.test/opportunities/x/partnerships/1", "proposer_id": "https://esco.test/@nadia",
                   "partner_id": "https://lille.test/@louise", "kind": "mission",
                   "opportunity_ap_id": "https://esco.test/opportunities/x", "created_at": "2026-12-04T10:00:00+00:00"}
    obj = docs.partnership_to_ap(partnership, "https://lille.test/answers/1")
    offer = {"@context": docs.CONTEXT, "id": "https://esco.test/activities/1", "type": "Offer", "actor": partnership["proposer_id"],
             "object": obj, "target": partnership["partner_id"], "to": [partnership["partner_id"]],
             "published": "2026-12-04T10:00:00Z"}
    validate(offer, "partnership.schema.json")
    [node] = expand(offer)
    [inner] = node[AS + "object"]
    assert inner["@type"] == [COFFEE + "Partnership"]
    for iri in (COFFEE + "partners", COFFEE + "partnershipKind", COFFEE + "fromOpportunity", AS + "inReplyTo", AS + "attributedTo"):
        assert iri in inner, iri
    assert inner[COFFEE + "partners"] == [{"@id": partnership["proposer_id"]}, {"@id": partnership["partner_id"]}]
