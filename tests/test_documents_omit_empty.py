"""Every ActivityPub document a node serves leaves out empty properties (no `summary: ""`,
`summaryMap: {}`, `organization: ""`, `seeks: []`...), for a space, member and event that
have filled in as little as they can."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterator

from federation.documents import omit_empty
from node.services import events as events_service
from tests.federation_network.helpers import set_member

AP = {"Accept": "application/activity+json"}


def empties(value: Any, path: str = "") -> Iterator[str]:
    """Where in `value` an empty property or list entry sits (the JSON-LD context aside)."""
    if isinstance(value, dict):
        if not value:
            yield path or "(document)"
        for key, item in value.items():
            if key != "@context":
                yield from empties(item, f"{path}.{key}")
    elif isinstance(value, list):
        if not value:
            yield path
        for index, item in enumerate(value):
            yield from empties(item, f"{path}[{index}]")
    elif value is None or value == "":
        yield path


async def test_served_documents_have_no_empty_properties(node) -> None:
    set_member(node, "bram", visibility="public")  # no bio, skills, languages, organisation, links
    start = (datetime.now() + timedelta(days=20)).replace(hour=9, minute=0, second=0, microsecond=0)
    event = events_service.create_event(node.store, node.config, {
        "name": {"fr": "Café"}, "timezone": "Europe/Paris",
        "start": start.strftime("%Y-%m-%dT%H:%M"), "end": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }, by=None)
    set_member(node, "gone", visibility="public")
    set_member(node, "gone", visibility="local")  # leaves a Tombstone behind
    paths = ["/", "/@bram", "/actor", f"/events/{event['uuid']}", "/@gone"]
    for base in ("/space", "/@bram"):
        for name in ("outbox", "followers", "following"):
            paths += [f"{base}/{name}", f"{base}/{name}?page=1"]
    paths += ["/space/members", "/space/members?page=1"]

    http = node.client()
    served: dict[str, dict[str, Any]] = {}
    for path in paths:
        async with http.get(path, headers=AP) as resp:
            assert resp.status in (200, 410), path
            served[path] = await resp.json(content_type=None)

    types = {doc["type"] for doc in served.values()}
    assert {"Organization", "Person", "Application", "Event", "Tombstone",
            "OrderedCollection", "OrderedCollectionPage"} <= types
    assert {path: list(empties(doc)) for path, doc in served.items() if list(empties(doc))} == {}
    person = served["/@bram"]
    for key in ("summary", "summaryMap", "organization", "seeks", "knowsAbout", "knowsLanguage", "openTo", "tag"):
        assert key not in person, key
    assert person["manuallyApprovesFollowers"] is False  # false is a value, not an absence
    assert "summary" not in served["/"] and "summaryMap" not in served["/"]
    # the activities in the outbox too: Create(Person) of a network member has no `cc: []`
    assert served["/@bram/outbox?page=1"]["orderedItems"]
    # every actor and object says when it was published and last changed (receivers keep the newest)
    for path in ("/", "/@bram", "/actor", f"/events/{event['uuid']}"):
        assert datetime.fromisoformat(served[path]["published"].replace("Z", "+00:00")), path
    for path in ("/", "/@bram", f"/events/{event['uuid']}"):
        assert served[path]["updated"] >= served[path]["published"], path


def test_omit_empty_keeps_false_zero_and_the_context() -> None:
    doc = {"@context": ["https://www.w3.org/ns/activitystreams", {}], "id": "https://a.example/x", "type": "Event",
           "summary": "", "nameMap": {"fr": "Café", "nl": ""}, "tag": [{}, {"type": "Hashtag"}, "x"],
           "address": {"type": "PostalAddress", "streetAddress": ""}, "participantCount": 0, "isOnline": False,
           "seeks": [], "icon": None}
    assert omit_empty(doc) == {"@context": ["https://www.w3.org/ns/activitystreams", {}], "id": "https://a.example/x",
                               "type": "Event", "nameMap": {"fr": "Café"}, "tag": ["x"],
                               "participantCount": 0, "isOnline": False}
