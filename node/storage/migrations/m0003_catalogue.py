"""The cross-border catalogue: who can do what, where, in which language, across followed spaces.

`catalogue` has one row per person this node knows: its local members and the
discoverable members of the spaces it follows. `catalogue_skills` repeats the ESCO
URIs one per row so a skill filter is an index lookup; `catalogue_fts` is an FTS5
index over the texts, with the catalogue as its external content and triggers that
keep it in step on every insert, update and delete (whoever writes). Only rows a
text search may find are in it: local members, and remote ones not `indexable: false`.
"""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db,
        """
        CREATE TABLE catalogue (
            id INTEGER PRIMARY KEY,                      -- stable rowid for the FTS index (VACUUM renumbers implicit ones)
            actor_id TEXT NOT NULL UNIQUE,
            origin TEXT NOT NULL,                        -- 'local' or the remote node's origin (https://host)
            space_id TEXT NOT NULL,                      -- the home space's actor id
            space_name TEXT NOT NULL DEFAULT '',
            country TEXT NOT NULL DEFAULT '',            -- ISO 3166 alpha-2, '' if unknown
            region TEXT NOT NULL DEFAULT '',
            city TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL DEFAULT '',
            handle TEXT NOT NULL DEFAULT '',             -- user@host
            summary TEXT NOT NULL DEFAULT '',            -- plain text, every language joined
            organisation TEXT NOT NULL DEFAULT '',
            skills_offered TEXT NOT NULL DEFAULT '[]',   -- ESCO URIs
            skills_sought TEXT NOT NULL DEFAULT '[]',
            tags TEXT NOT NULL DEFAULT '[]',
            languages TEXT NOT NULL DEFAULT '[]',
            open_to TEXT NOT NULL DEFAULT '[]',
            visibility TEXT NOT NULL CHECK (visibility IN ('public', 'network', 'local')),
            discoverable INTEGER NOT NULL DEFAULT 1,
            indexable INTEGER NOT NULL DEFAULT 1,
            profile_url TEXT NOT NULL DEFAULT '',
            avatar_url TEXT NOT NULL DEFAULT '',
            sort_name TEXT NOT NULL DEFAULT '',          -- folded name: the last ranking key
            updated_at TEXT NOT NULL                     -- when this node last indexed the row
        );
        -- Browsing walks this index in name order, checking the filters inside it; searches join
        -- their hits to the next one. Both hold every filtered column, so neither reads the rows.
        CREATE INDEX catalogue_browse ON catalogue (sort_name, id, visibility, country, space_id, languages, open_to);
        CREATE INDEX catalogue_filters ON catalogue (id, visibility, country, space_id, city, languages, open_to, sort_name);
        CREATE INDEX catalogue_country ON catalogue (country, visibility);
        CREATE INDEX catalogue_space ON catalogue (space_id, visibility);
        CREATE INDEX catalogue_city ON catalogue (city COLLATE NOCASE);
        CREATE INDEX catalogue_origin ON catalogue (origin);

        CREATE TABLE catalogue_skills (
            uri TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('offered', 'sought')),
            entry_id INTEGER NOT NULL REFERENCES catalogue(id) ON DELETE CASCADE,
            PRIMARY KEY (uri, kind, entry_id)
        ) WITHOUT ROWID;
        CREATE INDEX catalogue_skills_entry ON catalogue_skills (entry_id);

        CREATE VIRTUAL TABLE catalogue_fts USING fts5 (
            name, handle, organisation, summary, tags,
            content = 'catalogue', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER catalogue_fts_insert AFTER INSERT ON catalogue
        WHEN new.origin = 'local' OR new.indexable BEGIN
            INSERT INTO catalogue_fts (rowid, name, handle, organisation, summary, tags)
            VALUES (new.id, new.name, new.handle, new.organisation, new.summary, new.tags);
        END;
        CREATE TRIGGER catalogue_fts_delete AFTER DELETE ON catalogue
        WHEN old.origin = 'local' OR old.indexable BEGIN
            INSERT INTO catalogue_fts (catalogue_fts, rowid, name, handle, organisation, summary, tags)
            VALUES ('delete', old.id, old.name, old.handle, old.organisation, old.summary, old.tags);
        END;
        CREATE TRIGGER catalogue_fts_update AFTER UPDATE ON catalogue BEGIN
            INSERT INTO catalogue_fts (catalogue_fts, rowid, name, handle, organisation, summary, tags)
            SELECT 'delete', old.id, old.name, old.handle, old.organisation, old.summary, old.tags
            WHERE old.origin = 'local' OR old.indexable;
            INSERT INTO catalogue_fts (rowid, name, handle, organisation, summary, tags)
            SELECT new.id, new.name, new.handle, new.organisation, new.summary, new.tags
            WHERE new.origin = 'local' OR new.indexable;
        END;

        CREATE TABLE backfill_jobs (                     -- one per followed space: walk its members collection
            id INTEGER PRIMARY KEY,
            space_id TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
            next_url TEXT,                               -- the page to read next: where a resumed job starts
            pages_done INTEGER NOT NULL DEFAULT 0,
            items_done INTEGER NOT NULL DEFAULT 0,
            items_rejected INTEGER NOT NULL DEFAULT 0,
            lease_until TEXT,                            -- a running job's owner holds it until then
            queued_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            error TEXT
        );
        CREATE INDEX backfill_jobs_due ON backfill_jobs (state, queued_at);

        CREATE TABLE discovered_spaces (                 -- spaces followed by the spaces we follow
            id TEXT PRIMARY KEY,                         -- the space's actor id
            name TEXT NOT NULL DEFAULT '',
            country TEXT NOT NULL DEFAULT '',
            city TEXT NOT NULL DEFAULT '',
            via TEXT NOT NULL,                           -- the followed space whose `following` listed it
            discovered_at TEXT NOT NULL
        );
        """
    )
