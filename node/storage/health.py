"""Can the node write? Storage errors that mean "not now" (full disk, read-only) and a write probe.

A full disk is an operating condition, not a bug: the inbox answers 503 with
Retry-After (senders retry, nothing they sent is lost), pages say so, the CLI
prints one line, `/healthz` says `degraded`. These helpers tell such errors
apart from real bugs, which still log a traceback.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from node.timeutil import now_iso

if TYPE_CHECKING:
    from node.storage.db import Store

MIN_FREE_BYTES = 1024 * 1024  # below this, the next checkpoint or upload is likely to fail
_REASONS = {
    sqlite3.SQLITE_FULL: "the disk is full",
    sqlite3.SQLITE_IOERR: "the disk cannot be written (I/O error; is it full?)",
    sqlite3.SQLITE_READONLY: "the database is open read-only (it could not be opened for writing)",
    sqlite3.SQLITE_CANTOPEN: "the database files cannot be created (is the disk full?)",
}


def unwritable_reason(exc: BaseException) -> str | None:
    """Why the database cannot be written, when `exc` says so; None for any other error."""
    if not isinstance(exc, sqlite3.Error):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    return _REASONS.get(code & 0xFF)


def low_space_reason(directory: Path) -> str | None:
    try:
        stats = os.statvfs(directory)
    except OSError as exc:
        return f"cannot read the free space of {directory}: {exc.strerror}"
    free = stats.f_bavail * stats.f_frsize
    return f"only {free // 1024} KiB free on the data directory" if free < MIN_FREE_BYTES else None


def probe(conn: sqlite3.Connection) -> str | None:
    """Write one row in its own transaction; the reason it failed, or None when the write went through.

    Skipped (None) inside another transaction on this connection: a failed probe must not roll it back.
    """
    if conn.in_transaction:
        return None
    try:
        conn.execute("INSERT OR REPLACE INTO _write_probe (id, at) VALUES (1, ?)", [now_iso()])
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return unwritable_reason(exc) or f"the database refused a write: {exc}"
    return None


def status(store: "Store", data_dir: Path) -> str | None:
    """Why the node cannot write now (None: it can); a read-only store tries to become writable first."""
    if store.read_only is not None and not store.reopen():
        return store.read_only
    return probe(store.conn) or low_space_reason(data_dir)
