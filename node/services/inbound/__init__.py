"""Inbound activity handlers: one module per concern, each registering its handlers.

`dispatch` looks up (activity type, object type), then (activity type, any).
An activity nobody handles is stored and ignored, never an error; so is one whose handler
returns False (it looked and found nothing for it: a Note that answers none of our opportunities).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from node.config import Config
from node.storage import recorded
from node.storage.db import Store

HANDLER_MODULES = [
    "node.services.inbound.follows",
    "node.services.inbound.actors",
    "node.services.inbound.events",
    "node.services.inbound.opportunities",
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
    ignored: str | None = None      # why the handler chose to ignore it (kept on the inbox row)

    def ignore(self, reason: str) -> None:
        """Record that this activity changes nothing on purpose (an older version arriving late)."""
        self.ignored = reason

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
        """The object's type. A bare id, an untyped reference or a Tombstone takes the type of what
        we recorded under that id (`node.storage.recorded`): one of our activities (an Accept of our
        Follow, as Fedify sends it), a remote Follow or Join (an Undo by id), a remote actor, or a
        remote event (Mobilizon deletes events by id). So each concern's own handler runs, and a
        Delete of something we never stored is ignored."""
        obj = self.object
        if isinstance(obj, dict):
            kind = obj.get("type")
            if kind in ("Tombstone", None) and isinstance(obj.get("id"), str):
                return recorded.type_of(self.store, obj["id"]) or kind
            return kind if isinstance(kind, str) else None
        if isinstance(obj, str):
            return recorded.type_of(self.store, obj)
        return None


Handler = Callable[[InboundContext], Awaitable[bool | None]]
_HANDLERS: dict[tuple[str, str | None], Handler] = {}
_HANDLED_TYPES: set[str] = set()


def handler(activity_type: str, *object_types: str) -> Callable[[Handler], Handler]:
    """Register `func` for an activity type, optionally only for some object types."""

    def register(func: Handler) -> Handler:
        for object_type in object_types or (None,):
            key = (activity_type, object_type)
            if key in _HANDLERS and _HANDLERS[key] is not func:
                raise RuntimeError(f"two handlers for {key}: {_HANDLERS[key].__qualname__}, {func.__qualname__}")
            _HANDLERS[key] = func
            _HANDLED_TYPES.add(activity_type)
        return func

    return register


def load_handlers() -> None:
    for name in HANDLER_MODULES:
        importlib.import_module(name)


async def dispatch(ctx: InboundContext) -> bool:
    """Run the handler for this activity; False when there is none (stored and ignored)."""
    activity_type = ctx.activity.get("type")
    if not isinstance(activity_type, str) or activity_type not in _HANDLED_TYPES:
        return False  # before object_type, which may query storage
    found = _HANDLERS.get((activity_type, ctx.object_type)) or _HANDLERS.get((activity_type, None))
    if found is None:
        return False
    return await found(ctx) is not False
