"""Space pictures: this space's logo and photos, and the cached copies of other spaces' pictures.

`space_pictures` holds files we re-encoded from the admin's uploads (names in `media/`),
each with its alt text per language. `remote_pictures` is the local cache of the
pictures other spaces publish (`icon`, `image`, Image attachments): fetched once per
source URL, re-encoded, served from `media/`; `file` is NULL when the picture was
skipped (too large, too slow, a private address, not a picture), so pages show the
space's initials and the fetch is not retried in a loop.

`discovered_spaces.document` keeps the actor document discovery fetched, so the map can place a
discovered space (its `location`) and show its cached logo without fetching it again.
"""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE space_pictures (
            id INTEGER PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('logo', 'photo')),
            file TEXT NOT NULL,
            alt_map TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL
        );

        CREATE TABLE remote_pictures (
            space_id TEXT NOT NULL,                  -- the remote space's actor id
            source_url TEXT NOT NULL,                -- where its document says the picture is
            role TEXT NOT NULL CHECK (role IN ('logo', 'photo')),
            position INTEGER NOT NULL,
            alt_map TEXT NOT NULL DEFAULT '{}',
            file TEXT,                               -- our re-encoded copy, NULL when skipped
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (space_id, source_url)
        );

        ALTER TABLE discovered_spaces ADD COLUMN document TEXT NOT NULL DEFAULT '{}';
        """
    )
