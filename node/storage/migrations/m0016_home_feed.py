"""The home feed: what the spaces and people a member follows published, one row per (member, activity).

A row keeps a small snapshot (kind, names, summary, link) so the feed reads without
joining remote documents, and survives the activity being pruned elsewhere.
"""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db, """
        CREATE TABLE IF NOT EXISTS feed_items (
            id INTEGER PRIMARY KEY,
            member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            activity_id TEXT NOT NULL,
            actor TEXT NOT NULL,          -- who published it
            via TEXT NOT NULL,            -- the followed actor it came through
            kind TEXT NOT NULL,           -- event, member, profile, article
            object_id TEXT,
            url TEXT,
            names TEXT NOT NULL DEFAULT '{}',    -- language map of the title
            summaries TEXT NOT NULL DEFAULT '{}',
            published TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (member_id, activity_id)
        );
        CREATE INDEX IF NOT EXISTS feed_items_member ON feed_items (member_id, published DESC, id DESC);
    """)
