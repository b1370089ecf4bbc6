"""Liveness for load balancers and `coffee-node check`."""

from aiohttp import web

from node.appkeys import STORE


async def healthz(request: web.Request) -> web.Response:
    request.app[STORE].conn.execute("SELECT 1").fetchone()
    return web.json_response({"status": "ok"})
