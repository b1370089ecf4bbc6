"""Sessions can be revoked: a cookie is valid only while it carries its member's current
`session_version`; changing the password raises it, which signs out every other session."""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db, "ALTER TABLE members ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;")
