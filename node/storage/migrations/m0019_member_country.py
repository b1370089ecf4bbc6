"""A member's country of residence (optional, ISO 3166 alpha-2): only counted in the indicators'
"people registered by country", never federated nor shown on the public profile."""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db, "ALTER TABLE members ADD COLUMN country TEXT NOT NULL DEFAULT '';")
