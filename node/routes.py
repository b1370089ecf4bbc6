"""The one route table: every URL the node answers, in one place."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from node.views import auth, health

STATIC_DIR = Path(__file__).parent / "static"


def setup_routes(app: web.Application) -> None:
    app.router.add_routes(
        [
            # accounts
            web.get("/login", auth.login_form, name="login"),
            web.post("/login", auth.login_submit),
            web.post("/logout", auth.logout, name="logout"),
            web.get("/me/password", auth.password_form, name="password"),
            web.post("/me/password", auth.password_submit),
            web.get("/lang/{code}", auth.set_language, name="language"),
            # operations
            web.get("/healthz", health.healthz, name="healthz"),
        ]
    )
    app.router.add_static("/static", STATIC_DIR, name="static", append_version=False)
