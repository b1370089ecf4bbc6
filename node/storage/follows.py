"""Follow relationships in both directions, keyed by the Follow activity id."""

from __future__ import annotations

from typing import Any, Iterable

from node.storage.db import Store
from node.timeutil import now_iso


def get(store: Store, follower: str, followee: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM follows WHERE follower = ? AND followee = ?", [follower, followee]))
    return rows[0] if rows else None


def by_activity(store: Store, activity_id: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM follows WHERE activity_id = ?", [activity_id]))
    return rows[0] if rows else None


def put(store: Store, follower: str, followee: str, activity_id: str, state: str) -> dict[str, Any]:
    """Record a follow; a repeated Follow replaces the old one (new activity id, new state)."""
    stamp = now_iso()
    store.db.execute(
        """INSERT INTO follows (follower, followee, activity_id, state, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (follower, followee) DO UPDATE SET
             activity_id = excluded.activity_id, state = excluded.state, updated_at = excluded.updated_at""",
        [follower, followee, activity_id, state, stamp, stamp],
    )
    return get(store, follower, followee)  # type: ignore[return-value]


def set_state(store: Store, follow_id: int, state: str) -> None:
    store.db.execute("UPDATE follows SET state = ?, updated_at = ? WHERE id = ?", [state, now_iso(), follow_id])


def delete(store: Store, follow_id: int) -> None:
    store.db.execute("DELETE FROM follows WHERE id = ?", [follow_id])


def followers(store: Store, followee: str, state: str = "accepted") -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM follows WHERE followee = ? AND state = ? ORDER BY id", [followee, state]))


def following(store: Store, follower: str, state: str | None = "accepted") -> list[dict[str, Any]]:
    if state is None:
        return list(store.db.query("SELECT * FROM follows WHERE follower = ? ORDER BY id", [follower]))
    return list(store.db.query("SELECT * FROM follows WHERE follower = ? AND state = ? ORDER BY id", [follower, state]))




def mutual_on_domain(store: Store, local: str, domain: str, types: Iterable[str]) -> bool:
    """Whether `local` and an actor of one of `types` on `domain` follow each other, both accepted."""
    kinds = sorted(types)
    marks = ",".join("?" * len(kinds))
    row = store.conn.execute(
        f"""SELECT 1 FROM actors a
              JOIN follows ours ON ours.followee = a.id AND ours.follower = ? AND ours.state = 'accepted'
              JOIN follows theirs ON theirs.follower = a.id AND theirs.followee = ? AND theirs.state = 'accepted'
            WHERE a.domain = ? AND a.type IN ({marks}) LIMIT 1""",
        [local, local, domain, *kinds],
    ).fetchone()
    return row is not None


def remove_actor(store: Store, actor_id: str) -> None:
    """Forget every follow involving an actor (it was deleted)."""
    store.db.execute("DELETE FROM follows WHERE follower = ? OR followee = ?", [actor_id, actor_id])
