"""The one route table: every URL the node answers, in one place."""

from __future__ import annotations

from aiohttp import web

from node.views import health


def setup_routes(app: web.Application) -> None:
    app.router.add_routes(
        [
            web.get("/healthz", health.healthz, name="healthz"),
        ]
    )
