"""Opening the node's SQLite database: WAL, foreign keys, migrations at start.

One process holds one connection and every write goes through it (the one
writer); the CLI may write while the server runs, which WAL and the busy
timeout make safe. Queries are short and run on the event loop thread.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlite_utils

from node.storage.health import unwritable_reason
from node.storage.migrations import apply_migrations

log = logging.getLogger("coffee.storage")


class Store:
    """The node's database handle, passed to every storage function.

    `read_only` holds the reason when the database could only be opened for reading
    (a full disk at start); `reopen()` switches to a normal connection once it can.
    """

    def __init__(self, db: sqlite_utils.Database, *, path: Path | None = None, read_only: str | None = None) -> None:
        self.db = db
        self.path = path
        self.read_only = read_only

    def reopen(self) -> bool:
        """Try the normal (writable, WAL) connection again; True when the store is writable now."""
        if self.read_only is None:
            return True
        if self.path is None:
            return False
        try:
            db = _open_migrated(self.path)
        except sqlite3.Error:
            return False
        self.conn.close()
        self.db, self.read_only = db, None
        log.info("storage.writable_again", extra={"path": str(self.path)})
        return True

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
            if self.conn.in_transaction:  # SQLite may have rolled back already (a full disk does)
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


def _database(conn: sqlite3.Connection) -> sqlite_utils.Database:
    """sqlite-utils learns whether SQLite has ON CONFLICT by creating a table; on a full disk that
    fails, it caches "no" for the connection's life, and its older upsert then silently drops rows
    on our autocommit connection (seen on a node restarted while its disk was full). Tell it."""
    db = sqlite_utils.Database(conn)
    db._supports_on_conflict = sqlite3.sqlite_version_info >= (3, 24, 0)
    return db


def _tune(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages: catalogue searches stay in memory


def _open_writable(path: Path) -> sqlite3.Connection:
    new = not path.exists()
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        if new:
            os.chmod(path, 0o600)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        _tune(conn)
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def connect(path: Path | str, *, migrate: bool = True) -> Store:
    """Open (creating if needed) the database at `path`, 0600, with migrations applied.

    When the disk is full, switching to WAL fails ("disk I/O error"): an existing
    database is then opened read-only, so pages and read-only commands still work.
    """
    path = Path(path)
    try:
        db = _open_migrated(path, migrate)
    except sqlite3.Error as exc:
        reason = unwritable_reason(exc)
        if reason is None or not path.exists():
            raise
        conn = _open_read_only(path)
        log.warning("storage.read_only", extra={"path": str(path), "reason": reason})
        return Store(_database(conn), path=path, read_only=reason)
    return Store(db, path=path)


def _open_read_only(path: Path) -> sqlite3.Connection:
    """Read-only, for a full disk. A WAL database needs its -shm index even to read; when that cannot
    be created and the WAL holds nothing (the last writer closed cleanly), the main file is the whole
    database and is opened as immutable."""
    wal = path.with_name(path.name + "-wal")
    modes = ["mode=ro"] + (["immutable=1"] if not wal.exists() or wal.stat().st_size == 0 else [])
    failure = sqlite3.OperationalError("cannot open the database read-only")
    for mode in modes:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True, isolation_level=None,
                               check_same_thread=False)
        try:
            _tune(conn)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            conn.close()
            failure = exc
            continue
        return conn
    raise failure


def _open_migrated(path: Path, migrate: bool = True) -> sqlite_utils.Database:
    conn = _open_writable(path)
    db = _database(conn)
    try:
        if migrate:
            apply_migrations(db)
    except sqlite3.Error:
        conn.close()
        raise
    return db


def memory() -> Store:
    """An in-memory store with every migration, for unit tests of services."""
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys=ON")
    db = _database(conn)
    apply_migrations(db)
    return Store(db)
