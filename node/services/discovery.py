"""Finding spaces without a central server: the spaces followed by the spaces we follow.

Each space publishes whom it follows (its `following` collection). Reading those of
the spaces we follow (a bounded, signed fetch) lists candidates one step away; each
is fetched once to check that it is a space (an Organization) and to learn its name,
country and city, then cached in `discovered_spaces` for the `/spaces` page, where
an admin follows one with a click.

Trusted spaces (`[federation] trusted_spaces` in node.toml: actor URLs or acct:
handles) go one step further on their own: this node follows them, and follows the
spaces they follow, a few per run. Trust is not transitive: the spaces found through
a trusted space are followed, not trusted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from federation import origin as origin_mod
from federation.errors import FederationError, MalformedError
from federation.jsonld import normalise
from node.config import Config
from node.errors import CoffeeError
from node.services import catalogue, local_actors
from node.services import follows as follows_service
from node.storage import catalogue as catalogue_store
from node.storage import domains as domains_store
from node.storage.db import Store
from node.timeutil import now

log = logging.getLogger("coffee.discovery")

Fetch = Callable[[str], Awaitable[dict[str, Any]]]
MAX_SOURCES = 50  # followed spaces whose `following` one refresh reads
MAX_PAGES = 5  # pages of one `following` collection
MAX_FETCHES = 200  # candidate documents one refresh fetches
AUTO_FOLLOW_MAX = 20  # follows one run of the trusted-spaces task sends
RECHECK_AFTER = timedelta(days=1)  # a cached space is fetched again after this
SPACE_TYPES = ("Organization",)


async def following_of(fetch: Fetch, space_id: str, max_pages: int = MAX_PAGES) -> list[str]:
    """The actor ids a space's `following` collection lists (its first pages, read on its own origin)."""
    space = normalise(await fetch(space_id))
    url = catalogue.id_of(space.get("following"))
    if url is None or not origin_mod.same_origin(url, space_id):
        return []
    head = await fetch(url)
    first = head.get("first")
    page: dict[str, Any] | None = first if isinstance(first, dict) else head if first is None else None
    next_url = catalogue.id_of(first) if page is None else None
    found: list[str] = []
    seen: set[str] = set()
    for _ in range(max_pages):
        if page is None:
            if next_url is None or next_url in seen or not origin_mod.same_origin(next_url, space_id):
                break
            seen.add(next_url)
            page = await fetch(next_url)
        items = page.get("orderedItems", page.get("items", []))
        found += [actor for actor in map(catalogue.id_of, items if isinstance(items, list) else [items]) if actor]
        next_url, page = catalogue.id_of(page.get("next")), None
    return list(dict.fromkeys(found))


def _unusable(store: Store, actor_id: str) -> bool:
    """A listed actor we must not fetch: on a blocked domain, or no usable URL (userinfo, no host)."""
    try:
        return domains_store.is_blocked(store, origin_mod.domain_of(actor_id))
    except MalformedError:
        return True


def _following_state(store: Store, config: Config) -> set[str]:
    """Actors our space follows or asked to follow."""
    rows = store.conn.execute("SELECT followee FROM follows WHERE follower = ? AND state != 'rejected'",
                              [local_actors.space_id(config)])
    return {row[0] for row in rows}


async def refresh(store: Store, config: Config, fetch: Fetch, sources: list[str] | None = None) -> list[dict[str, Any]]:
    """Read the `following` of the spaces we follow (or of `sources`) and cache the spaces found.

    A full refresh (no `sources`) also forgets the cached spaces that no space we follow lists
    any more, unless the space that listed them could not be read this time.
    """
    full = sources is None
    followed = catalogue.followed_spaces(store, config)
    sources = (sources if sources is not None else followed)[:MAX_SOURCES]
    cached = {row["id"]: row for row in catalogue_store.discovered(store)}
    fresh_after = (now() - RECHECK_AFTER).isoformat(timespec="seconds")
    budget = MAX_FETCHES
    found: list[dict[str, Any]] = []
    read: set[str] = set()  # sources whose list was read whole
    listed: set[str] = set()
    for source in sources:
        try:
            candidates = await following_of(fetch, source)
        except FederationError as exc:
            log.info("discovery.source_unreadable", extra={"source": source, "reason": str(exc)})
            continue
        read.add(source)
        listed.update(candidates)
        for actor_id in candidates:
            if local_actors.is_local(config, actor_id) or _unusable(store, actor_id):
                continue
            if actor_id in cached and cached[actor_id]["discovered_at"] >= fresh_after:
                found.append(cached[actor_id])
                continue
            if budget == 0:
                read.discard(source)  # not all of it was checked: keep what it listed before
                break
            budget -= 1
            row = await _space_row(fetch, actor_id, source)
            if row is not None:
                catalogue_store.put_discovered(store, row)
                cached[actor_id] = row | {"discovered_at": now().isoformat(timespec="seconds")}
                found.append(row)
    if full:
        gone = [row["id"] for row in cached.values()
                if row["id"] not in listed and (row["via"] in read or row["via"] not in followed)]
        catalogue_store.forget_discovered(store, gone)
    log.info("discovery.refreshed", extra={"sources": len(sources), "spaces": len(found),
                                           "forgotten": len(gone) if full else 0})
    return found


async def _space_row(fetch: Fetch, actor_id: str, via: str) -> dict[str, Any] | None:
    try:
        doc = normalise(await fetch(actor_id))
    except FederationError:
        return None
    if doc.get("type") not in SPACE_TYPES:
        return None
    facts = catalogue.space_facts(doc)
    return {"id": actor_id, "name": facts["name"], "country": facts["country"], "city": facts["city"], "via": via,
            "document": doc}  # for the map: its place, kind and pictures


def suggestions(store: Store, config: Config) -> list[dict[str, Any]]:
    """Discovered spaces we neither follow nor asked to follow (the `/spaces` page's follow buttons)."""
    followed = _following_state(store, config)
    return [row for row in catalogue_store.discovered(store)
            if row["id"] not in followed and not local_actors.is_local(config, row["id"])]


async def follow_trusted(store: Store, config: Config, client: Any, fetch: Fetch) -> list[str]:
    """Follow the trusted spaces, then the spaces they follow (at most AUTO_FOLLOW_MAX per run).

    Returns the actor ids a Follow was sent to; an unreachable entry is logged and skipped.
    """
    space = local_actors.space_id(config)
    following = _following_state(store, config)
    sent: list[str] = []
    trusted: list[str] = []
    for entry in config.trusted_spaces:
        try:
            remote = await follows_service.resolve(store, client, fetch, entry)
        except (FederationError, CoffeeError) as exc:
            log.info("discovery.trusted_unreachable", extra={"entry": entry, "reason": str(exc)})
            continue
        if remote["type"] not in follows_service.SPACE_ACTOR_TYPES:
            log.info("discovery.trusted_not_a_space", extra={"entry": entry, "type": remote["type"]})
            continue
        trusted.append(remote["id"])
        if remote["id"] not in following and not local_actors.is_local(config, remote["id"]):
            follows_service.follow(store, config, space, remote)
            following.add(remote["id"])
            sent.append(remote["id"])
    accepted = set(catalogue.followed_spaces(store, config))
    for row in await refresh(store, config, fetch, [actor for actor in trusted if actor in accepted]):
        if len(sent) >= AUTO_FOLLOW_MAX:
            break
        if row["id"] in following:
            continue
        try:
            remote = await follows_service.resolve(store, client, fetch, row["id"])
            follows_service.follow(store, config, space, remote)
        except (FederationError, CoffeeError) as exc:
            log.info("discovery.follow_failed", extra={"space": row["id"], "reason": str(exc)})
            continue
        following.add(row["id"])
        sent.append(row["id"])
    if sent:
        log.info("discovery.followed", extra={"spaces": sent})
    return sent
