"""Remote actors: read from their (normalised) documents, remembered in `actors`."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from federation import origin
from federation.errors import MalformedError
from federation.keyfetch import may_hold_key
from node.storage import actors as actors_store
from node.storage.db import Store
from node.timeutil import now_iso

ACTOR_TYPES = frozenset({"Person", "Organization", "Group", "Service", "Application"})
Fetch = Callable[[str], Awaitable[dict[str, Any]]]


def _str(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def actor_row(doc: dict[str, Any]) -> dict[str, Any]:
    """The columns we keep of an actor document; refuses documents that are not actors."""
    actor_id, kind, inbox = _str(doc.get("id")), doc.get("type"), _str(doc.get("inbox"))
    if not actor_id or kind not in ACTOR_TYPES or not inbox:
        raise MalformedError("not an actor document (id, actor type and inbox are required)")
    for url in (inbox, _str(doc.get("outbox")), _str(doc.get("followers"))):
        if url:
            origin.require_same_origin(actor_id, url, "actor endpoint")
    endpoints = doc.get("endpoints") if isinstance(doc.get("endpoints"), dict) else {}
    shared = _str(endpoints.get("sharedInbox"))
    key = _key_of(doc)
    return {
        "id": actor_id,
        "type": kind,
        "preferred_username": doc.get("preferredUsername") if isinstance(doc.get("preferredUsername"), str) else "",
        "name": doc.get("name") if isinstance(doc.get("name"), str) else "",
        "domain": origin.domain_of(actor_id),
        "inbox": inbox,
        "shared_inbox": shared if shared and origin.same_origin(shared, actor_id) else None,
        "outbox": _str(doc.get("outbox")),
        "followers": _str(doc.get("followers")),
        "following": _str(doc.get("following")),
        "url": _str(doc.get("url")) if not isinstance(doc.get("url"), list) else None,
        "public_key_id": key[0] if key else None,
        "public_key_pem": key[1] if key else None,
        "discoverable": int(doc.get("discoverable") is True),
        "indexable": int(doc.get("indexable") is True),
        "document": doc,
        "fetched_at": now_iso(),
    }


def _key_of(doc: dict[str, Any]) -> tuple[str, str] | None:
    """The first key the actor owns and may hold: never another actor's keyId (key shadowing)."""
    keys, actor_id = doc.get("publicKey"), doc.get("id")
    for key in keys if isinstance(keys, list) else [keys]:
        if (isinstance(key, dict) and key.get("owner") == actor_id and isinstance(key.get("id"), str)
                and isinstance(key.get("publicKeyPem"), str) and may_hold_key(actor_id, key["id"])):
            return key["id"], key["publicKeyPem"]
    return None


def remember(store: Store, doc: dict[str, Any]) -> dict[str, Any]:
    row = actor_row(doc)
    actors_store.upsert(store, row)
    return row


async def fetch_actor(store: Store, fetch: Fetch, actor_id: str, *, refresh: bool = False) -> dict[str, Any]:
    """The stored actor, fetched (signed, exact-id checked) when unknown or on `refresh`."""
    if not refresh:
        known = actors_store.get(store, actor_id)
        if known is not None:
            return known
    return remember(store, await fetch(actor_id))
