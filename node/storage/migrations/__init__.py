"""Numbered migrations, applied in order at start and recorded in `_migrations`.

Each module `mNNNN_name.py` in this package defines `def migrate(db)`; one
table family per module, so features add their own file instead of editing a
shared one. A migration that has run never changes what it does after a release.
Each runs in one transaction: write its SQL with `run_script(db, sql)`, never
`db.executescript` (sqlite3's executescript commits first, so a failure would
leave half a migration behind).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sqlite3
from datetime import datetime, timezone
from typing import Callable, Iterable

import sqlite_utils

_NAME = re.compile(r"^m(\d{4})_\w+$")


def discover() -> list[tuple[int, str]]:
    """(number, module name) for every migration module, in order; numbers must be unique."""
    found: dict[int, str] = {}
    for info in pkgutil.iter_modules(__path__):
        match = _NAME.match(info.name)
        if not match:
            continue
        number = int(match.group(1))
        if number in found:
            raise RuntimeError(f"two migrations numbered {number}: {found[number]}, {info.name}")
        found[number] = info.name
    return sorted(found.items())


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run the SQL statements of `script` one by one in the open transaction.

    `sqlite3.executescript` commits a pending transaction first, and sqlite-utils 3.x calls it
    directly: a migration written with it was applied in pieces and broke the COMMIT after it.
    """
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \t\n;"):
                db.conn.execute(buffer)
            buffer = ""
    if buffer.strip(" \t\n;"):
        raise ValueError(f"incomplete SQL statement: {buffer.strip()[:80]!r}")


def apply_migrations(db: sqlite_utils.Database,
                     migrations: Iterable[tuple[str, Callable[[sqlite_utils.Database], None]]] | None = None) -> list[str]:
    """Run the migrations not yet recorded, each in one transaction (all of it or nothing); return their names.

    `migrations`: (name, migrate) pairs instead of this package's modules (tests).
    """
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    if migrations is None:
        migrations = [(name, importlib.import_module(f"{__name__}.{name}").migrate) for _number, name in discover()]
    applied = []
    for name, migrate in migrations:
        if name in done:
            continue
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            migrate(db)
            if not db.conn.in_transaction:  # committed halfway: what is done cannot be undone
                raise RuntimeError(f"migration {name} ended its own transaction; write it with run_script()")
            db.conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                            [name, datetime.now(timezone.utc).isoformat()])
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        db.conn.execute("COMMIT")
        applied.append(name)
    return applied
