"""Opening the node's SQLite database: WAL, foreign keys, migrations at start.

One process holds one connection and every write goes through it (the one
writer); the CLI may write while the server runs, which WAL and the busy
timeout make safe. Queries are short and run on the event loop thread.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlite_utils

from node.storage.migrations import apply_migrations


class Store:
    """The node's database handle, passed to every storage function."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """All-or-nothing writes (a CSV import, an inbound activity and its effects)."""
        if self.conn.in_transaction:
            yield self.db  # nested: the outer transaction decides
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


def connect(path: Path | str, *, migrate: bool = True) -> Store:
    """Open (creating if needed) the database at `path`, 0600, with migrations applied."""
    path = Path(path)
    new = not path.exists()
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    if new:
        os.chmod(path, 0o600)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages: catalogue searches stay in memory
    db = sqlite_utils.Database(conn)
    if migrate:
        apply_migrations(db)
    return Store(db)


def memory() -> Store:
    """An in-memory store with every migration, for unit tests of services."""
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys=ON")
    db = sqlite_utils.Database(conn)
    apply_migrations(db)
    return Store(db)
