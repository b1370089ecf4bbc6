"""Indicators: the private support log, targets per indicator and period, and the cache of the
indicators other spaces publish (each with when and where it was read, and whether it verified)."""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db,
        """
        CREATE TABLE support_log (                       -- private to the space's admins: never federated
            id INTEGER PRIMARY KEY,
            beneficiary_type TEXT NOT NULL CHECK (beneficiary_type IN ('company', 'person')),
            beneficiary_name TEXT NOT NULL,
            beneficiary_country TEXT NOT NULL DEFAULT '',  -- ISO 3166 alpha-2, '' if unknown
            new_company INTEGER NOT NULL DEFAULT 0,        -- a company created less than three years ago
            member_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
            kind TEXT NOT NULL,
            support_date TEXT NOT NULL,                    -- YYYY-MM-DD
            hours REAL NOT NULL CHECK (hours >= 0),
            given_by TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE INDEX support_log_date ON support_log (support_date);

        CREATE TABLE indicator_targets (
            indicator TEXT NOT NULL,
            period_from TEXT NOT NULL DEFAULT '',          -- YYYY-MM, '' for open
            period_to TEXT NOT NULL DEFAULT '',
            target INTEGER NOT NULL CHECK (target >= 0),
            PRIMARY KEY (indicator, period_from, period_to)
        );

        CREATE TABLE indicator_sources (                 -- other spaces' published indicators, last read
            space_id TEXT NOT NULL,
            period_key TEXT NOT NULL,                      -- 'total' or 'FROM..TO'
            url TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('verified', 'unverified', 'failed')),
            error TEXT NOT NULL DEFAULT '',
            checked_at TEXT NOT NULL,
            document TEXT,                                 -- the last verified document (JSON), kept on failure
            verified_at TEXT,
            PRIMARY KEY (space_id, period_key)
        );
        """
    )
