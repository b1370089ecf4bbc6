"""Every piece of app and request state, typed: `request.app[STORE]`, `request[USER]`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Awaitable, Callable

import jinja2
from aiohttp import web

from federation.client import FederationClient
from federation.types import KeyResolver
from node.config import Config
from node.ratelimit import RateLimiter
from node.metrics import Registry
from node.services.skills import SkillIndex
from node.sessions import Session, SessionCodec
from node.storage.db import Store

if TYPE_CHECKING:
    from node.workers import BackfillWorker, DeliveryWorker, DiscoveryWorker, InboxWorker, MailWorker, PictureWorker, Worker

CONFIG = web.AppKey("config", Config)
STORE = web.AppKey("store", Store)
JINJA = web.AppKey("jinja", jinja2.Environment)
SESSIONS = web.AppKey("sessions", SessionCodec)
METRICS = web.AppKey("metrics", Registry)
SKILLS = web.AppKey("skills", SkillIndex)  # ESCO taxonomy, loaded once per process

# Federation (node/federation_runtime.py)
CLIENT = web.AppKey("client", FederationClient)
FETCH = web.AppKey("fetch", Callable[[str], Awaitable[dict[str, Any]]])
KEYS = web.AppKey("keys", KeyResolver)
RATE = web.AppKey("rate", RateLimiter)
DELIVERY: web.AppKey[DeliveryWorker] = web.AppKey("delivery")
INBOX_WORKER: web.AppKey[InboxWorker] = web.AppKey("inbox_worker")
BACKFILL: web.AppKey[BackfillWorker] = web.AppKey("backfill")  # the catalogue's workers
DISCOVERY: web.AppKey[DiscoveryWorker] = web.AppKey("discovery")
WORKERS: web.AppKey[dict[str, Worker]] = web.AppKey("workers")  # every background loop, by name
MAIL: web.AppKey[MailWorker] = web.AppKey("mail")  # the mail outbox; views wake it after queueing
PICTURES: web.AppKey[PictureWorker] = web.AppKey("pictures")  # other spaces' logos and photos, cached

# Per-request state, set by the middlewares.
LANG = web.RequestKey("lang", str)
SESSION = web.RequestKey("session", Session)
USER = web.RequestKey("user", dict[str, Any] | None)  # the signed-in, active member
REQUEST_ID = web.RequestKey("request_id", str)  # X-Request-Id, set by node.observability
