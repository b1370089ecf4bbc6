"""Professions: a member states theirs as ESCO occupations, shown in the form they choose.

`members.professions` and `catalogue.professions` hold ESCO occupation URIs (JSON arrays);
`profession_gender` is 'm' or 'f' for a gendered title ("traducteur", "traductrice") or ''
for both forms. `catalogue.skill_labels` keeps the label a remote profile sent with a concept
this node does not know, to show it. `catalogue_skills` gains the kind 'profession', so a catalogue search finds
people by their profession with the same index lookup as by a skill; its CHECK constraint
can only change by rebuilding the table (rows copied as they are).
"""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db,
        """
        ALTER TABLE members ADD COLUMN professions TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE members ADD COLUMN profession_gender TEXT NOT NULL DEFAULT '';
        ALTER TABLE catalogue ADD COLUMN professions TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE catalogue ADD COLUMN profession_gender TEXT NOT NULL DEFAULT '';
        -- labels a remote profile gave with concepts this node does not know (a newer ESCO): {uri: label}
        ALTER TABLE catalogue ADD COLUMN skill_labels TEXT NOT NULL DEFAULT '{}';

        CREATE TABLE catalogue_skills_new (
            uri TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('offered', 'sought', 'profession')),
            entry_id INTEGER NOT NULL REFERENCES catalogue(id) ON DELETE CASCADE,
            PRIMARY KEY (uri, kind, entry_id)
        ) WITHOUT ROWID;
        INSERT INTO catalogue_skills_new (uri, kind, entry_id) SELECT uri, kind, entry_id FROM catalogue_skills;
        DROP TABLE catalogue_skills;
        ALTER TABLE catalogue_skills_new RENAME TO catalogue_skills;
        CREATE INDEX catalogue_skills_entry ON catalogue_skills (entry_id);
        """
    )
