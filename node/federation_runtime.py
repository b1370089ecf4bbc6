"""The node's federation machinery, started and stopped with the app (cleanup_ctx).

One FederationClient (one ClientSession) per app, a key resolver that prefers
keys of actors we already know, and the inbox and delivery workers.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, AsyncIterator

from aiohttp import web

from federation.client import ClientSettings, FederationClient, Signer
from federation.keyfetch import KeyCache, signed_fetcher
from federation.keys import load_public
from federation.types import PublicKeyInfo
from node import __version__
from node.appkeys import (BACKFILL, CLIENT, CONFIG, DELIVERY, DISCOVERY, FETCH, INBOX_WORKER, KEYS, MAIL, PICTURES, RATE,
                          STORE, WORKERS)
from node.config import Config
from node.ratelimit import RateLimiter
from node.services import local_actors
from node.services.inbound import load_handlers
from node.storage import actors as actors_store
from node.storage.db import Store
from node.workers import (BackfillWorker, DeliveryWorker, DiscoveryWorker, EventAnnounceWorker, InboxWorker, MailWorker,
                          OpportunityExpiryWorker, PictureWorker, ReminderWorker)


def client_settings(config: Config) -> ClientSettings:
    return ClientSettings(
        allow_private_network=config.allow_private_network,
        user_agent=f"Coffee/{__version__} (+{config.url}/)",
        ca_file=config.ca_file,
        host_overrides=dict(config.host_overrides) or None,
    )


def application_signer(store: Store, config: Config) -> Signer:
    app_id = local_actors.application_id(config)
    return Signer(key_id=app_id + local_actors.KEY_FRAGMENT, private_key=local_actors.private_key_for(store, config, app_id))


class KnownKeys:
    """KeyResolver: keys of actors we store (parsed once), else fetched and vouched for by KeyCache.

    Concurrent lookups of one key share a single fetch, so a burst from a new
    server costs one request to it, not one per activity.
    """

    MAX_PARSED = 4096

    def __init__(self, store: Store, cache: KeyCache) -> None:
        self.store, self.cache = store, cache
        self._parsed: dict[str, PublicKeyInfo] = {}
        self._inflight: dict[tuple[str, bool], asyncio.Future[PublicKeyInfo]] = {}

    async def __call__(self, key_id: str, *, refresh: bool = False) -> PublicKeyInfo:
        if refresh:
            self._parsed.pop(key_id, None)
        else:
            info = self._parsed.get(key_id) or self._stored(key_id)
            if info is not None:
                return info
        flight = self._inflight.get((key_id, refresh))
        if flight is None:
            flight = asyncio.ensure_future(self.cache(key_id, refresh=refresh))
            self._inflight[(key_id, refresh)] = flight
            flight.add_done_callback(lambda _done: self._inflight.pop((key_id, refresh), None))
        return await asyncio.shield(flight)

    def _stored(self, key_id: str) -> PublicKeyInfo | None:
        known = actors_store.by_key_id(self.store, key_id)
        if known is None or not known["public_key_pem"]:
            return None
        if len(self._parsed) >= self.MAX_PARSED:
            self._parsed.clear()
        info = PublicKeyInfo(key_id=key_id, owner=known["id"], key=load_public(known["public_key_pem"]))
        self._parsed[key_id] = info
        return info


@contextlib.asynccontextmanager
async def federation_client(store: Store, config: Config) -> AsyncIterator[tuple[FederationClient, Any]]:
    """A started client and a signed fetch function (for the CLI and the app alike)."""
    client = FederationClient(client_settings(config))
    await client.start()
    try:
        yield client, signed_fetcher(client, application_signer(store, config))
    finally:
        await client.close()


async def federation_ctx(app: web.Application) -> AsyncIterator[None]:
    config, store = app[CONFIG], app[STORE]
    load_handlers()
    async with federation_client(store, config) as (client, fetch):
        app[CLIENT], app[FETCH] = client, fetch
        app[KEYS] = KnownKeys(store, KeyCache(fetch))
        app[RATE] = RateLimiter(config.inbox_rate, config.inbox_burst)
        delivery = DeliveryWorker(store, config, client)
        pictures = PictureWorker(store, config, client)
        inbox = InboxWorker(store, config, fetch, on_published=lambda: (delivery.wake(), pictures.wake()))
        app[DELIVERY], app[INBOX_WORKER] = delivery, inbox
        discovery = DiscoveryWorker(store, config, client, fetch, on_published=delivery.wake)
        backfill = BackfillWorker(store, config, fetch, on_done=lambda _space: discovery.wake())
        app[BACKFILL], app[DISCOVERY], app[PICTURES] = backfill, discovery, pictures
        announce = EventAnnounceWorker(store, config, on_published=delivery.wake)
        app[MAIL] = mailer = MailWorker(store, config)
        workers = {"delivery": delivery, "inbox": inbox, "backfill": backfill, "discovery": discovery,
                   "event-announce": announce, "mail": mailer,
                   "reminders": ReminderWorker(store, config, on_queued=mailer.wake),
                   "opportunity-expiry": OpportunityExpiryWorker(store, config, on_published=delivery.wake),
                   "pictures": pictures}
        app[WORKERS] = workers
        tasks = [asyncio.create_task(worker.run(), name=name) for name, worker in workers.items()]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
