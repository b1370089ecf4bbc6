"""JSON-LD: our emitted shape, the offline loader, and inbound documents read by meaning, not spelling."""

from __future__ import annotations

import hashlib
import json
import socket
import uuid

import pytest

from federation import jsonld
from federation.errors import MalformedError
from federation.jsonld import AS2_URL, COFFEE_CONTEXT, PUBLIC, SECURITY_URL, expand, normalise
from schemas import SCHEMAS_DIR

AS = "http://www.w3.org/ns/activitystreams#"
SCHEMA = "http://schema.org#"
ESCO_SKILL = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"

# Vendored W3C contexts must stay byte-identical to upstream (see schemas/README.md).
VENDORED_SHA256 = {
    "activitystreams.jsonld": "5c7c33be1a648f7b6afc9b5e12083aa98dc85b22061d5581d76b78e641388264",
    "security-v1.jsonld": "81cddeb3cd7208c20eb6259c26209249ae7b0908ebe635d91738bfe671782574",
}


def coffee_actor() -> dict:
    """The kind of actor our node emits: AS2 + security + our inline terms."""
    return {
        "@context": COFFEE_CONTEXT,
        "id": "https://lille.example/@alice",
        "type": "Person",
        "preferredUsername": "alice",
        "name": "Alice",
        "inbox": "https://lille.example/@alice/inbox",
        "discoverable": True,
        "knowsAbout": [ESCO_SKILL, "http://data.europa.eu/esco/skill/2"],
        "seeks": "http://data.europa.eu/esco/occupation/3",
        "knowsLanguage": ["fr", "nl"],
        "openTo": "collaboration",
        "crossBorder": True,
        "country": "FR",
        "location": {
            "type": "Place",
            "name": "Mutualab",
            "address": {
                "type": "PostalAddress", "postalCode": "59000", "addressLocality": "Lille", "addressCountry": "FR",
            },
        },
        "attachment": [
            {"type": "PropertyValue", "name": "Web", "value": "https://mutualab.example"},
            {"type": "PropertyValue", "name": "Phone", "value": "+33 3 00 00 00 00"},
        ],
        "to": PUBLIC,
        "publicKey": {
            "id": "https://lille.example/@alice#main-key",
            "owner": "https://lille.example/@alice",
            "publicKeyPem": "PEM",
        },
    }


@pytest.mark.parametrize("name", sorted(VENDORED_SHA256))
def test_vendored_contexts_are_unmodified(name: str) -> None:
    assert hashlib.sha256((SCHEMAS_DIR / name).read_bytes()).hexdigest() == VENDORED_SHA256[name]


def test_coffee_context_is_the_w3c_pair_plus_our_inline_terms() -> None:
    ours = json.loads((SCHEMAS_DIR / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert COFFEE_CONTEXT == [AS2_URL, SECURITY_URL, ours]


def test_emitted_actor_expands_to_schema_org_as2_and_coffee_iris() -> None:
    [node] = expand(coffee_actor())
    assert node["@type"] == [AS + "Person"]
    assert node[SCHEMA + "knowsAbout"] == [{"@id": ESCO_SKILL}, {"@id": "http://data.europa.eu/esco/skill/2"}]
    assert node[SCHEMA + "seeks"] == [{"@id": "http://data.europa.eu/esco/occupation/3"}]
    assert node[SCHEMA + "knowsLanguage"] == [{"@value": "fr"}, {"@value": "nl"}]
    assert node["http://joinmastodon.org/ns#discoverable"] == [{"@value": True}]
    assert node["https://coffee.coop/ns#openTo"] == [{"@value": "collaboration"}]
    assert node["https://coffee.coop/ns#country"] == [{"@value": "FR"}]
    assert node["http://www.w3.org/ns/ldp#inbox"] == [{"@id": "https://lille.example/@alice/inbox"}]
    assert node[AS + "to"] == [{"@id": PUBLIC}]
    [address] = node[AS + "location"][0][SCHEMA + "address"]
    assert address["@type"] == [SCHEMA + "PostalAddress"]
    assert address[SCHEMA + "postalCode"] == [{"@value": "59000"}]
    assert {item["@type"][0] for item in node[AS + "attachment"]} == {SCHEMA + "PropertyValue"}
    assert node["https://w3id.org/security#publicKey"][0]["https://w3id.org/security#owner"] == [
        {"@id": "https://lille.example/@alice"}
    ]


def test_emitted_documents_are_a_fixed_point_of_normalise() -> None:
    assert normalise(coffee_actor()) == coffee_actor()


def test_prefixes_full_iris_and_aliases_read_as_our_terms() -> None:
    doc = {
        "@context": [AS2_URL, {"doer": "as:actor", "thing": {"@id": "as:object", "@type": "@id"}}],
        "id": "https://roubaix.example/activities/1",
        "type": "as:Follow",
        "doer": "https://roubaix.example/users/bob",
        "thing": "https://lille.example/@alice",
        "as:summary": "hello",
        "https://www.w3.org/ns/activitystreams#published": "2025-01-01T00:00:00Z",
    }
    out = normalise(doc)
    assert out["type"] == "Follow"
    assert out["actor"] == "https://roubaix.example/users/bob"
    assert out["object"] == "https://lille.example/@alice"
    assert out["summary"] == "hello"
    assert out["published"] == "2025-01-01T00:00:00Z"
    assert not {"doer", "thing", "as:summary"} & out.keys()


def test_a_term_redefined_to_another_iri_no_longer_reads_as_ours() -> None:
    doc = {
        "@context": [AS2_URL, {"actor": "https://evil.example/ns#actor"}],
        "id": "https://evil.example/activities/1",
        "type": "Create",
        "actor": "https://lille.example/@alice",
    }
    out = normalise(doc)
    assert "actor" not in out
    assert out["https://evil.example/ns#actor"] == "https://lille.example/@alice"


@pytest.mark.parametrize("public", ["as:Public", "Public", PUBLIC, AS + "Public"])
def test_every_spelling_of_public_becomes_the_full_iri(public: str) -> None:
    doc = {"@context": AS2_URL, "id": "https://a.example/n/1", "type": "Note", "to": [public, "https://a.example/f"]}
    out = normalise(doc)
    assert out["to"] == [PUBLIC, "https://a.example/f"]


def test_relative_iris_stay_relative_instead_of_resolving_against_a_default_base() -> None:
    doc = {"@context": AS2_URL, "id": "/notes/1", "type": "Note", "attributedTo": "http://example.org/base/u"}
    out = normalise(doc)
    assert out["id"] == "/notes/1"
    assert out["attributedTo"] == "http://example.org/base/u"


def test_untyped_literals_under_our_typed_properties_take_our_type() -> None:
    doc = {"@context": AS2_URL, "id": "https://a.example/n/1", "type": "Note",
           "as:inReplyTo": "https://a.example/n/0", "as:published": "2025-01-01T00:00:00Z", "as:totalItems": 3}
    out = normalise(doc)
    assert out["inReplyTo"] == "https://a.example/n/0"
    assert out["published"] == "2025-01-01T00:00:00Z"
    assert out["totalItems"] == 3


def test_a_document_without_context_reads_as_activitystreams() -> None:
    doc = {"id": "https://a.example/n/1", "type": "Note", "attributedTo": "https://a.example/u", "content": "hi"}
    out = normalise(doc)
    assert {k: v for k, v in out.items() if k != "@context"} == {
        "id": "https://a.example/n/1", "type": "Note", "attributedTo": "https://a.example/u", "content": "hi",
    }


def test_mastodon_actor_reads_as_our_terms() -> None:
    mastodon = {
        "@context": [AS2_URL, SECURITY_URL, {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers", "toot": "http://joinmastodon.org/ns#",
            "featured": {"@id": "toot:featured", "@type": "@id"}, "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue", "value": "schema:value", "discoverable": "toot:discoverable",
            "indexable": "toot:indexable", "Hashtag": "as:Hashtag",
        }],
        "id": "https://m.example/users/bob", "type": "Person", "manuallyApprovesFollowers": False,
        "endpoints": {"sharedInbox": "https://m.example/inbox"},
        "discoverable": True, "indexable": False, "featured": "https://m.example/users/bob/featured",
        "attachment": [{"type": "PropertyValue", "name": "Web", "value": "<a>x</a>"}],
        "tag": [{"type": "Hashtag", "name": "#coworking", "href": "https://m.example/tags/coworking"}],
        "publicKey": {
            "id": "https://m.example/users/bob#main-key", "owner": "https://m.example/users/bob", "publicKeyPem": "PEM",
        },
    }
    out = normalise(mastodon)
    assert out["manuallyApprovesFollowers"] is False and out["discoverable"] is True and out["indexable"] is False
    assert out["attachment"] == {"type": "PropertyValue", "name": "Web", "value": "<a>x</a>"}
    assert out["tag"]["type"] == "Hashtag"
    assert out["publicKey"]["owner"] == "https://m.example/users/bob"
    assert out["endpoints"] == {"sharedInbox": "https://m.example/inbox"}
    assert out["toot:featured"] == {"id": "https://m.example/users/bob/featured"}  # no term of ours: prefixed


def test_mobilizon_event_terms_fold_onto_fep_8a8e() -> None:
    mobilizon = {
        "@context": [AS2_URL, {
            "sc": "http://schema.org#", "mz": "https://joinmobilizon.org/ns#",
            "timezone": {"@id": "mz:timezone", "@type": "sc:Text"},
            "isOnline": {"@id": "mz:isOnline", "@type": "sc:Boolean"},
            "joinMode": {"@id": "mz:joinMode", "@type": "mz:joinModeType"},
            "participantCount": {"@id": "mz:participantCount", "@type": "sc:Integer"},
            "category": "sc:category", "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity",
            "location": {"@id": "sc:location", "@type": "sc:Place"},
            "address": {"@id": "sc:address", "@type": "sc:PostalAddress"},
            "PostalAddress": "sc:PostalAddress", "postalCode": "sc:postalCode",
        }],
        "id": "https://mobilizon.example/events/1", "type": "Event", "name": "Apéro",
        "timezone": "Europe/Paris", "isOnline": False, "joinMode": "free", "participantCount": 3,
        "category": "MEETING", "maximumAttendeeCapacity": 20,
        "location": {
            "type": "Place", "name": "Mutualab", "address": {"type": "PostalAddress", "postalCode": "59000"},
        },
    }
    out = normalise(mobilizon)
    assert out["timezone"] == "Europe/Paris"
    assert out["isOnline"] is False
    assert out["joinMode"] == "free"
    assert out["participantCount"] == 3
    assert out["category"] == "MEETING"
    assert out["maximumAttendeeCapacity"] == 20
    assert out["location"] == mobilizon["location"]


@pytest.mark.parametrize("schema_ns", ["http://schema.org/", "https://schema.org/", "https://schema.org#"])
def test_other_spellings_of_schema_org_fold_onto_ours(schema_ns: str) -> None:
    doc = {"@context": [AS2_URL, {"sc": schema_ns}], "id": "https://l.example/c/1", "type": "Group",
           "sc:knowsAbout": ESCO_SKILL, "sc:email": "hello@l.example"}
    out = normalise(doc)
    assert out["knowsAbout"] == ESCO_SKILL
    assert out["email"] == "hello@l.example"


def test_unknown_remote_contexts_become_empty_and_our_terms_still_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    unknown = f"https://contexts.example/{uuid.uuid4()}"  # unseen URL: pyld's context cache cannot answer for it
    asked: list[str] = []
    bundled_only = jsonld.load_document

    def recording_loader(url: str, options: dict | None = None) -> dict:
        asked.append(url)
        return bundled_only(url, options)

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("JSON-LD processing tried to use the network")

    monkeypatch.setattr(jsonld, "load_document", recording_loader)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    doc = {
        "@context": [AS2_URL, SECURITY_URL, "https://w3id.org/identity/v1", "http://joinmastodon.org/ns", unknown],
        "id": "https://m.example/users/bob", "type": "Person", "discoverable": True, "somethingElse": 1,
    }
    out = normalise(doc)
    assert unknown in asked
    assert recording_loader(unknown)["document"] == {"@context": {}}
    assert out["discoverable"] is True
    assert out["somethingElse"] == 1  # undefined term: kept under its bare name, not one of ours


@pytest.mark.parametrize("url", [
    "https://www.w3.org/ns/activitystreams", "http://www.w3.org/ns/activitystreams",
    "https://www.w3.org/ns/activitystreams#", "https://www.w3.org/ns/activitystreams.jsonld",
])
def test_loader_serves_bundled_activitystreams_under_every_spelling(url: str) -> None:
    document = jsonld.load_document(url)["document"]
    assert document["@context"]["as"] == AS
    assert jsonld.load_document(SECURITY_URL)["document"]["@context"]["sec"] == "https://w3id.org/security#"


@pytest.mark.parametrize("doc", [
    {"@context": 5, "id": "https://a.example/1"},
    {"@context": [None, {"actor": "https://evil.example/actor"}], "as:actor": "https://a.example/u"},
    "https://a.example/1",
])
def test_invalid_documents_raise_malformed(doc: object) -> None:
    with pytest.raises(MalformedError):
        normalise(doc)  # type: ignore[arg-type]
