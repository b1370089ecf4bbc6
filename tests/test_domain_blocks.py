"""A block, however the admin spells it, covers the domain's spellings, ports and subdomains, both ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.errors import InvalidInput
from node.services import domain_blocks, publication
from node.storage import activities as activities_store
from node.storage import db
from node.storage import deliveries as deliveries_store
from node.storage import domains as domains_store
from node.timeutil import now_iso

INBOXES = ["https://sub.evil.example/inbox", "https://EVIL.example.:443/users/x/inbox",
           "https://evil.example:8443/inbox", "https://good.example/inbox", "https://notevil.example/inbox"]


@pytest.fixture
def store(tmp_path: Path):
    store = db.connect(tmp_path / "coffee.db")
    yield store
    store.close()


def test_blocks_cover_subdomains_and_ports_for_inbound_and_deliveries(store) -> None:
    assert domain_blocks.block(store, " EVIL.example.:443 ", "spam") == "evil.example"
    for url in INBOXES[:3]:
        assert domains_store.is_blocked(store, publication.domain_of(url)), url
    for url in INBOXES[3:]:
        assert not domains_store.is_blocked(store, publication.domain_of(url)), url

    activities_store.insert(store, {"id": "https://lille.example/a/1", "actor": "https://lille.example/", "type": "Note",
                                    "object_id": None, "public": 1, "document": {}, "published": now_iso()})
    for inbox in INBOXES:
        deliveries_store.add(store, activity_id="https://lille.example/a/1", inbox=inbox,
                             domain=publication.domain_of(inbox), signer="https://lille.example/")
    due = {row["inbox"] for row in deliveries_store.due(store, "9999", 10)}
    assert due == set(INBOXES[3:])
    domain_blocks.unblock(store, "evil.example")
    assert {row["inbox"] for row in deliveries_store.due(store, "9999", 10)} == set(INBOXES)


def test_a_block_on_one_port_covers_only_that_port(store) -> None:
    domain_blocks.block(store, "evil.example:8443", "")
    assert domains_store.is_blocked(store, "a.evil.example:8443")
    assert not domains_store.is_blocked(store, "evil.example")


@pytest.mark.parametrize("text", ["https://evil.example/", "eve@evil.example", "", "evil example"])
def test_what_is_not_a_domain_is_refused(store, text: str) -> None:
    with pytest.raises(InvalidInput):
        domain_blocks.block(store, text, "")
    assert domains_store.blocked(store) == []
