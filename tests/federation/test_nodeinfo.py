"""NodeInfo 2.1 documents and the well-known links, including FEP-2677's Application actor."""

from __future__ import annotations

import pytest

from federation.nodeinfo import APPLICATION_ACTOR_REL, NODEINFO_21_REL, nodeinfo_document, nodeinfo_links


def test_links_point_to_nodeinfo_and_the_application_actor() -> None:
    links = nodeinfo_links("https://lille.example/")["links"]
    assert {"rel": NODEINFO_21_REL, "href": "https://lille.example/nodeinfo/2.1"} in links
    assert {"rel": "https://www.w3.org/ns/activitystreams#Application", "href": "https://lille.example/actor"} in links
    assert APPLICATION_ACTOR_REL == "https://www.w3.org/ns/activitystreams#Application"


def test_document_has_every_field_nodeinfo_21_requires() -> None:
    doc = nodeinfo_document("coffee", "0.1.0", 12, 5, 9, 40, False, {"nodeName": "Mutualab"})
    assert doc == {
        "version": "2.1",
        "software": {"name": "coffee", "version": "0.1.0"},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": {"users": {"total": 12, "activeMonth": 5, "activeHalfyear": 9}, "localPosts": 40},
        "metadata": {"nodeName": "Mutualab"},
    }


@pytest.mark.parametrize("name", ["Coffee", "coffee node", "", "café"])
def test_software_name_follows_the_schema_pattern(name: str) -> None:
    with pytest.raises(ValueError):
        nodeinfo_document(name, "0.1.0", 0, 0, 0, 0, False, {})
