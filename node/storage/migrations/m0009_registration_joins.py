"""An index on the Join a registration came from: an Undo, Accept or Reject may name it by id alone,
and every such activity is looked up there (node.storage.recorded)."""

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    db.execute("CREATE INDEX IF NOT EXISTS registrations_join ON registrations (join_activity_id)")
