"""Consistency under faults (issue 22): knowing whether the disk takes writes, and which
version of a peer's event we hold.

- `_write_probe`: one row that `/healthz` rewrites to learn whether the disk still takes writes.
- `events.remote_updated`, `events.remote_digest`: the `updated` time and content hash of the
  version of a peer's event we stored, so a late, older Update is not applied over a newer one.
"""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE _write_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL);
        ALTER TABLE events ADD COLUMN remote_updated TEXT;
        ALTER TABLE events ADD COLUMN remote_digest TEXT;
        """
    )
