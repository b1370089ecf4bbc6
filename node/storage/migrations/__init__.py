"""Numbered migrations, applied in order at start and recorded in `_migrations`.

Each module `mNNNN_name.py` in this package defines `def migrate(db)`; one
table family per module, so features add their own file instead of editing a
shared one. A migration that has run is never edited after a release.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import datetime, timezone

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


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Run the migrations not yet recorded, each in its own transaction; return their names."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    applied = []
    for _number, name in discover():
        if name in done:
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            module.migrate(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [name, datetime.now(timezone.utc).isoformat()],
            )
        except BaseException:
            db.conn.execute("ROLLBACK")
            raise
        db.conn.execute("COMMIT")
        applied.append(name)
    return applied
