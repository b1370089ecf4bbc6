"""Every piece of app and request state, typed: `request.app[STORE]`, `request[USER]`."""

from __future__ import annotations

from typing import Any

import jinja2
from aiohttp import web

from node.config import Config
from node.sessions import Session, SessionCodec
from node.storage.db import Store

CONFIG = web.AppKey("config", Config)
STORE = web.AppKey("store", Store)
JINJA = web.AppKey("jinja", jinja2.Environment)
SESSIONS = web.AppKey("sessions", SessionCodec)

# Per-request state, set by the middlewares.
LANG = web.RequestKey("lang", str)
SESSION = web.RequestKey("session", Session)
USER = web.RequestKey("user", dict[str, Any] | None)  # the signed-in, active member
