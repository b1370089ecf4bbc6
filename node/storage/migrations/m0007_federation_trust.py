"""Trust data written before the federation-trust rules (issue 9): keys and blocks in their one form.

- A keyId belongs to one actor: `actors.public_key_id` is unique (and indexed, for the inbox's key
  lookup). Rows may hold a keyId their actor may not hold (another origin's key, or another actor's
  `#fragment` key: key shadowing): those keys are forgotten, to be fetched again from their real
  owner. Of remaining duplicates, the actor the keyId names is kept, else the latest fetched.
- Blocks are stored in `federation.origin`'s domain spelling (an admin could type `evil.example.`
  or `evil.example:443`, which then matched nothing): such rows move to the normalised domain.
"""

from urllib.parse import urldefrag

import sqlite_utils

from federation.errors import MalformedError
from federation.keyfetch import may_hold_key
from federation.origin import normalise_domain


def migrate(db: sqlite_utils.Database) -> None:
    _unique_key_ids(db)
    _normalised_blocks(db)


def _unique_key_ids(db: sqlite_utils.Database) -> None:
    rows = db.execute("SELECT id, public_key_id FROM actors WHERE public_key_id IS NOT NULL "
                      "ORDER BY fetched_at DESC").fetchall()
    holder: dict[str, str] = {}
    for actor_id, key_id in sorted(rows, key=lambda row: urldefrag(row[1]).url != row[0]):
        if may_hold_key(actor_id, key_id) and key_id not in holder:
            holder[key_id] = actor_id
            continue
        db.execute("UPDATE actors SET public_key_id = NULL, public_key_pem = NULL WHERE id = ?", [actor_id])
    db.execute("CREATE UNIQUE INDEX actors_public_key_id ON actors(public_key_id)")


def _normalised_blocks(db: sqlite_utils.Database) -> None:
    for domain, reason, blocked_at in db.execute(
            "SELECT domain, block_reason, blocked_at FROM domains WHERE blocked = 1").fetchall():
        try:
            normalised = normalise_domain(domain)
        except MalformedError:
            continue  # not a domain at all: left for the admin to see and lift
        if normalised == domain:
            continue
        db.execute("""INSERT INTO domains (domain, blocked, block_reason, blocked_at) VALUES (?, 1, ?, ?)
                      ON CONFLICT (domain) DO UPDATE SET blocked = 1, block_reason = excluded.block_reason,
                                                         blocked_at = excluded.blocked_at""",
                   [normalised, reason, blocked_at])
        db.execute("UPDATE domains SET blocked = 0, block_reason = '', blocked_at = NULL WHERE domain = ?", [domain])
