"""Opportunities (jobs, internships, missions, requests and offers of help), the answers to
them, and the partnerships they lead to.

Answers are private messages between two members: they live in their own table, never in
`activities`-backed collections or the catalogue. `partnerships.cross_border` is derived
(the two parties' countries differ) and stored so the monthly counts are plain SQL.
"""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db,
        """
        CREATE TABLE opportunities (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            ap_id TEXT NOT NULL UNIQUE,                  -- {base}/opportunities/{uuid} for local ones
            origin TEXT NOT NULL DEFAULT 'local',        -- 'local' or the remote node's origin (https://host)
            url TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL CHECK (kind IN ('job', 'internship', 'mission', 'request', 'offer')),
            name_map TEXT NOT NULL DEFAULT '{}',
            content_map TEXT NOT NULL DEFAULT '{}',
            content_format TEXT NOT NULL DEFAULT 'text' CHECK (content_format IN ('text', 'html')),
            skills TEXT NOT NULL DEFAULT '[]',           -- ESCO concept URIs
            languages TEXT NOT NULL DEFAULT '[]',        -- languages required
            place_kind TEXT NOT NULL DEFAULT 'this_space'
                CHECK (place_kind IN ('this_space', 'network_space', 'address', 'remote')),
            place_name TEXT NOT NULL DEFAULT '',
            city TEXT NOT NULL DEFAULT '',
            country TEXT NOT NULL DEFAULT '',            -- ISO 3166 alpha-2 of the place
            jurisdiction TEXT NOT NULL DEFAULT '',       -- ISO 3166-1/-2 code whose rules apply (FR, BE-WAL)
            starts_on TEXT NOT NULL DEFAULT '',          -- a date, '' if open
            duration TEXT NOT NULL DEFAULT '',           -- free text ("6 months")
            contract TEXT NOT NULL DEFAULT '',
            pay_amount REAL,
            pay_currency TEXT NOT NULL DEFAULT '',
            pay_period TEXT NOT NULL DEFAULT '',
            expires_at TEXT NOT NULL,                    -- UTC ISO 8601
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'filled', 'withdrawn', 'expired')),
            visibility TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'network')),
            poster_id TEXT NOT NULL,                     -- actor id of the member (or space) who posted it
            poster_name TEXT NOT NULL DEFAULT '',
            space_id TEXT NOT NULL,                      -- actor id of the poster's space
            space_name TEXT NOT NULL DEFAULT '',
            country_of_space TEXT NOT NULL DEFAULT '',
            member_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
            published_by TEXT NOT NULL DEFAULT '',       -- remote: the actor whose Create we stored
            published_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT
        );
        CREATE INDEX opportunities_status ON opportunities (status, expires_at);

        CREATE TABLE opportunity_answers (
            id INTEGER PRIMARY KEY,
            opportunity_id INTEGER NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
            direction TEXT NOT NULL CHECK (direction IN ('sent', 'received')),
            answerer_id TEXT NOT NULL,                   -- actor id of who answered
            answerer_name TEXT NOT NULL DEFAULT '',
            answerer_country TEXT NOT NULL DEFAULT '',
            answerer_space TEXT NOT NULL DEFAULT '',
            note_id TEXT NOT NULL UNIQUE,                -- the Note's ActivityPub id
            message TEXT NOT NULL DEFAULT '',
            profile_url TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'declined', 'accepted')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (opportunity_id, answerer_id)
        );
        CREATE INDEX opportunity_answers_answerer ON opportunity_answers (answerer_id, created_at);

        CREATE TABLE partnerships (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            ap_id TEXT NOT NULL UNIQUE,                  -- the Partnership object's id (at the proposer's node)
            offer_id TEXT NOT NULL DEFAULT '',           -- the Offer activity that proposed it
            opportunity_ap_id TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL CHECK (kind IN ('mission', 'job', 'internship', 'coproduction', 'subcontracting', 'other')),
            proposer_id TEXT NOT NULL,
            proposer_name TEXT NOT NULL DEFAULT '',
            proposer_space TEXT NOT NULL DEFAULT '',
            proposer_country TEXT NOT NULL DEFAULT '',
            partner_id TEXT NOT NULL,
            partner_name TEXT NOT NULL DEFAULT '',
            partner_space TEXT NOT NULL DEFAULT '',
            partner_country TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'ended')),
            cross_border INTEGER NOT NULL DEFAULT 0,
            started_at TEXT,                             -- when the partner accepted: the month it counts in
            ended_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX partnerships_started ON partnerships (started_at);

        ALTER TABLE space ADD COLUMN members_can_post_opportunities INTEGER NOT NULL DEFAULT 1;
        """
    )
