"""The node's exception tree; the web and CLI boundaries translate it to 4xx / exit codes.

Services raise these, never aiohttp exceptions, so the same service serves the
web UI, the JSON API, the CLI and the inbound federation handlers.
"""

from __future__ import annotations


class CoffeeError(Exception):
    """Base of every expected error; `status` is the HTTP answer at the boundary."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(CoffeeError):
    """The caller sent something we refuse (bad value, unknown skill, wrong format)."""

    status = 400


class NotFound(CoffeeError):
    status = 404


class Gone(CoffeeError):
    """The thing existed and was deleted (ActivityPub answers 410 with a Tombstone)."""

    status = 410


class Conflict(CoffeeError):
    """The request contradicts what is stored (duplicate username, node already exists)."""

    status = 409


class PermissionDenied(CoffeeError):
    status = 403


class NotAuthenticated(CoffeeError):
    status = 401


class TooLarge(CoffeeError):
    status = 413


class ConfigError(CoffeeError):
    """The node's data dir or configuration is unusable."""

    status = 500
