"""The day each member last used the node (signed in, or came back with a session), for NodeInfo's
`activeMonth` and `activeHalfyear`. A day, not a time, because counting is all it is for; a table of
its own, because using the node is not a change to the member's account or profile."""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db,
        """
        CREATE TABLE member_activity (
            member_id INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
            last_active_on TEXT NOT NULL                 -- YYYY-MM-DD, UTC
        );
        """
    )
