"""Inbound activity handlers: one module per concern, each registering its handlers.

`dispatch` looks up (activity type, object type), then (activity type, any).
An activity nobody handles is stored and ignored, never an error.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from node.config import Config
from node.storage.db import Store

HANDLER_MODULES = [
    "node.services.inbound.follows",
    "node.services.inbound.actors",
    "node.services.inbound.events",
]

Fetch = Callable[[str], Awaitable[dict[str, Any]]]


@dataclass
class InboundContext:
    """One verified activity being handled; the origin rules were checked before."""

    store: Store
    config: Config
    activity: dict[str, Any]       # normalised with our JSON-LD context
    actor: str                      # the verified actor (owner of the signing key)
    recipient: str | None           # local actor whose inbox got it; None = shared inbox
    fetch: Fetch                    # safe signed fetch (exact id check, SSRF guard)
    notes: list[str] = field(default_factory=list)

    @property
    def object(self) -> Any:
        return self.activity.get("object")

    @property
    def object_id(self) -> str | None:
        obj = self.object
        if isinstance(obj, dict):
            return obj.get("id")
        return obj if isinstance(obj, str) else None

    @property
    def object_type(self) -> str | None:
        """The object's type; for a bare id of one of our own activities (an Accept of
        our Follow, as Fedify and Pleroma send it), the type we stored when we sent it."""
        obj = self.object
        if isinstance(obj, dict):
            kind = obj.get("type")
            return kind if isinstance(kind, str) else None
        if isinstance(obj, str):
            row = self.store.db.execute("SELECT type FROM activities WHERE id = ?", [obj]).fetchone()
            return row[0] if row else None
        return None


Handler = Callable[[InboundContext], Awaitable[None]]
_HANDLERS: dict[tuple[str, str | None], Handler] = {}


def handler(activity_type: str, *object_types: str) -> Callable[[Handler], Handler]:
    """Register `func` for an activity type, optionally only for some object types."""

    def register(func: Handler) -> Handler:
        for object_type in object_types or (None,):
            key = (activity_type, object_type)
            if key in _HANDLERS and _HANDLERS[key] is not func:
                raise RuntimeError(f"two handlers for {key}: {_HANDLERS[key].__qualname__}, {func.__qualname__}")
            _HANDLERS[key] = func
        return func

    return register


def load_handlers() -> None:
    for name in HANDLER_MODULES:
        importlib.import_module(name)


async def dispatch(ctx: InboundContext) -> bool:
    """Run the handler for this activity; False when there is none (stored and ignored)."""
    activity_type = ctx.activity.get("type")
    if not isinstance(activity_type, str):
        return False
    found = _HANDLERS.get((activity_type, ctx.object_type)) or _HANDLERS.get((activity_type, None))
    if found is None:
        return False
    await found(ctx)
    return True
