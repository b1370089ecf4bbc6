"""Backfill of a newly followed space's upcoming events.

Events reach us as Create(Event) when they are published; a space followed today
published the events of the coming weeks long ago, so a new follower's agenda would
stay empty. Once the members walk of a followed space is done (`backfill.run`), the
first pages of its outbox are read for Create/Update(Event), newest first, and each
event on the space's origin is fetched from its origin (its current version, not the
outbox's copy) and kept when it is public and has not ended yet, exactly as an
inbound Create would have stored it.

Everything is bounded (pages, events, time) and nothing in the outbox is trusted:
only the ids of events on the space's own origin are used.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from federation import origin as origin_mod
from federation import versions
from federation.errors import FederationError
from federation.jsonld import normalise
from node.config import Config
from node.errors import CoffeeError
from node.services import catalogue
from node.services.inbound import events as inbound_events
from node.storage.db import Store
from node.timeutil import now

log = logging.getLogger("coffee.backfill")

Fetch = Callable[[str], Awaitable[dict[str, Any]]]
MAX_PAGES = 5
MAX_EVENTS = 100
EVENT_ACTIVITIES = frozenset({"Create", "Update"})


async def upcoming_events(store: Store, config: Config, fetch: Fetch, space_id: str) -> int:
    """Store the space's upcoming public events found in its outbox; returns how many were read."""
    space = normalise(await fetch(space_id))
    outbox = catalogue.id_of(space.get("outbox"))
    if not outbox or not origin_mod.same_origin(outbox, space_id):
        return 0
    found = await _event_ids(fetch, space_id, outbox)
    kept = 0
    for event_id, sender in found.items():
        try:
            doc = await fetch(event_id)
            parsed = inbound_events.parse(store, doc) if doc.get("type") == "Event" else None
        except (FederationError, CoffeeError) as exc:
            log.info("backfill.event_unreadable", extra={"space": space_id, "event_id": event_id, "reason": str(exc)})
            continue
        if parsed is None or parsed["id"] != event_id or parsed["end"] is None or parsed["end"] <= now():
            continue  # deleted since, or over
        await inbound_events.store_peer_event(store, config, fetch, parsed, sender=sender,
                                              published_by=sender, announced=True, digest=versions.digest(doc))
        kept += 1
    log.info("backfill.events", extra={"space": space_id, "listed": len(found), "read": kept})
    return kept


async def _event_ids(fetch: Fetch, space_id: str, outbox: str) -> dict[str, str]:
    """Event id → the actor that published it (on the space's origin), from the outbox's first pages."""
    head = await fetch(outbox)
    first = head.get("first")
    page: dict[str, Any] | None = None
    url = catalogue.id_of(first)
    if isinstance(first, dict) and ("orderedItems" in first or "items" in first):
        page = first  # a first page embedded in the collection (Mastodon does this)
    elif first is None:
        page = head  # an unpaged collection holds its items itself
    found: dict[str, str] = {}
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        if page is None:
            if not url or url in seen or not origin_mod.same_origin(url, space_id):
                break
            seen.add(url)
            page = await fetch(url)
        items = page.get("orderedItems", page.get("items", []))
        for item in items if isinstance(items, list) else [items]:
            event_id, actor = _event_of(item)
            if event_id and actor and len(found) < MAX_EVENTS and all(
                    origin_mod.same_origin(value, space_id) for value in (event_id, actor)):
                found.setdefault(event_id, actor)
        url, page = catalogue.id_of(page.get("next")), None
    return found


def _event_of(item: Any) -> tuple[str | None, str | None]:
    """(event id, publishing actor) for a Create/Update(Event) item, else (None, None)."""
    if not isinstance(item, dict) or item.get("type") not in EVENT_ACTIVITIES:
        return None, None
    inner = item.get("object")
    if not isinstance(inner, dict) or inner.get("type") != "Event":
        return None, None
    return catalogue.id_of(inner), catalogue.id_of(item.get("actor"))
