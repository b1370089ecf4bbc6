"""A one-row table that `/healthz` rewrites to learn whether the disk still takes writes."""

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE _write_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL)")
