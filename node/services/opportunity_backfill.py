"""Backfill of opportunities: a new follower of the space receives the open ones it missed.

Activities only carry changes from now on. When the space accepts a follower, each open
opportunity's latest Create/Update (the stored activity itself, so nothing is published twice
and the outbox stays as it was) gets one more delivery row, to the follower's shared inbox.
"""

from __future__ import annotations

from node.config import Config
from node.services import local_actors, outbox, publication
from node.storage import deliveries as deliveries_store
from node.storage import opportunities as opportunities_store
from node.storage.db import Store
from node.timeutil import now_iso

MAX_SENT = 500


def send_open_to(store: Store, config: Config, follower: str) -> int:
    """Queue the open opportunities for `follower`; returns how many."""
    inbox = outbox.inbox_of(store, follower, shared=True)
    if inbox is None or local_actors.is_local(config, inbox):
        return 0
    space_id = local_actors.space_id(config)
    open_now = opportunities_store.select(
        store, "origin = 'local' AND status = 'open' AND deleted_at IS NULL AND expires_at > ?", [now_iso()], limit=MAX_SENT)
    sent = 0
    for found in open_now:
        row = store.db.execute(
            "SELECT id FROM activities WHERE object_id = ? AND actor = ? AND type IN ('Create', 'Update') "
            "ORDER BY published DESC, rowid DESC LIMIT 1", [found["ap_id"], space_id]).fetchone()
        if row is not None:
            deliveries_store.add(store, activity_id=row[0], inbox=inbox, domain=publication.domain_of(inbox) or "",
                                 signer=space_id)
            sent += 1
    return sent
