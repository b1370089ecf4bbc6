"""The thread of direct messages that follows an answer (poster and answerer, one node each).

Every message is a Note addressed to the other party alone, `inReplyTo` the answer's Note (the
thread's root), kept here on both nodes and never in a collection.
"""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db,
        """
        CREATE TABLE answer_messages (
            id INTEGER PRIMARY KEY,
            answer_id INTEGER NOT NULL REFERENCES opportunity_answers(id) ON DELETE CASCADE,
            author_id TEXT NOT NULL,                     -- actor id: the poster or the answerer
            note_id TEXT NOT NULL UNIQUE,
            message TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX answer_messages_answer ON answer_messages (answer_id, id);
        """
    )
