"""What followers last heard of each local event's registrations, and what a peer says of its own.

`announced_participants`/`announced_cross_border`: the accepted count and flag carried by
the last Create/Update we sent, so registrations can be re-announced once they change
(coalesced: a rush of Joins makes one Update, not one per Join).
`reported_cross_border`: a peer event's own flag (only its origin knows where its
attendees come from).
"""

import sqlite_utils

from node.storage.migrations import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(db,
        """
        ALTER TABLE events ADD COLUMN announced_participants INTEGER;
        ALTER TABLE events ADD COLUMN announced_cross_border INTEGER;
        ALTER TABLE events ADD COLUMN reported_cross_border INTEGER NOT NULL DEFAULT 0;
        UPDATE events SET
            announced_participants = (SELECT count(*) FROM registrations r
                                      WHERE r.event_id = events.id AND r.status = 'accepted'),
            announced_cross_border = cross_border
        WHERE origin = 'local';
        """
    )
