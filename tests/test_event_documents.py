"""Event documents: our shape (JSON Schema, JSON-LD meaning), and reading peers' (Coffee, Mobilizon, FEP-8a8e)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import jsonschema
import pytest

from federation.jsonld import expand
from node.services import event_documents as docs
from node.services import events as ev
from node.services.fields import KNOWN_LANGUAGES
from schemas import SCHEMAS_DIR
from tests.test_events import CONFIG, Y, make_store, values

AS = "http://www.w3.org/ns/activitystreams#"
SCHEMA = "http://schema.org#"
FEP = "https://w3id.org/fep/8a8e/"
MZ = "https://joinmobilizon.org/ns#"
COFFEE = "https://coffee.coop/ns#"
ICAL = "http://www.w3.org/2002/12/cal/ical#"

# The shape Mobilizon 4/5 publishes (lib/federation/activity_stream/converter/event.ex), with its context.
MOBILIZON_EVENT: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/activitystreams",
        "https://litepub.social/litepub/context.jsonld",
        {
            "sc": "http://schema.org#", "ical": "http://www.w3.org/2002/12/cal/ical#",
            "mz": "https://joinmobilizon.org/ns#", "pt": "https://joinpeertube.org/ns#",
            "Hashtag": "as:Hashtag", "category": "sc:category", "uuid": "sc:identifier",
            "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity",
            "remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
            "location": {"@id": "sc:location", "@type": "sc:Place"},
            "PostalAddress": "sc:PostalAddress",
            "address": {"@id": "sc:address", "@type": "sc:PostalAddress"},
            "addressCountry": "sc:addressCountry", "addressRegion": "sc:addressRegion",
            "postalCode": "sc:postalCode", "addressLocality": "sc:addressLocality", "streetAddress": "sc:streetAddress",
            "inLanguage": "sc:inLanguage",
            "timezone": {"@id": "mz:timezone", "@type": "sc:Text"},
            "isOnline": {"@id": "mz:isOnline", "@type": "sc:Boolean"},
            "participantCount": {"@id": "mz:participantCount", "@type": "sc:Integer"},
            "status": {"@id": "ical:status", "@type": "ical:status"},
            "joinModeType": {"@id": "mz:joinModeType", "@type": "rdfs:Class"},
            "joinMode": {"@id": "mz:joinMode", "@type": "mz:joinModeType"},
            "externalParticipationUrl": {"@id": "mz:externalParticipationUrl", "@type": "sc:URL"},
            "anonymousParticipationEnabled": {"@id": "mz:anonymousParticipationEnabled", "@type": "sc:Boolean"},
            "repliesModerationOption": {"@id": "mz:repliesModerationOption", "@type": "mz:repliesModerationOptionType"},
            "commentsEnabled": {"@type": "sc:Boolean", "@id": "pt:commentsEnabled"},
        },
    ],
    "type": "Event",
    "id": "https://mobilizon.example/events/7d5e3a5c-5b3f-4c57-8a5e-0b1d6f6d3c11",
    "url": "https://mobilizon.example/events/7d5e3a5c-5b3f-4c57-8a5e-0b1d6f6d3c11",
    "uuid": "7d5e3a5c-5b3f-4c57-8a5e-0b1d6f6d3c11",
    "actor": "https://mobilizon.example/@camille",
    "attributedTo": "https://mobilizon.example/@repair_cafe_lille",
    "to": ["https://www.w3.org/ns/activitystreams#Public"],
    "cc": ["https://mobilizon.example/@repair_cafe_lille/followers"],
    "name": "Repair Café <em>de décembre</em>",
    "content": '<p>Venez réparer <strong>vos objets</strong>.</p><script>alert(1)</script>'
               '<p><a href="javascript:alert(2)" onclick="steal()">piège</a> <a href="https://example.org/plan">plan</a></p>',
    "mediaType": "text/html",
    "summary": "samedi 12 décembre 2026 à 14:00 UTC+01:00 - Maison des associations, Lille",
    "startTime": "2026-12-12T14:00:00+01:00",
    "endTime": "2026-12-12T18:00:00+01:00",
    "timezone": "Europe/Paris",
    "category": "WORKSHOPS_SKILL_SHARING",
    "joinMode": "restricted",
    "externalParticipationUrl": None,
    "maximumAttendeeCapacity": 0,
    "remainingAttendeeCapacity": None,
    "participantCount": 12,
    "anonymousParticipationEnabled": False,
    "repliesModerationOption": "allow_all",
    "commentsEnabled": True,
    "draft": False,
    "ical:status": "CONFIRMED",
    "status": "CONFIRMED",
    "inLanguage": "fr",
    "isOnline": False,
    "location": {
        "type": "Place",
        "name": "Maison des associations",
        "id": "https://mobilizon.example/address/61c31f11-2f5b-4b7e-9f0e-0d3f0a7c2b9a",
        "address": {
            "type": "PostalAddress", "streetAddress": "72 rue Royale", "postalCode": "59000",
            "addressLocality": "Lille", "addressRegion": "Hauts-de-France", "addressCountry": "France",
        },
        "latitude": 50.6403, "longitude": 3.0596,
    },
    "attachment": [
        {"type": "Link", "href": "https://visio.example/repair", "mediaType": "text/html", "name": "Website"},
        {"type": "Document", "mediaType": "image/jpeg", "name": "Banner",
         "url": "https://mobilizon.example/media/banner.jpg"},
    ],
    "tag": [{"type": "Hashtag", "name": "#repair", "href": "https://mobilizon.example/tags/repair"}],
    "published": "2026-11-01T10:00:00Z",
    "updated": "2026-11-02T10:00:00Z",
}


def schema() -> dict[str, Any]:
    return json.loads((SCHEMAS_DIR / "event.schema.json").read_text(encoding="utf-8"))


def variants() -> list[dict[str, Any]]:
    store = make_store()
    made = [
        ev.create_event(store, CONFIG, values(), by=None),
        ev.create_event(store, CONFIG, values(
            name={"fr": "Afterwork transfrontalier", "nl": "Grensoverschrijdende afterwork"},
            description={"fr": "Ligne 1\nligne 2\n\n<b>pas du HTML</b>"}, category="NETWORKING", capacity=30,
            languages=["fr", "nl"], online_url="https://visio.example/r",
            cohosts=[{"id": "https://mutualab.test/", "name": "Mutualab", "country": "FR"}, "acct:switch@switch.test"],
            image="https://esco.test/media/flyer.jpg"), by=None),
        ev.create_event(store, CONFIG, values(place_kind="online_only", online_url="https://visio.example/r",
                                              registration="external", external_url="https://tickets.example/e",
                                              status="tentative"), by=None),
        ev.create_event(store, CONFIG, values(place_kind="address", place_name="Parc", city="Lille", country="FR",
                                              registration="approval"), by=None),
    ]
    ev.register(store, made[1]["id"], ev.Attendee("https://mutualab.test/@emma", "Emma", "https://mutualab.test", "FR"))
    made[1] = ev.get_event(store, made[1]["uuid"])
    made.append(ev.cancel_event(store, CONFIG, made[0]["uuid"], by=None))
    return made


@pytest.mark.parametrize("index", range(5))
def test_our_events_validate_against_the_schema(index: int) -> None:
    doc = docs.event_to_ap(variants()[index], CONFIG.url)
    jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(doc)


def test_the_schema_lists_our_categories_and_languages() -> None:
    found = schema()
    assert found["properties"]["category"]["enum"] == list(ev.CATEGORIES)
    assert found["$defs"]["language"]["enum"] == list(KNOWN_LANGUAGES)
    jsonschema.Draft202012Validator.check_schema(found)


def test_a_broken_document_fails_the_schema() -> None:
    doc = docs.event_to_ap(variants()[1], CONFIG.url)
    for key, bad in (("joinMode", "anyone"), ("startTime", "2026-12-12 14:00"), ("category", "KNITTING"),
                     ("maximumAttendeeCapacity", 0), ("to", ["https://esco.test/space/followers"])):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(doc | {key: bad}, schema())


def test_document_content() -> None:
    event = variants()[1]
    doc = docs.event_to_ap(event, CONFIG.url)
    assert doc["startTime"] == f"{Y}-03-10T18:00:00+01:00" and doc["timezone"] == "Europe/Brussels"
    assert doc["contentMap"]["fr"] == "<p>Ligne 1<br>ligne 2</p><p>&lt;b&gt;pas du HTML&lt;/b&gt;</p>"
    assert "18:00" in doc["summary"] and "ESCO, Rue de la Tannerie 1, 7500 Tournai, BE" in doc["summary"]
    assert set(doc["summaryMap"]) == {"fr", "nl"}
    assert [item["id"] for item in doc["organizers"]["items"]] == ["https://esco.test/", "https://mutualab.test/"]
    assert (doc["crossBorder"], doc["participantCount"], doc["remainingAttendeeCapacity"]) == (True, 1, 29)
    assert doc["attachment"][0]["href"] == "https://visio.example/r" and doc["location"]["type"] == "Place"
    assert doc["cc"] == ["https://esco.test/space/followers"]
    online = docs.event_to_ap(variants()[2], CONFIG.url)
    assert online["location"] == {"type": "VirtualLocation", "url": "https://visio.example/r"} and online["isOnline"]
    assert (online["joinMode"], online["externalParticipationUrl"]) == ("external", "https://tickets.example/e")
    cancelled = docs.event_to_ap(variants()[4], CONFIG.url)
    assert (cancelled["eventStatus"], cancelled["status"]) == ("EventCancelled", "CANCELLED")


def test_json_ld_expansion_gives_the_standard_iris() -> None:
    [node] = expand(docs.event_to_ap(variants()[1], CONFIG.url))
    assert node["@type"] == [AS + "Event"]
    for iri in (AS + "name", AS + "content", AS + "summary", AS + "startTime", AS + "endTime", AS + "attributedTo",
                AS + "location", AS + "published", SCHEMA + "maximumAttendeeCapacity",
                SCHEMA + "remainingAttendeeCapacity", SCHEMA + "inLanguage", FEP + "timezone", FEP + "category",
                FEP + "joinMode", FEP + "organizers", FEP + "eventStatus", MZ + "participantCount", MZ + "isOnline",
                COFFEE + "crossBorder", ICAL + "status"):
        assert iri in node, iri
    assert node[AS + "startTime"][0]["@value"] == f"{Y}-03-10T18:00:00+01:00"
    assert node[FEP + "eventStatus"] == [{"@id": FEP + "EventScheduled"}]
    assert {"@value": "Grensoverschrijdende afterwork", "@language": "nl"} in node[AS + "name"]
    [place] = node[AS + "location"]
    assert place["@type"] == [AS + "Place"] and place[AS + "latitude"][0]["@value"] == 50.6056
    [address] = place[SCHEMA + "address"]
    assert address["@type"] == [SCHEMA + "PostalAddress"]
    assert address[SCHEMA + "streetAddress"] == [{"@value": "Rue de la Tannerie 1"}]
    assert address[SCHEMA + "addressCountry"] == [{"@value": "BE"}]
    [organizers] = node[FEP + "organizers"]
    assert organizers[AS + "items"][1][COFFEE + "country"] == [{"@value": "FR"}]
    [online] = expand(docs.event_to_ap(variants()[2], CONFIG.url))[0][AS + "location"]
    assert online["@type"] == [SCHEMA + "VirtualLocation"]


def test_our_document_reads_back_as_the_same_event() -> None:
    event = variants()[1]
    read = docs.event_from_ap(docs.event_to_ap(event, CONFIG.url))
    assert read["id"] == event["ap_id"] and read["public"] and read["organiser"]["country"] == "BE"
    assert read["name"] == event["name_map"] and read["start"] == event["start"] and read["end"] == event["end"]
    assert (read["timezone"], read["category"], read["capacity"], read["registration"]) == (
        "Europe/Brussels", "NETWORKING", 30, "open")
    assert (read["place_kind"], read["street"], read["country"], read["online_url"]) == (
        "address", "Rue de la Tannerie 1", "BE", "https://visio.example/r")
    assert read["cohosts"] == [{"id": "https://mutualab.test/", "name": "Mutualab", "country": "FR", "acct": ""}]
    assert (read["reported_participants"], read["image"]) == (1, "https://esco.test/media/flyer.jpg")
    assert read["reported_cross_border"] is event["cross_border"] is True
    doc = docs.event_to_ap(event, CONFIG.url)
    assert docs.event_from_ap(doc | {"crossBorder": "yes"})["reported_cross_border"] is False  # only a real boolean
    cleaned = ev.clean_event({k: v for k, v in read.items() if k in ev.EDITABLE}, space=make_store().db["space"].get(1),
                             default_zone="UTC", require_place=False)
    assert (cleaned["starts_at"], cleaned["ends_at"]) == (event["starts_at"], event["ends_at"])


def test_mobilizon_event_is_understood_and_sanitised() -> None:
    read = docs.event_from_ap(MOBILIZON_EVENT)
    assert read["id"] == MOBILIZON_EVENT["id"] and read["public"]
    assert read["organiser"]["id"] == "https://mobilizon.example/@repair_cafe_lille"
    assert read["name"] == {"fr": "Repair Café de décembre"}
    html = read["description"]["fr"]
    assert "<strong>vos objets</strong>" in html and "script" not in html and "javascript" not in html
    assert "onclick" not in html and 'href="https://example.org/plan"' in html
    assert read["start"] == datetime(2026, 12, 12, 13, tzinfo=timezone.utc)
    assert (read["timezone"], read["category"], read["languages"]) == ("Europe/Paris", "WORKSHOPS_SKILL_SHARING", ["fr"])
    assert (read["registration"], read["capacity"], read["reported_participants"], read["status"]) == (
        "approval", None, 12, "confirmed")
    assert (read["place_name"], read["street"], read["postal_code"], read["city"], read["country"]) == (
        "Maison des associations", "72 rue Royale", "59000", "Lille", "FR")
    assert (read["latitude"], read["longitude"], read["online_url"]) == (50.6403, 3.0596, "https://visio.example/repair")
    assert read["image"] == "https://mobilizon.example/media/banner.jpg"


def test_mobilizon_2019_event_and_its_quirks() -> None:
    """Mobilizon's first federated event (kept by Pleroma as a test fixture): sc:Place, lowercase category, no zone."""
    old = {
        "@context": ["https://www.w3.org/ns/activitystreams", {
            "Place": "sc:Place", "PostalAddress": "sc:PostalAddress", "sc": "http://schema.org#",
            "address": {"@id": "sc:address", "@type": "sc:PostalAddress"}, "addressCountry": "sc:addressCountry",
            "addressLocality": "sc:addressLocality", "category": "sc:category", "ical": "http://www.w3.org/2002/12/cal/ical#",
            "joinMode": {"@id": "mz:joinMode", "@type": "mz:joinModeType"}, "mz": "https://joinmobilizon.org/ns#",
            "location": {"@id": "sc:location", "@type": "sc:Place"}, "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity"}],
        "id": "https://mobilizon.local/events/252d5816-00a3-4a89-a66f-15bf65c33e39", "type": "Event",
        "actor": "https://mobilizon.local/@tcit", "attributedTo": "https://mobilizon.local/@tcit",
        "name": "Mobilizon Launching Party", "category": "meeting", "content": "<p>Mobilizon is now federated! 🎉</p>",
        "startTime": "2019-12-18T13:00:00Z", "endTime": "2019-12-18T14:00:00Z", "ical:status": "CONFIRMED",
        "joinMode": "free", "maximumAttendeeCapacity": 0, "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "location": {"type": "Place", "name": "Cour du Château des Ducs de Bretagne",
                     "address": {"type": "PostalAddress", "addressCountry": "France", "addressLocality": "Nantes"}},
    }
    read = docs.event_from_ap(old, default_language="en")
    assert (read["category"], read["timezone"], read["registration"], read["status"]) == ("MEETING", None, "open", "confirmed")
    assert (read["place_kind"], read["place_name"], read["city"], read["country"]) == (
        "address", "Cour du Château des Ducs de Bretagne", "Nantes", "FR")
    assert read["name"] == {"en": "Mobilizon Launching Party"}


def test_fep_8a8e_event_with_hybrid_location_and_status_iri() -> None:
    doc = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/fep/8a8e", "https://schema.org/"],
        "type": "Event", "id": "https://wp.example/events/42", "attributedTo": "https://wp.example/@agenda",
        "name": "Fediverse meetup", "startTime": "2027-02-01T19:00:00+01:00",
        "to": "https://www.w3.org/ns/activitystreams#Public",
        "location": [
            {"type": "Place", "name": "Café", "address": "15 Fediverse Street, 8010 Graz, Austria"},
            {"type": "VirtualLocation", "url": "https://meet.example/room"},
        ],
        "eventStatus": "https://w3id.org/fep/8a8e/EventPostponed",
        "joinMode": "external", "externalParticipationUrl": "https://wp.example/tickets",
        "organizers": {"type": "OrganizersCollection", "first": {"type": "CollectionPage", "items": [
            "https://wp.example/@agenda", {"type": "Organization", "id": "https://other.example/@crew", "name": "Crew"}]}},
    }
    read = docs.event_from_ap(doc)
    assert read["end"] - read["start"] == timedelta(hours=1)  # no endTime: a nominal hour
    assert (read["place_name"], read["street"], read["online_url"]) == (
        "Café", "15 Fediverse Street, 8010 Graz, Austria", "https://meet.example/room")
    assert (read["status"], read["registration"], read["external_url"]) == ("tentative", "external", "https://wp.example/tickets")
    assert read["cohosts"] == [{"id": "https://other.example/@crew", "name": "Crew", "country": "", "acct": ""}]


def test_unlisted_events_are_not_public() -> None:
    unlisted = MOBILIZON_EVENT | {"to": ["https://mobilizon.example/@repair_cafe_lille/followers"],
                                  "cc": ["https://www.w3.org/ns/activitystreams#Public"]}
    assert not docs.event_from_ap(unlisted)["public"]


def test_a_peer_event_keeps_the_languages_it_declares_not_those_of_its_translations() -> None:
    """Issue 10, bug 2: an event in `fr, en` with a Dutch title read as `fr, en, nl`."""
    event = ev.create_event(make_store(), CONFIG, values(
        name={"fr": "Apéro data & IA", "nl": "Data- en AI-borrel", "en": "Data & AI drinks"},
        description={"fr": "À Mons.", "nl": "In Bergen.", "en": "In Mons."}, languages=["fr", "en"]), by=None)
    doc = docs.event_to_ap(event, CONFIG.url)
    assert docs.event_from_ap(doc)["languages"] == ["fr", "en"]
    undeclared = {key: value for key, value in doc.items() if key != "inLanguage"}
    assert sorted(docs.event_from_ap(undeclared)["languages"]) == ["en", "fr", "nl"]  # nothing said: what it wrote in
