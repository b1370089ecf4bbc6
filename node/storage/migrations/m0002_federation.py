"""Federation state: known remote actors, follows, our activities, inbox, deliveries, domains."""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db,
        """
        CREATE TABLE actors (                      -- remote actors we have fetched or received
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            preferred_username TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL DEFAULT '',
            domain TEXT NOT NULL,
            inbox TEXT NOT NULL,
            shared_inbox TEXT,
            outbox TEXT,
            followers TEXT,
            following TEXT,
            url TEXT,
            public_key_id TEXT,
            public_key_pem TEXT,
            discoverable INTEGER NOT NULL DEFAULT 0,
            indexable INTEGER NOT NULL DEFAULT 0,
            document TEXT NOT NULL,                -- the normalised JSON-LD document
            fetched_at TEXT NOT NULL
        );
        CREATE INDEX actors_domain ON actors(domain);

        CREATE TABLE follows (                     -- both directions: local→remote and remote→local
            id INTEGER PRIMARY KEY,
            follower TEXT NOT NULL,
            followee TEXT NOT NULL,
            activity_id TEXT NOT NULL UNIQUE,      -- the Follow activity
            state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (follower, followee)
        );
        CREATE INDEX follows_followee ON follows(followee, state);

        CREATE TABLE activities (                  -- what our actors published (outboxes)
            id TEXT PRIMARY KEY,
            actor TEXT NOT NULL,
            type TEXT NOT NULL,
            object_id TEXT,
            public INTEGER NOT NULL DEFAULT 0,
            document TEXT NOT NULL,
            published TEXT NOT NULL
        );
        CREATE INDEX activities_actor ON activities(actor, published);

        CREATE TABLE inbox (                       -- verified inbound activities, processed by a worker
            id INTEGER PRIMARY KEY,
            activity_id TEXT UNIQUE,               -- NULL when the id is not on the actor's origin
            actor TEXT NOT NULL,
            type TEXT NOT NULL,
            recipient TEXT,                        -- local actor whose inbox got it; NULL = shared inbox
            document TEXT NOT NULL,
            signer TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'ignored', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            received_at TEXT NOT NULL,
            processed_at TEXT
        );
        CREATE INDEX inbox_queued ON inbox(state, id);

        CREATE TABLE deliveries (                  -- one row per (activity, inbox): durable, retried
            id INTEGER PRIMARY KEY,
            activity_id TEXT NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            inbox TEXT NOT NULL,
            domain TEXT NOT NULL,
            signer TEXT NOT NULL,                  -- local actor id whose key signs
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_status INTEGER,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (activity_id, inbox)
        );
        CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
        CREATE INDEX deliveries_domain ON deliveries(domain, status);

        CREATE TABLE domains (                     -- blocks and delivery health per remote domain
            domain TEXT PRIMARY KEY,
            blocked INTEGER NOT NULL DEFAULT 0,
            block_reason TEXT NOT NULL DEFAULT '',
            blocked_at TEXT,
            failing_since TEXT,                    -- first failure after the last success
            last_success_at TEXT,
            last_failure_at TEXT
        );

        CREATE TABLE tombstones (                  -- our deleted objects answer 410 Gone
            id TEXT PRIMARY KEY,
            former_type TEXT NOT NULL,
            deleted_at TEXT NOT NULL
        );
        """
    )
