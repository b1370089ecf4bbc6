"""The space profile, its members (accounts and profiles) and invitations."""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db,
        """
        CREATE TABLE space (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            slug TEXT NOT NULL,
            name TEXT NOT NULL,
            description_map TEXT NOT NULL DEFAULT '{}',   -- {"fr": "...", "nl": "..."}
            kind TEXT NOT NULL DEFAULT 'coworking',
            street TEXT NOT NULL DEFAULT '',
            postal_code TEXT NOT NULL DEFAULT '',
            city TEXT NOT NULL DEFAULT '',
            region TEXT NOT NULL DEFAULT '',
            country TEXT NOT NULL,
            latitude REAL,
            longitude REAL,
            website TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            opening_hours TEXT NOT NULL DEFAULT '[]',     -- [{"days": "Mo-Fr", "opens": "08:30", "closes": "18:00"}]
            amenities TEXT NOT NULL DEFAULT '[]',
            price_hour REAL,
            price_day REAL,
            price_month REAL,
            currency TEXT NOT NULL DEFAULT 'EUR',
            welcomes_network INTEGER NOT NULL DEFAULT 1,
            network_terms_map TEXT NOT NULL DEFAULT '{}',
            languages TEXT NOT NULL DEFAULT '[]',
            updated_at TEXT NOT NULL
        );

        CREATE TABLE members (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL DEFAULT '',
            bio_map TEXT NOT NULL DEFAULT '{}',
            organisation TEXT NOT NULL DEFAULT '',
            city TEXT NOT NULL DEFAULT '',
            skills_offered TEXT NOT NULL DEFAULT '[]',    -- ESCO concept URIs
            skills_sought TEXT NOT NULL DEFAULT '[]',
            tags TEXT NOT NULL DEFAULT '[]',              -- free-text skills
            languages TEXT NOT NULL DEFAULT '[]',         -- BCP 47 codes
            open_to TEXT NOT NULL DEFAULT '[]',           -- missions, jobs, internships, collaborations, mentoring
            links TEXT NOT NULL DEFAULT '[]',
            avatar TEXT,                                   -- file name under media/
            visibility TEXT NOT NULL DEFAULT 'local' CHECK (visibility IN ('public', 'network', 'local')),
            role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
            status TEXT NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'active', 'suspended')),
            password_hash TEXT,
            private_key_pem TEXT,
            public_key_pem TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE invitations (
            token_hash TEXT PRIMARY KEY,
            member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        );
        """
    )
