"""The node's exception tree; the web and CLI boundaries translate it to 4xx / exit codes.

Services raise these, never aiohttp exceptions, so the same service serves the
web UI, the JSON API, the CLI and the inbound federation handlers.
"""

from __future__ import annotations

from typing import Callable


class CoffeeError(Exception):
    """Base of every expected error; `status` is the HTTP answer at the boundary.

    `template` is an English sentence with %(name)s placeholders filled from
    `params`; the web boundary translates the template (Babel extracts the
    constructor calls as gettext keywords) before filling it in.
    """

    status = 400

    def __init__(self, template: str, *, field: str | None = None, **params: object) -> None:
        self.template = template
        self.params = params
        self.field = field
        self.message = template % params if params else template
        super().__init__(self.message)

    def translated(self, gettext: "Callable[[str], str]") -> str:
        text = gettext(self.template)
        return text % self.params if self.params else text


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
