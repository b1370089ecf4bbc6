"""Migrations: each one transaction, all of it or nothing, whatever sqlite-utils version runs them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from node.storage.db import Store, connect
from node.storage.migrations import apply_migrations, discover, run_script


@pytest.fixture
def commits_like_sqlite_utils_3(monkeypatch: pytest.MonkeyPatch) -> None:
    """sqlite-utils 3.x hands executescript to sqlite3, which commits the open transaction first."""
    monkeypatch.setattr(sqlite_utils.Database, "executescript", lambda self, sql: self.conn.executescript(sql))


def schema(store: Store) -> list[tuple]:
    return store.conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()


def applied(store: Store) -> set[str]:
    return {row[0] for row in store.conn.execute("SELECT name FROM _migrations")}


def test_start_up_does_not_depend_on_executescript(tmp_path: Path, commits_like_sqlite_utils_3: None) -> None:
    """With sqlite-utils 3.38 the first start failed: "cannot commit - no transaction is active"."""
    store = connect(tmp_path / "coffee.db")
    assert applied(store) == {name for _, name in discover()}


def test_a_failing_migration_leaves_no_partial_table(tmp_path: Path, commits_like_sqlite_utils_3: None) -> None:
    store = connect(tmp_path / "coffee.db")
    before, done = schema(store), applied(store)

    def broken(db: sqlite_utils.Database) -> None:
        run_script(db, """
            CREATE TABLE half (id INTEGER PRIMARY KEY, note TEXT);
            INSERT INTO half (note) VALUES ('a; b');
            ALTER TABLE members ADD COLUMN half_done INTEGER;
            CREATE INDEX nowhere ON no_such_table(x);
        """)

    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        apply_migrations(store.db, [("m9999_broken", broken)])
    store.close()
    store = connect(tmp_path / "coffee.db")  # as the next start sees it
    assert schema(store) == before and applied(store) == done

    def fixed(db: sqlite_utils.Database) -> None:
        run_script(db, "CREATE TABLE half (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO half (note) VALUES ('a; b');")

    assert apply_migrations(store.db, [("m9999_broken", fixed)]) == ["m9999_broken"]
    assert store.conn.execute("SELECT note FROM half").fetchall() == [("a; b",)]


def test_a_migration_that_commits_by_itself_is_not_recorded(tmp_path: Path) -> None:
    store = connect(tmp_path / "coffee.db")
    done = applied(store)

    def sneaky(db: sqlite_utils.Database) -> None:
        db.conn.executescript("CREATE TABLE early (x);")

    with pytest.raises(RuntimeError, match="ended its own transaction"):
        apply_migrations(store.db, [("m9998_sneaky", sneaky)])
    assert applied(store) == done


def test_run_script_keeps_triggers_and_quoted_semicolons_whole() -> None:
    store = Store(sqlite_utils.Database(sqlite3.connect(":memory:", isolation_level=None)))
    store.conn.execute("BEGIN")
    run_script(store.db, """
        CREATE TABLE t (x TEXT);  -- a comment; with a semicolon
        CREATE TABLE log (x TEXT);
        CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN
            INSERT INTO log VALUES ('one;');
            INSERT INTO log VALUES (new.x);
        END;
        INSERT INTO t VALUES ('it''s; fine');
    """)
    store.conn.execute("COMMIT")
    assert store.conn.execute("SELECT x FROM log ORDER BY rowid").fetchall() == [("one;",), ("it's; fine",)]
    with pytest.raises(ValueError, match="incomplete"):
        run_script(store.db, "CREATE TRIGGER t_x AFTER INSERT ON t BEGIN INSERT INTO log VALUES (1);")
