"""Events (local and remote), registrations to them, members' calendar feed tokens.

`cross_border` is derived (organisers, place and accepted registrations) and
stored so agendas can filter on it with an index; `node.services.events`
recomputes it in the same transaction as every change it depends on.
"""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db,
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            ap_id TEXT NOT NULL UNIQUE,                  -- {base}/events/{uuid} for local events
            origin TEXT NOT NULL DEFAULT 'local',        -- 'local' or the remote node's origin (https://host)
            url TEXT NOT NULL DEFAULT '',                -- the HTML page (remote events: theirs)
            name_map TEXT NOT NULL DEFAULT '{}',
            content_map TEXT NOT NULL DEFAULT '{}',      -- description per language
            content_format TEXT NOT NULL DEFAULT 'text' CHECK (content_format IN ('text', 'html')),
            starts_at TEXT NOT NULL,                     -- UTC ISO 8601
            ends_at TEXT NOT NULL,                       -- UTC ISO 8601, after starts_at
            all_day INTEGER NOT NULL DEFAULT 0,
            timezone TEXT NOT NULL,                      -- IANA zone the times are shown in
            place_kind TEXT NOT NULL CHECK (place_kind IN ('this_space', 'network_space', 'address', 'online_only')),
            place_name TEXT NOT NULL DEFAULT '',
            street TEXT NOT NULL DEFAULT '',
            postal_code TEXT NOT NULL DEFAULT '',
            city TEXT NOT NULL DEFAULT '',
            region TEXT NOT NULL DEFAULT '',
            country TEXT NOT NULL DEFAULT '',            -- ISO 3166 alpha-2 of the place, '' if unknown
            latitude REAL,
            longitude REAL,
            online_url TEXT NOT NULL DEFAULT '',
            category TEXT NOT NULL DEFAULT '',           -- FEP-8a8e category, '' if none
            languages TEXT NOT NULL DEFAULT '[]',
            capacity INTEGER CHECK (capacity IS NULL OR capacity >= 1),
            registration TEXT NOT NULL DEFAULT 'open' CHECK (registration IN ('open', 'approval', 'external', 'none')),
            external_url TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'tentative', 'cancelled')),
            organiser_id TEXT NOT NULL,                  -- the organising space's actor id
            organiser_name TEXT NOT NULL DEFAULT '',
            organiser_country TEXT NOT NULL DEFAULT '',
            cohosts TEXT NOT NULL DEFAULT '[]',          -- [{"id", "name", "country", "acct"}]
            image TEXT NOT NULL DEFAULT '',
            cross_border INTEGER NOT NULL DEFAULT 0,
            reported_participants INTEGER,               -- remote events: participantCount from the origin
            published_by TEXT NOT NULL DEFAULT '',       -- remote events: the actor whose Create we stored
            sequence INTEGER NOT NULL DEFAULT 0,         -- iCalendar SEQUENCE, bumped on every update
            created_by INTEGER REFERENCES members(id) ON DELETE SET NULL,
            ics_uid TEXT,                                -- imported events: UID[/occurrence start]
            published_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT,                             -- tombstone: the row stays so the id answers 410
            CHECK (ends_at > starts_at)
        );
        CREATE INDEX events_starts_at ON events (starts_at);
        CREATE INDEX events_origin ON events (origin);
        CREATE UNIQUE INDEX events_ics_uid ON events (ics_uid) WHERE ics_uid IS NOT NULL;

        CREATE TABLE registrations (
            id INTEGER PRIMARY KEY,
            event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            attendee_id TEXT NOT NULL,                   -- actor id: a local member or a remote Person
            attendee_name TEXT NOT NULL DEFAULT '',
            attendee_origin TEXT NOT NULL DEFAULT 'local',
            attendee_country TEXT NOT NULL DEFAULT '',
            member_id INTEGER REFERENCES members(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('accepted', 'pending', 'rejected', 'cancelled')),
            join_activity_id TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (event_id, attendee_id)
        );
        CREATE INDEX registrations_member ON registrations (member_id);

        CREATE TABLE calendar_tokens (
            member_id INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,             -- sha256 of the secret in the feed URL
            created_at TEXT NOT NULL
        );

        ALTER TABLE space ADD COLUMN members_can_create_events INTEGER NOT NULL DEFAULT 0;
        """
    )
