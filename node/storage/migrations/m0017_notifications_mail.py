"""Notifications (in-app), per-kind preferences, the durable mail outbox, account e-mail and its one-time tokens."""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db, """
        CREATE TABLE IF NOT EXISTS notifications (
            id INTEGER PRIMARY KEY,
            member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            params TEXT NOT NULL DEFAULT '{}',   -- what the message says, rendered in the reader's language
            url TEXT,
            created_at TEXT NOT NULL,
            read_at TEXT
        );
        CREATE INDEX IF NOT EXISTS notifications_member ON notifications (member_id, read_at, id DESC);

        CREATE TABLE IF NOT EXISTS notification_prefs (
            member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('email', 'app', 'off')),
            PRIMARY KEY (member_id, kind)
        );

        CREATE TABLE IF NOT EXISTS member_emails (
            member_id INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
            address TEXT NOT NULL,
            confirmed_at TEXT
        );
        CREATE INDEX IF NOT EXISTS member_emails_address ON member_emails (address COLLATE NOCASE);

        CREATE TABLE IF NOT EXISTS email_tokens (
            token_hash TEXT PRIMARY KEY,
            member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            purpose TEXT NOT NULL CHECK (purpose IN ('confirm', 'reset')),
            address TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        );

        CREATE TABLE IF NOT EXISTS mail_outbox (
            id INTEGER PRIMARY KEY,
            recipient TEXT NOT NULL,
            message TEXT NOT NULL,               -- the whole RFC 5322 message, composed when queued
            state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX IF NOT EXISTS mail_outbox_due ON mail_outbox (state, next_attempt_at);
    """)
