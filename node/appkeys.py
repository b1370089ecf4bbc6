"""Every piece of app state, typed: `request.app[STORE]` instead of string keys."""

from __future__ import annotations

from aiohttp import web

from node.config import Config
from node.storage.db import Store

CONFIG = web.AppKey("config", Config)
STORE = web.AppKey("store", Store)
