"""The day a member last used the node (signed in or came back with a session), for NodeInfo's
`activeMonth` and `activeHalfyear`: a day, not a time, because counting is all it is for."""

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE members ADD COLUMN last_active_on TEXT")  # YYYY-MM-DD (UTC), NULL: never since
