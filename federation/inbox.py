"""Inbox rules that need no database: body limits, parsing, and origin checks.

The order matters and is the node's too: cap the size, check the media type,
parse, verify the signature (elsewhere), then `check_origin` on the normalised
activity. Mastodon's CVE-2024-23832 came from trusting an object's claimed
origin; here every id is compared with the verified signer's origin.
"""

from __future__ import annotations

import json
from typing import Any

from federation import origin
from federation.errors import MalformedError, OriginError, TooLargeError, UnsupportedMediaType
from federation.types import VerifiedSigner

MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 64  # nesting of arrays and objects; real activities stay under 10
MEDIA_TYPES = frozenset({"application/activity+json", "application/ld+json", "application/json"})
ACTOR_TYPES = frozenset({"Person", "Organization", "Group", "Service", "Application"})
OWN_OBJECT_ACTIVITIES = frozenset({"Create", "Update", "Delete"})


def check_media_type(content_type: str) -> None:
    if content_type.split(";")[0].strip().lower() not in MEDIA_TYPES:
        raise UnsupportedMediaType(f"content type {content_type!r} is not ActivityPub JSON")


def check_length(declared: int | None, limit: int = MAX_BODY_BYTES) -> None:
    """Refuse before reading when the sender announces a body over the cap."""
    if declared is not None and declared > limit:
        raise TooLargeError(f"body of {declared} bytes exceeds {limit}")


def parse(body: bytes) -> dict[str, Any]:
    """A JSON object with a string `type` and an `actor`: the minimum to talk about it."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedError(f"body is not JSON: {exc}") from exc
    except RecursionError as exc:  # a few kB of `[[[[...` under the size cap
        raise MalformedError("body is nested too deeply") from exc
    if not isinstance(doc, dict):
        raise MalformedError("an activity must be a JSON object")
    if _depth(doc) > MAX_DEPTH:  # the recursive steps after the signature check (JSON-LD) would overflow
        raise MalformedError(f"body is nested deeper than {MAX_DEPTH} levels")
    if not isinstance(doc.get("type"), str):
        raise MalformedError("the activity has no type")
    if id_of(doc.get("actor")) is None:
        raise MalformedError("the activity has no actor")
    return doc


def _depth(doc: Any) -> int:
    """How deep arrays and objects nest, measured without recursion."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        value, level = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def id_of(value: Any) -> str | None:
    """The id of a reference: a string, or an embedded object's `id`."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, list) and len(value) == 1:
        return id_of(value[0])
    return value if isinstance(value, str) and value else None


def check_origin(activity: dict[str, Any], signer: VerifiedSigner) -> str | None:
    """Apply the origin rules to a normalised activity; return the id to deduplicate on.

    An id on a foreign origin is not ours to reserve: such activities are not
    deduplicated by id (None), so nobody can squat another server's ids.
    """
    actor = id_of(activity.get("actor"))
    if actor is None:
        raise MalformedError("the activity has no actor")
    if actor != signer.owner:
        raise OriginError(f"signed by {signer.owner} but claims actor {actor}")
    kind = activity.get("type")
    activity_id = activity.get("id") if isinstance(activity.get("id"), str) else None
    dedupe = activity_id if activity_id and origin.same_origin(activity_id, actor) else None
    obj = activity.get("object")
    if kind in OWN_OBJECT_ACTIVITIES:
        object_id = id_of(obj)
        if object_id is None:
            raise MalformedError(f"{kind} without an object id")
        origin.require_same_origin(actor, object_id, f"{kind} object")
        if kind == "Update" and isinstance(obj, dict) and obj.get("type") in ACTOR_TYPES and object_id != actor:
            raise OriginError(f"{actor} cannot update another actor ({object_id})")
    elif kind == "Undo":
        inner_actor = id_of(obj.get("actor")) if isinstance(obj, dict) else None
        inner_id = id_of(obj)
        if inner_id is None:
            raise MalformedError("Undo without an object")
        if inner_actor is not None and inner_actor != actor:
            raise OriginError(f"{actor} cannot undo an activity of {inner_actor}")
        origin.require_same_origin(actor, inner_id, "undone activity")
    elif kind in ("Accept", "Reject") and isinstance(obj, dict):
        target = id_of(obj.get("object"))
        if target is not None and target != actor:
            raise OriginError(f"{actor} answers a follow addressed to {target}")
    return dedupe


def drop_foreign_embeds(activity: dict[str, Any]) -> dict[str, Any]:
    """Replace an embedded object from another origin by its bare id (to be fetched from its origin)."""
    actor = id_of(activity.get("actor"))
    obj = activity.get("object")
    if isinstance(obj, dict) and actor and obj.get("id") and not origin.same_origin(obj["id"], actor):
        return {**activity, "object": obj["id"]}
    return activity
