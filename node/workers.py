"""Background loops: the inbox and delivery workers, the catalogue's backfill and discovery,
the re-announcing of events whose registrations changed, the expiry of opportunities, and the watch
that makes a store opened read-only (full disk) writable again.

Each keeps its queue in the database (durable across crashes), wakes up when
told there is work (or every `poll` seconds, for rows written by the CLI), and
exposes `run_once()` so tests can run exactly one step.
"""

from __future__ import annotations

import abc
import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from federation.client import FederationClient, Signer
from federation.errors import FederationError
from node.config import Config
from node.delivery_policy import DEAD_DOMAIN_AFTER, MAX_ATTEMPTS, MAX_RETRY_AFTER, RETRYABLE_4XX, backoff
from node.errors import CoffeeError
from node.services import (backfill, discovery, event_notices, events, home_feed, local_actors, mail, opportunities,
                           outbox, remote_pictures)
from node.services.inbound import InboundContext, dispatch
from node.services.skills import load_skill_index
from node.storage import activities as activities_store
from node.storage import catalogue as catalogue_store
from node.storage import deliveries as deliveries_store
from node.storage import domains as domains_store
from node.storage import events as events_store
from node.storage import health as storage_health
from node.storage import inbox as inbox_store
from node.storage import mail as mail_store
from node.storage.db import Store
from node.timeutil import now_iso

log = logging.getLogger("coffee.workers")

def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


class Worker(abc.ABC):
    """A loop around `run_once`, woken early by `wake()`."""

    poll = 1.0

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._stepping = True  # until its loop has taken a first look: a node that just started is not idle

    def wake(self) -> None:
        self._wake.set()

    @abc.abstractmethod
    async def run_once(self) -> int:
        """Do one batch of work; return how many items it handled (0: nothing to do)."""

    def has_due_work(self) -> bool:
        """Whether its queue holds work it would do now (workers without a queue: never)."""
        return False

    def idle(self) -> bool:
        """Not in a step, not woken, nothing due: state read now stays as it is until something new arrives
        (tests wait for every worker of their nodes to be idle before comparing state)."""
        return not self._stepping and not self._wake.is_set() and not self.has_due_work()

    async def run(self) -> None:
        while True:
            self._stepping = True
            try:
                done = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                reason = storage_health.unwritable_reason(exc)
                if reason:  # a full disk: try again at the next poll, the rows are still queued
                    log.warning("worker.storage_unavailable", extra={"worker": type(self).__name__, "reason": reason})
                else:
                    log.exception("worker.crashed_step", extra={"worker": type(self).__name__})
                done = 0
            finally:
                self._stepping = False
            if done:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll)
            except TimeoutError:
                pass
            self._wake.clear()


class DeliveryWorker(Worker):
    """Sends queued deliveries, signing at send time, with backoff and dead-domain tracking.

    Each row is marked as soon as its answer arrives; what a crash (kill -9) resends is what
    was in flight, so the window is small: 16 requests at once (4 per domain) resent 4 of 300
    deliveries after a kill where 64 (8 per domain) resent 12-26 (bench/crash_resend_bench.py).
    """

    def __init__(self, store: Store, config: Config, client: FederationClient, *,
                 concurrency: int = 16, per_domain: int = 4, batch: int = 500) -> None:
        super().__init__()
        self.store, self.config, self.client = store, config, client
        self.batch = batch
        self._global = asyncio.Semaphore(concurrency)
        self._per_domain: dict[str, asyncio.Semaphore] = {}
        self._per_domain_limit = per_domain
        self._bodies: dict[str, bytes] = {}

    async def run_once(self, now: datetime | None = None) -> int:
        now = now or datetime.now(timezone.utc)
        rows = deliveries_store.due(self.store, _iso(now), self.batch)
        if not rows:
            return 0
        unwritable = storage_health.probe(self.store.conn)
        if unwritable:  # a delivery sent now could not be marked as sent, and would go again at every poll
            log.warning("delivery.paused", extra={"reason": unwritable, "due": len(rows)})
            return 0
        self._bodies.clear()
        await asyncio.gather(*(self._deliver(row, now) for row in rows))
        return len(rows)

    def has_due_work(self) -> bool:
        return bool(deliveries_store.due(self.store, _iso(datetime.now(timezone.utc)), 1))

    def _body(self, activity_id: str) -> bytes | None:
        if activity_id not in self._bodies:
            activity = activities_store.get(self.store, activity_id)
            if activity is None:
                return None
            self._bodies[activity_id] = json.dumps(activity["document"], ensure_ascii=False).encode()
        return self._bodies[activity_id]

    async def _deliver(self, row: dict[str, Any], now: datetime) -> None:
        domain = row["domain"]
        health = domains_store.get(self.store, domain)
        if health and health["failing_since"] and datetime.fromisoformat(health["failing_since"]) < now - DEAD_DOMAIN_AFTER:
            deliveries_store.mark_failed(self.store, row["id"], None, f"domain unreachable since {health['failing_since']}")
            log.info("delivery.skipped_dead_domain", extra={"domain": domain, "inbox": row["inbox"]})
            return
        newer = deliveries_store.newer_update(self.store, row)
        if newer is not None:  # only the newest version of an object needs to go
            deliveries_store.drop(self.store, row["id"])
            log.info("delivery.coalesced", extra={"inbox": row["inbox"], "activity": row["activity_id"], "newer": newer})
            return
        body = self._body(row["activity_id"])
        if body is None:
            deliveries_store.mark_failed(self.store, row["id"], None, "activity no longer exists")
            return
        try:
            key = local_actors.private_key_for(self.store, self.config, row["signer"])
        except CoffeeError as exc:
            deliveries_store.mark_failed(self.store, row["id"], None, f"signer unavailable: {exc.message}")
            return
        signer = Signer(key_id=row["signer"] + local_actors.KEY_FRAGMENT, private_key=key)
        semaphore = self._per_domain.setdefault(domain, asyncio.Semaphore(self._per_domain_limit))
        async with self._global, semaphore:
            try:
                result = await self.client.post_activity(row["inbox"], body, signer=signer)
                status, retry_after, error = result.status, result.retry_after, result.error
            except FederationError as exc:
                status, retry_after, error = 0, None, str(exc)
        self._record(row, status, retry_after, error, now)

    def _record(self, row: dict[str, Any], status: int, retry_after: float | None, error: str | None, now: datetime) -> None:
        attempt = row["attempts"] + 1
        fields = {"inbox": row["inbox"], "activity": row["activity_id"], "status": status, "attempt": attempt}
        if 200 <= status < 300:
            deliveries_store.mark_delivered(self.store, row["id"], status)
            domains_store.record_success(self.store, row["domain"])
            log.info("delivery.sent", extra=fields)
            return
        message = error or f"HTTP {status}"
        if 400 <= status < 500 and status not in RETRYABLE_4XX:
            deliveries_store.mark_failed(self.store, row["id"], status, message)
            log.info("delivery.refused", extra=fields | {"error": message})
            return
        domains_store.record_failure(self.store, row["domain"])
        if attempt >= MAX_ATTEMPTS:
            deliveries_store.mark_failed(self.store, row["id"], status or None, f"gave up after {attempt} attempts: {message}")
            log.info("delivery.gave_up", extra=fields | {"error": message})
            return
        delay = backoff(attempt)
        if retry_after is not None and status in (429, 503):
            delay = min(timedelta(seconds=max(retry_after, 1)), MAX_RETRY_AFTER)
        deliveries_store.reschedule(self.store, row["id"], status or None, message, _iso(now + delay))
        log.info("delivery.retry_scheduled", extra=fields | {"error": message, "delay_s": int(delay.total_seconds())})


class InboxWorker(Worker):
    """Runs the handler of each stored inbound activity, once, in arrival order."""

    def __init__(self, store: Store, config: Config, fetch: Callable[[str], Any], on_published: Callable[[], None]) -> None:
        super().__init__()
        self.store, self.config, self.fetch = store, config, fetch
        self.on_published = on_published

    async def run_once(self) -> int:
        rows = inbox_store.queued(self.store)
        outcomes: list[tuple[int, str, str | None]] = []
        for row in rows:
            ctx = InboundContext(store=self.store, config=self.config, activity=row["document"],
                                 actor=row["actor"], recipient=row["recipient"], fetch=self.fetch)
            fields = {"activity": row["activity_id"], "type": row["type"], "actor": row["actor"]}
            try:
                handled = await dispatch(ctx)
                if handled and not ctx.ignored:  # what its handler accepted reaches the feeds of the members who follow its author
                    home_feed.record(self.store, self.config, row["document"], row["actor"], outbox.audience(row["document"]))
            except Exception as exc:
                reason = storage_health.unwritable_reason(exc)
                if reason:
                    log.warning("inbox.storage_unavailable", extra=fields | {"reason": reason})
                    break  # this row and the rest stay queued until the disk takes writes again
                outcomes.append((row["id"], "failed", _failure(exc, fields)))
                continue
            if ctx.ignored:
                outcomes.append((row["id"], "ignored", ctx.ignored))
                log.info("inbox.ignored", extra=fields | {"reason": ctx.ignored})
                continue
            outcomes.append((row["id"], "done" if handled else "ignored", None))
            log.log(logging.INFO if handled else logging.DEBUG, "inbox.processed", extra=fields | {"handled": handled})
        if outcomes:
            # One commit per batch: a crash before it only means handlers run again (they are idempotent).
            with self.store.transaction():
                for row_id, state, error in outcomes:
                    inbox_store.finish(self.store, row_id, state, error)
            self.on_published()
        return len(outcomes)


def _failure(exc: Exception, fields: dict[str, Any]) -> str:
    """Log a handler's failure; the text kept on the inbox row."""
    if isinstance(exc, (CoffeeError, FederationError)):
        log.info("inbox.handler_refused", extra=fields | {"reason": str(exc)})
        return str(exc)
    log.error("inbox.handler_crashed", extra=fields, exc_info=exc)
    return repr(exc)


class StorageWatch(Worker):
    """Switches a store opened read-only (full disk at start) to normal once it can, without a restart."""

    poll = 5.0

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    async def run_once(self) -> int:
        self.store.reopen()
        return 0

    def has_due_work(self) -> bool:
        return bool(inbox_store.queued(self.store, limit=1))


class BackfillWorker(Worker):
    """Runs the catalogue's backfill jobs (node.services.backfill) one run at a time, oldest first.

    A paused job goes back to the end of the queue, so one slow space does not hold up
    the others; `on_done(space_id)` is told when a walk completes.
    """

    def __init__(self, store: Store, config: Config, fetch: Callable[[str], Any], *,
                 on_done: Callable[[str], None], limits: backfill.Limits = backfill.DEFAULT_LIMITS) -> None:
        super().__init__()
        self.store, self.config, self.fetch = store, config, fetch
        self.on_done, self.limits = on_done, limits

    async def run_once(self) -> int:
        job = backfill.claim(self.store, self.limits)
        if job is None:
            return 0
        row = await backfill.run(self.store, self.config, self.fetch, job, limits=self.limits)
        if row["state"] == "done":
            self.on_done(row["space_id"])
        return 1

    def has_due_work(self) -> bool:
        return catalogue_store.has_due_job(self.store)


class DiscoveryWorker(Worker):
    """Finds the spaces followed by the spaces we follow (node.services.discovery) at start, every
    six hours and when woken (a backfill completed: a newly followed space), and follows the
    network of the trusted spaces."""

    poll = 6 * 3600.0

    def __init__(self, store: Store, config: Config, client: FederationClient, fetch: Callable[[str], Any],
                 on_published: Callable[[], None]) -> None:
        super().__init__()
        self.store, self.config, self.client, self.fetch = store, config, client, fetch
        self.on_published = on_published

    async def run_once(self) -> int:
        await discovery.refresh(self.store, self.config, self.fetch)
        if self.config.trusted_spaces and await discovery.follow_trusted(self.store, self.config, self.client, self.fetch):
            self.on_published()
        return 0  # nothing queued: wait for the next period or wake-up


class PictureWorker(Worker):
    """Keeps the local copies of other spaces' logos and photos in line with their actor documents
    (node.services.remote_pictures); woken after inbound activities (an Update of a space actor)."""

    poll = 60.0

    def __init__(self, store: Store, config: Config, client: FederationClient) -> None:
        super().__init__()
        self.store, self.config, self.client = store, config, client

    async def run_once(self) -> int:
        return await remote_pictures.sync_all(
            self.store, self.config, lambda url: self.client.get_media(url, max_bytes=remote_pictures.MAX_BYTES))

    def has_due_work(self) -> bool:
        return remote_pictures.pending(self.store, self.config)


class EventAnnounceWorker(Worker):
    """Tells followers when registrations changed an event's attendee count or cross-border flag.

    It looks every `poll` seconds and is never woken early: the pause is what folds a rush
    of registrations into one Update per event.
    """

    poll = 2.0

    def __init__(self, store: Store, config: Config, on_published: Callable[[], None]) -> None:
        super().__init__()
        self.store, self.config, self.on_published = store, config, on_published

    async def run_once(self) -> int:
        if events.announce_registration_changes(self.store, self.config):
            self.on_published()
        return 0  # wait for the next look either way

    def has_due_work(self) -> bool:
        return bool(events_store.unannounced(self.store, now_iso()))

class MailWorker(Worker):
    """Sends the mail outbox (node.services.mail); woken when a mail is queued, else looks every few seconds
    so a retry comes due without anyone waking it."""

    poll = 5.0

    def __init__(self, store: Store, config: Config) -> None:
        super().__init__()
        self.store, self.config = store, config

    async def run_once(self) -> int:
        return await mail.send_due(self.store, self.config)

    def has_due_work(self) -> bool:
        return bool(mail_store.due(self.store, datetime.now(timezone.utc).isoformat(), 1))


class ReminderWorker(Worker):
    """Reminds registered members of tomorrow's events (node.services.event_notices), every ten minutes."""

    poll = 600.0

    def __init__(self, store: Store, config: Config, on_queued: Callable[[], None]) -> None:
        super().__init__()
        self.store, self.config, self.on_queued = store, config, on_queued

    async def run_once(self) -> int:
        if event_notices.send_reminders(self.store, self.config, datetime.now(timezone.utc)):
            self.on_queued()
        return 0  # wait for the next look


class OpportunityExpiryWorker(Worker):
    """Closes our open opportunities once past their expiry, with an Update every follower applies.

    Boards already hide an expired opportunity by its date; this makes the status say so too.
    """

    poll = 60.0

    def __init__(self, store: Store, config: Config, on_published: Callable[[], None]) -> None:
        super().__init__()
        self.store, self.config, self.on_published = store, config, on_published

    async def run_once(self) -> int:
        if opportunities.expire_due(self.store, self.config, load_skill_index()):
            self.on_published()
        return 0

    def has_due_work(self) -> bool:
        return opportunities.expiry_due(self.store)
