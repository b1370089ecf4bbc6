"""Backfill: when a follow of a space is accepted, read the members it already has into the catalogue.

Activities only tell us about changes from now on; the people who were there before
the follow are listed in the space actor's `members` collection (or, for software
without one, announced by Create/Update(Person) in its outbox). A job row per space
(`backfill_jobs`) walks that collection page by page with the node's signed fetch,
fetches each member's own document and indexes it.

A peer may be hostile or broken, so everything is bounded and nothing is trusted:
- at most MAX_PAGES pages and MAX_ITEMS items per walk, RUN_SECONDS per run (a paused job
  resumes where it stopped: the row keeps `next_url`, so a restart loses nothing);
- every request has the client's limits (size, time, redirects), plus the run's deadline;
- a `next` link already seen, or on another origin, ends the walk;
- a listed item is only an id to check: it must be on the space's origin (others are
  dropped and counted), and the document fetched from it must be a Person that says it is
  a member of this space (`memberOf`) when it names one. Pages are read as plain JSON for
  the same reason: nothing in them is taken on trust.
The page is the unit of progress: a run that stops in the middle of one reads it again, and
a run that cannot finish a single page fails. A failed walk (the space was down, say) is tried
again on its own, resuming where it stopped, after 5 and 30 minutes, 2, 6 and 12 hours, then
daily twice; after that only `catalogue refresh` (or the admin page) starts it again.
When a walk ends normally with nothing rejected, entries of that space it did not see
(people who left while we were not following) are removed. A walk that ends normally then
reads the space's upcoming events (node.services.event_backfill) before it is marked done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from federation import origin as origin_mod
from federation.errors import FederationError, GoneError
from federation.jsonld import normalise
from node.config import Config
from node.errors import CoffeeError
from node.services import catalogue, event_backfill, remote_actors
from node.storage import catalogue as catalogue_store
from node.storage.db import Store
from node.timeutil import now, now_iso

log = logging.getLogger("coffee.backfill")

Fetch = Callable[[str], Awaitable[dict[str, Any]]]
Progress = Callable[[dict[str, Any]], None]
ACTIVITY_TYPES = frozenset({"Create", "Update"})


@dataclass(frozen=True)
class Limits:
    max_pages: int = 200
    max_items: int = 5000
    run_seconds: float = 120.0
    concurrency: int = 8  # member documents fetched at once

    @property
    def lease(self) -> timedelta:
        """How long a claimed job stays ours: a run plus the slowest request the client allows."""
        return timedelta(seconds=self.run_seconds + 60)


class _Stop(Exception):
    """The walk ends early; `reason` is kept on the job row."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


DEFAULT_LIMITS = Limits()
NOT_FOLLOWED = "no longer following this space"
# After the n-th failure in a row, wait RETRY_DELAYS[n-1]; after the last one, only an admin's refresh retries.
RETRY_DELAYS = tuple(timedelta(minutes=m) for m in (5, 30, 120, 360, 720, 1440, 1440))


def retry_time(attempts: int) -> str | None:
    """When a walk that failed `attempts` times in a row is tried again (None: no more tries)."""
    if attempts > len(RETRY_DELAYS):
        return None
    return (now() + RETRY_DELAYS[attempts - 1]).isoformat(timespec="seconds")


def queue(store: Store, space_id: str) -> dict[str, Any]:
    """(Re)start the walk of a space's members from its first page."""
    job = catalogue_store.queue_job(store, space_id)
    log.info("backfill.queued", extra={"space": space_id})
    return job


def restart(store: Store, space_id: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any] | None:
    """Queue a space's walk from its first page and claim it in the same statement (the CLI runs it
    itself); None when another process is running it now."""
    lease = _lease(limits)
    job = catalogue_store.queue_job(store, space_id, lease)
    return job if job["lease_until"] == lease else None


def queue_followed(store: Store, config: Config) -> list[dict[str, Any]]:
    return [queue(store, space_id) for space_id in catalogue.followed_spaces(store, config)]


def claim(store: Store, limits: Limits = DEFAULT_LIMITS, space_id: str | None = None) -> dict[str, Any] | None:
    """The next due job, now ours for one run (see `catalogue_store.claim_job`)."""
    return catalogue_store.claim_job(store, _lease(limits), space_id)


def _lease(limits: Limits) -> str:
    return (now() + limits.lease).isoformat(timespec="seconds")


async def run(store: Store, config: Config, fetch: Fetch, job: dict[str, Any], *, limits: Limits = DEFAULT_LIMITS,
              progress: Progress | None = None) -> dict[str, Any]:
    """One run of a claimed job: done, failed, or queued again (paused at its deadline). Returns the row."""
    walk = _Walk(store, config, fetch, job, limits, progress)
    try:
        async with asyncio.timeout(limits.run_seconds):
            await walk.pages()
    except TimeoutError:
        if walk.job["pages_done"] == job["pages_done"]:
            return walk.finish("failed", f"not one page could be read in {limits.run_seconds:g} s")
        log.info("backfill.paused", extra={"space": job["space_id"], "next": walk.job["next_url"]})
        return walk.save(state="queued", queued_at=now_iso(), lease_until=None)
    except _Stop as stop:
        if stop.reason != NOT_FOLLOWED:
            await _events(store, config, fetch, job["space_id"], limits)
        return walk.finish("done", stop.reason)
    except (FederationError, CoffeeError) as exc:
        return walk.finish("failed", str(exc)[:500])
    if walk.job["items_rejected"] == 0:
        pruned = catalogue_store.remove_stale(store, job["space_id"], job["started_at"])
        if pruned:
            log.info("backfill.pruned", extra={"space": job["space_id"], "count": pruned})
    await _events(store, config, fetch, job["space_id"], limits)
    return walk.finish("done", None)


async def _events(store: Store, config: Config, fetch: Fetch, space_id: str, limits: Limits) -> None:
    """After its members, the space's upcoming events (node.services.event_backfill); the job is done
    either way, as an event published later reaches us on its own."""
    try:
        async with asyncio.timeout(limits.run_seconds):
            await event_backfill.upcoming_events(store, config, fetch, space_id)
    except (TimeoutError, FederationError, CoffeeError) as exc:
        log.info("backfill.events_failed", extra={"space": space_id, "reason": str(exc)[:500]})


class _Walk:
    """The state of one run over one space's collection."""

    def __init__(self, store: Store, config: Config, fetch: Fetch, job: dict[str, Any], limits: Limits,
                 progress: Progress | None) -> None:
        self.store, self.config, self.fetch, self.limits, self.progress = store, config, fetch, limits, progress
        self.job = dict(job)
        self.space_id: str = job["space_id"]
        self.seen_pages: set[str] = set()
        self.seen_actors: set[str] = set()
        self._semaphore = asyncio.Semaphore(limits.concurrency)

    def save(self, **fields: Any) -> dict[str, Any]:
        self.job.update(fields)
        catalogue_store.save_job(self.store, self.job["id"], **fields)
        if self.progress is not None:
            self.progress(dict(self.job))
        return dict(self.job)

    def finish(self, state: str, error: str | None) -> dict[str, Any]:
        """Done resets the attempts; a failure plans the next try (resuming at `next_url`), if any is left."""
        attempts = self.job["attempts"] + 1 if state == "failed" else 0
        retry_at = retry_time(attempts) if state == "failed" else None
        log.info("backfill.finished", extra={"space": self.space_id, "state": state, "error": error,
                                              "items": self.job["items_done"], "rejected": self.job["items_rejected"],
                                              "retry_at": retry_at})
        return self.save(state=state, error=error, finished_at=now_iso(), lease_until=None,
                         next_url=None if state == "done" else self.job["next_url"],
                         attempts=attempts, retry_at=retry_at)

    async def pages(self) -> None:
        if self.space_id not in catalogue.followed_spaces(self.store, self.config):
            raise _Stop(NOT_FOLLOWED)
        url = self.job["next_url"]
        if url is None:
            url = await self._start()
        while url is not None:
            if self.job["pages_done"] >= self.limits.max_pages:
                raise _Stop(f"stopped after {self.limits.max_pages} pages")
            if self._processed() >= self.limits.max_items:
                raise _Stop(f"stopped after {self.limits.max_items} items")
            if url in self.seen_pages:
                raise _Stop("the collection loops: a next page was already read")
            if not origin_mod.same_origin(url, self.space_id):
                raise _Stop("a next page is on another origin")
            self.seen_pages.add(url)
            url = await self._page(await self.fetch(url))

    async def _start(self) -> str | None:
        """The first page of the space's members collection (else its outbox), from a fresh actor document."""
        space = normalise(await self.fetch(self.space_id))
        remote_actors.remember(self.store, space)
        catalogue.index_remote_actor(self.store, self.config, space)  # its name and country, for the entries
        for key in ("members", "outbox"):
            collection = catalogue.id_of(space.get(key))
            if collection and origin_mod.same_origin(collection, self.space_id):
                break
        else:
            raise _Stop("the space lists no members collection or outbox")
        head = await self.fetch(collection)
        first = head.get("first")
        if isinstance(first, dict) and ("orderedItems" in first or "items" in first):
            return await self._page(first)  # a first page embedded in the collection (Mastodon does this)
        if first is not None:
            return catalogue.id_of(first)
        return await self._page(head)  # an unpaged collection holds its items itself

    async def _page(self, page: dict[str, Any]) -> str | None:
        """Index a page's items; record it as read; return the next page's URL."""
        items = page.get("orderedItems", page.get("items", []))
        items = items if isinstance(items, list) else [items]
        budget = self.limits.max_items - self._processed()
        outcomes = await asyncio.gather(*(self._item(item) for item in items[:budget]))
        next_url = catalogue.id_of(page.get("next"))
        self.save(
            next_url=next_url,
            pages_done=self.job["pages_done"] + 1,
            items_done=self.job["items_done"] + outcomes.count("indexed"),
            items_rejected=self.job["items_rejected"] + outcomes.count("rejected") + max(0, len(items) - budget),
        )
        return next_url

    def _processed(self) -> int:
        return self.job["items_done"] + self.job["items_rejected"]

    async def _item(self, item: Any) -> str:
        """'indexed', 'rejected' (foreign, malformed, unreadable, not a member) or 'skipped'."""
        actor_id = self._member_id(item)
        if actor_id in (None, "skip"):
            return "skipped" if actor_id == "skip" else "rejected"
        if not origin_mod.same_origin(actor_id, self.space_id):
            log.info("backfill.foreign_item", extra={"space": self.space_id, "item": actor_id[:200]})
            return "rejected"
        if actor_id in self.seen_actors:
            return "skipped"
        self.seen_actors.add(actor_id)
        try:
            async with self._semaphore:
                doc = normalise(await self.fetch(actor_id))
        except GoneError:
            catalogue.remove(self.store, actor_id)
            return "skipped"
        except FederationError as exc:
            log.info("backfill.item_unreadable", extra={"space": self.space_id, "item": actor_id, "reason": str(exc)})
            return "rejected"
        member_of = catalogue.id_of(doc.get("memberOf"))
        if doc.get("type") != "Person" or (member_of is not None and member_of != self.space_id):
            return "rejected"
        try:
            remote_actors.remember(self.store, doc)
        except FederationError:
            return "rejected"
        return "indexed" if catalogue.index_remote_actor(self.store, self.config, doc) else "skipped"

    @staticmethod
    def _member_id(item: Any) -> str | None:
        """The actor id an item stands for; 'skip' for an outbox activity about something else."""
        if isinstance(item, str):
            return catalogue.id_of(item)
        if not isinstance(item, dict):
            return None
        if item.get("type") == "Person":
            return catalogue.id_of(item)
        if item.get("type") in ACTIVITY_TYPES:
            inner = item.get("object")
            if isinstance(inner, dict) and inner.get("type") == "Person":
                return catalogue.id_of(inner)
        return "skip" if isinstance(item.get("type"), str) else None


def status(store: Store) -> dict[str, Any]:
    """What the admin page and `coffee-node catalogue status` show: entries and every job's progress."""
    return {"entries": catalogue_store.counts(store), "jobs": catalogue_store.jobs(store)}
