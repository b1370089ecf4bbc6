"""Migration 7: a keyId belongs to one actor that may hold it; blocks are stored in the one domain spelling."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from node.storage import actors as actors_store
from node.storage import db
from node.storage import domains as domains_store

ALICE, EVE, MALLORY, BOB = ("https://good.example/users/alice", "https://evil.example/users/eve",
                            "https://good.example/users/mallory", "https://good.example/users/bob")
ALICE_KEY = f"{ALICE}#main-key"


def add(store: db.Store, actor_id: str, key_id: str, fetched_at: str) -> None:
    store.db.execute("INSERT INTO actors (id, type, domain, inbox, public_key_id, public_key_pem, document, fetched_at) "
                     "VALUES (?, 'Person', 'x', ?, ?, 'PEM', '{}', ?)", [actor_id, f"{actor_id}/inbox", key_id, fetched_at])


def key_ids(store: db.Store) -> dict[str, str | None]:
    return dict(store.conn.execute("SELECT id, public_key_id FROM actors ORDER BY id").fetchall())


def test_shadowed_keys_are_forgotten_and_key_ids_become_unique(tmp_path: Path) -> None:
    store = db.connect(tmp_path / "coffee.db")
    with store.transaction():  # back to the schema before migration 7, with what it allowed
        store.db.execute("DROP INDEX actors_public_key_id")
        store.db.execute("DELETE FROM _migrations WHERE name = 'm0007_federation_trust'")
        add(store, EVE, ALICE_KEY, "2026-01-03")  # another origin listing Alice's key
        add(store, MALLORY, ALICE_KEY, "2026-01-02")  # same origin, but Alice's #fragment key
        add(store, ALICE, ALICE_KEY, "2026-01-01")
        add(store, BOB, "https://good.example/keys/bob", "2026-01-01")  # a key document of its own
        for domain in ("evil.example.", "other.example:443", "fine.example", "not a domain"):
            store.db.execute("INSERT INTO domains (domain, blocked, block_reason, blocked_at) VALUES (?, 1, 'spam', '2026-01-01')",
                             [domain])
    store.close()

    store = db.connect(tmp_path / "coffee.db")
    assert key_ids(store) == {ALICE: ALICE_KEY, BOB: "https://good.example/keys/bob", EVE: None, MALLORY: None}
    assert actors_store.by_key_id(store, ALICE_KEY)["id"] == ALICE
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute("UPDATE actors SET public_key_id = ? WHERE id = ?", [ALICE_KEY, BOB])
    assert [row["domain"] for row in domains_store.blocked(store)] == [
        "evil.example", "fine.example", "not a domain", "other.example"]
    assert domains_store.is_blocked(store, "sub.evil.example")
    store.close()
