"""Read-only facts about a database for `/metrics`, `coffee-node check` and `restore`.

Features land their tables independently (deliveries, catalogue), so every
query here first looks for its table and answers None when it is not there yet:
operations must keep working on a database from an older or newer release.
These take a plain `sqlite3.Connection` because `check` opens the database
without a `Store` (no migrations: it must not change what it inspects).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from node.storage.migrations import discover

MEMBER_VISIBILITIES = ("public", "network", "local")
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def has_columns(conn: sqlite3.Connection, table: str, *columns: str) -> bool:
    """True if `table` exists with at least `columns`."""
    found = {row[1] for row in conn.execute("SELECT * FROM pragma_table_info(?)", [table])}
    return bool(found) and set(columns) <= found


def members_by_visibility(conn: sqlite3.Connection) -> dict[str, int]:
    """Every visibility, zero included, so the series exist from the first scrape."""
    counts = dict.fromkeys(MEMBER_VISIBILITIES, 0)
    if has_columns(conn, "members", "visibility"):
        counts.update(conn.execute("SELECT visibility, count(*) FROM members GROUP BY visibility").fetchall())
    return counts


def deliveries_by_status(conn: sqlite3.Connection) -> dict[str, int] | None:
    """Every known status, zero included, so alerts see 0 rather than no series."""
    if not has_columns(conn, "deliveries", "status"):
        return None
    counts = dict.fromkeys((PENDING, DELIVERED, FAILED), 0)
    counts.update(conn.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall())
    return counts


def undelivered_by_domain(conn: sqlite3.Connection) -> dict[str, dict[str, int]] | None:
    """{domain: {status: count}} for deliveries not yet delivered (pending, failed, ...)."""
    if not has_columns(conn, "deliveries", "status", "domain"):
        return None
    backlog: dict[str, dict[str, int]] = {}
    rows = conn.execute(
        "SELECT domain, status, count(*) FROM deliveries WHERE status != ? GROUP BY domain, status ORDER BY domain",
        [DELIVERED],
    )
    for domain, status, count in rows:
        backlog.setdefault(domain, {})[status] = count
    return backlog


def catalogue_entries(conn: sqlite3.Connection) -> int | None:
    if not has_columns(conn, "catalogue_entries"):
        return None
    return int(conn.execute("SELECT count(*) FROM catalogue_entries").fetchone()[0])


def integrity_errors(conn: sqlite3.Connection) -> list[str]:
    """What `PRAGMA integrity_check` found wrong; empty when the database is sound."""
    rows = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else rows


def migration_status(conn: sqlite3.Connection) -> tuple[list[str], list[str]]:
    """(pending, unknown): migrations this code will run at start, and ones only a newer Coffee knows."""
    known = {name for _number, name in discover()}
    applied: set[str] = set()
    if has_columns(conn, "_migrations", "name"):
        applied = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
    return sorted(known - applied), sorted(applied - known)


def open_existing(path: Path) -> sqlite3.Connection:
    """Open a database for inspection without creating it or running migrations.

    Read-write on purpose: a read-only connection leaves `-wal`/`-shm` files behind,
    owned by whoever ran the command, which the node's own user then cannot open.
    """
    conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=5000")
    return conn
