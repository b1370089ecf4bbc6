"""What we have recorded under an id, whichever table holds it.

An Undo, Accept, Reject or Delete may name its object by id alone. The id can be one of our
activities, a remote Follow we hold in `follows`, a remote Join we hold in `registrations`, a
remote actor, a remote event or a remote opportunity (a `Page`): one query answers for all of them, so no handler has to know
where another concern keeps its ids.
"""

from __future__ import annotations

from node.storage.db import Store

# Most specific first: our own activities, then the remote activities each concern records.
_TYPE_OF = """
    SELECT type FROM (
        SELECT 1 AS rank, type FROM activities WHERE id = :id
        UNION ALL SELECT 2, 'Follow' FROM follows WHERE activity_id = :id
        UNION ALL SELECT 3, 'Join' FROM registrations WHERE join_activity_id = :id
        UNION ALL SELECT 4, type FROM actors WHERE id = :id
        UNION ALL SELECT 5, 'Event' FROM events WHERE ap_id = :id
        UNION ALL SELECT 6, 'Page' FROM opportunities WHERE ap_id = :id
    ) ORDER BY rank LIMIT 1
"""


def type_of(store: Store, object_id: str) -> str | None:
    """The type of the activity, actor or event recorded under `object_id`; None if we hold none."""
    row = store.db.execute(_TYPE_OF, {"id": object_id}).fetchone()
    return row[0] if row else None
