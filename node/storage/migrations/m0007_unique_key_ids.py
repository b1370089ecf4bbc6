"""A keyId belongs to one actor: `actors.public_key_id` is unique (and indexed, for the inbox's key lookup).

Rows stored before that rule may hold a keyId their actor may not hold (another origin's key,
or another actor's `#fragment` key: key shadowing): those keys are forgotten, to be fetched
again from their real owner. Of remaining duplicates, the actor the keyId names is kept.
"""

from urllib.parse import urldefrag

import sqlite_utils

from federation.keyfetch import may_hold_key


def migrate(db: sqlite_utils.Database) -> None:
    rows = db.execute("SELECT id, public_key_id FROM actors WHERE public_key_id IS NOT NULL "
                      "ORDER BY fetched_at DESC").fetchall()
    holder: dict[str, str] = {}
    for actor_id, key_id in sorted(rows, key=lambda row: urldefrag(row[1]).url != row[0]):
        if may_hold_key(actor_id, key_id) and key_id not in holder:
            holder[key_id] = actor_id
            continue
        db.execute("UPDATE actors SET public_key_id = NULL, public_key_pem = NULL WHERE id = ?", [actor_id])
    db.execute("CREATE UNIQUE INDEX actors_public_key_id ON actors(public_key_id)")
