"""Upgrading a node created with the old ESCO extract (1,763 skills) to the whole vocabulary.

The node's database is built as the old code left it: every migration before m0013, members
holding every skill of the old extract, and its catalogue rows. Opening it with the new code
runs m0013; nothing a member entered may be lost or become unknown.
"""

from __future__ import annotations

import importlib
import json
import sqlite3
from pathlib import Path

import sqlite_utils

from node.services import catalogue
from node.services.skills import load_skill_index, vocabulary_rows
from node.storage import db as db_mod
from node.storage import members as members_store
from node.storage.migrations import discover

SKILLS = load_skill_index()
PER_MEMBER = 30


def old_extract() -> list[str]:
    """The URIs of the old extract: the rows of the vendored file that carry an ESCO collection."""
    return [row["uri"] for row in vocabulary_rows() if row["collections"]]


def old_node_database(path: Path, uris: list[str]) -> None:
    conn = sqlite3.connect(str(path), isolation_level=None)
    db = sqlite_utils.Database(conn)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for number, name in discover():
        if number >= 13:
            break
        importlib.import_module(f"node.storage.migrations.{name}").migrate(db)
        db.execute("INSERT INTO _migrations VALUES (?, '2026-01-01T00:00:00+00:00')", [name])
    store = db_mod.Store(db)
    conn.execute("BEGIN")  # one transaction: 59 members, 1,763 skill rows
    for n in range(0, len(uris), PER_MEMBER):
        offered = uris[n : n + PER_MEMBER]
        member = members_store.insert(store, username=f"m{n}", display_name=f"Member {n}", status="active",
                                      visibility="public", skills_offered=offered, skills_sought=offered[:2])
        (entry,) = conn.execute(
            "INSERT INTO catalogue (actor_id, origin, space_id, name, skills_offered, visibility, sort_name, updated_at)"
            " VALUES (?, 'local', 'https://old.example/', ?, ?, 'public', ?, '2026-01-01') RETURNING id",
            [f"https://old.example/@m{n}", member["display_name"], json.dumps(offered), f"member {n:05d}"],
        ).fetchone()
        conn.executemany("INSERT INTO catalogue_skills (uri, kind, entry_id) VALUES (?, 'offered', ?)",
                         [(uri, entry) for uri in offered])
    conn.execute("COMMIT")
    conn.close()


def test_a_node_of_the_old_extract_upgrades_with_every_skill_intact(tmp_path: Path) -> None:
    uris = old_extract()
    assert len(uris) == 1763
    path = tmp_path / "coffee.db"
    old_node_database(path, uris)

    store = db_mod.connect(path)  # what `serve` does at start: m0013 runs

    applied = [row[0] for row in store.conn.execute("SELECT name FROM _migrations ORDER BY name")]
    assert "m0013_professions" in applied and applied == [name for _number, name in discover()]
    members = [members_store.get_by_username(store, f"m{n}") for n in range(0, len(uris), PER_MEMBER)]
    assert [uri for member in members for uri in member["skills_offered"]] == uris  # every skill, in order
    for member in members:
        assert SKILLS.validate(member["skills_offered"], "skills_offered") == member["skills_offered"]
        assert all(SKILLS.label(uri, "fr") != uri for uri in member["skills_offered"])  # all still known
        assert (member["professions"], member["profession_gender"]) == ([], "")
    rows = store.conn.execute("SELECT count(*), count(DISTINCT uri) FROM catalogue_skills WHERE kind = 'offered'")
    assert rows.fetchone() == (len(uris), len(uris))
    # The catalogue still finds them, now also by words of the whole vocabulary's labels.
    hits = catalogue.search(store, SKILLS, q="webprogrammering", viewer_country="FR", lang="nl", viewer_is_member=True)
    assert [item["actor_id"] for item in hits.items]
    store.close()
