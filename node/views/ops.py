"""`/metrics`: Prometheus scrapes it; the proxy examples keep it off the public internet."""

from aiohttp import web

from node.appkeys import METRICS, STORE

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


async def metrics(request: web.Request) -> web.Response:
    text = request.app[METRICS].render(request.app[STORE].conn)
    return web.Response(
        body=text.encode("utf-8"),
        headers={"Content-Type": PROMETHEUS_CONTENT_TYPE, "Cache-Control": "no-store"},
    )
