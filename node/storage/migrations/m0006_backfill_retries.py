"""Failed backfill walks are tried again on their own: `attempts` so far, `retry_at` the next try
(NULL: none planned, after too many failures or for a walk that did not fail)."""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db,
        """
        ALTER TABLE backfill_jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE backfill_jobs ADD COLUMN retry_at TEXT;
        """
    )
