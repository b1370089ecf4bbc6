"""The application factory: `create_app(config)` wires state, middlewares and routes."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

from aiohttp import web

from node.appkeys import CONFIG, JINJA, METRICS, SESSIONS, SKILLS, STORE
from node.config import Config
from node.federation_runtime import federation_ctx
from node.metrics import node_registry, storage_gauge
from node.middlewares import MIDDLEWARES
from node.observability import request_log_middleware
from node.render import create_environment
from node.routes import setup_routes
from node.services.setup import SESSION_SECRET
from node.services.skills import load_skill_index
from node.sessions import SessionCodec
from node.storage import db as db_mod
from node.workers import StorageWatch

MAX_REQUEST_BYTES = 8 * 1024 * 1024  # profile pictures; the inbox caps its own bodies lower


async def store_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the database (migrations run here) for the life of the app; a store that had to open
    read-only (full disk) is watched and becomes writable again when it can."""
    store = db_mod.connect(app[CONFIG].db_path)
    app[STORE] = store
    app[METRICS].register_collector(lambda _conn: [storage_gauge(store, app[CONFIG].data_dir)])
    watch = asyncio.create_task(StorageWatch(store).run(), name="storage-watch")
    yield
    watch.cancel()
    await asyncio.gather(watch, return_exceptions=True)
    store.close()


def create_app(config: Config) -> web.Application:
    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[request_log_middleware, *MIDDLEWARES])
    app[CONFIG] = config
    app[METRICS] = node_registry()
    app[JINJA] = create_environment()
    app[SKILLS] = load_skill_index()
    app[SESSIONS] = SessionCodec((config.keys_dir / SESSION_SECRET).read_text(encoding="ascii").strip())
    app.cleanup_ctx.append(store_ctx)
    app.cleanup_ctx.append(federation_ctx)
    setup_routes(app)
    return app
