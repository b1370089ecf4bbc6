"""Liveness for load balancers and `coffee-node check`, with whether the node can write.

A node that cannot write still serves pages, so it answers 200 either way; the body
says `degraded` and why (a full disk), and `/metrics` has `coffee_storage_writable`.
"""

from aiohttp import web

from node.appkeys import CONFIG, STORE
from node.storage import health


async def healthz(request: web.Request) -> web.Response:
    reason = health.status(request.app[STORE], request.app[CONFIG].data_dir)
    if reason:
        return web.json_response({"status": "degraded", "reason": reason})
    return web.json_response({"status": "ok"})
