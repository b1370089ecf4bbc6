"""Publishing: store an activity we author and queue one delivery per distinct inbox.

Delivery happens later in the delivery worker, so a crash or a slow peer
never loses an activity; rows are written in the caller's transaction.
"""

from __future__ import annotations

import uuid
from typing import Any, Iterable

from federation.documents import omit_empty
from federation.jsonld import COFFEE_CONTEXT, PUBLIC
from node.config import Config
from node.services import home_feed, local_actors, publication
from node.storage import activities as activities_store
from node.storage import actors as actors_store
from node.storage import deliveries as deliveries_store
from node.storage import follows as follows_store
from node.storage.db import Store
from node.timeutil import now_iso


def new_activity_id(config: Config) -> str:
    return f"{config.url}/activities/{uuid.uuid4()}"


def audience(activity: dict[str, Any]) -> list[Any]:
    """Everyone an activity is addressed to (to, cc, bto, bcc, audience)."""
    found: list[Any] = []
    for key in ("to", "cc", "bto", "bcc", "audience"):
        value = activity.get(key, [])
        found.extend(value if isinstance(value, list) else [value])
    return found


def is_public(activity: dict[str, Any]) -> bool:
    return PUBLIC in audience(activity)


def for_shared_inboxes(config: Config, activity: dict[str, Any]) -> bool:
    """Public or followers-addressed activities go to shared inboxes (one delivery per server, and
    that server fans out); an activity addressed to particular actors (a Follow, an Accept, a Join,
    a direct message) goes to each one's own inbox, as Mastodon expects."""
    return any(a == PUBLIC or (isinstance(a, str) and a.endswith("/followers") and local_actors.is_local(config, a))
               for a in audience(activity))


def inbox_of(store: Store, actor_id: str, *, shared: bool) -> str | None:
    """The actor's shared inbox when `shared` and it has one, else its own inbox."""
    actor = actors_store.get(store, actor_id)
    if actor is None:
        return None
    return (actor["shared_inbox"] if shared else None) or actor["inbox"]


def publish(
    store: Store,
    config: Config,
    activity: dict[str, Any],
    *,
    actor_id: str,
    recipients: str | Iterable[str] = "followers",
    extra_inboxes: Iterable[str] = (),
) -> str:
    """Record `activity` (by `actor_id`) and queue deliveries; returns the activity id.

    `recipients` is "followers" (the actor's accepted followers) or remote actor ids;
    `extra_inboxes` adds inbox URLs directly (e.g. replying to a Follow). Our own
    inboxes are never targets.
    """
    activity = omit_empty(activity)  # e.g. `cc: []` of an activity to followers only
    activity.setdefault("@context", COFFEE_CONTEXT)
    activity.setdefault("id", new_activity_id(config))
    activity.setdefault("actor", actor_id)
    activity.setdefault("published", now_iso().replace("+00:00", "Z"))
    with store.transaction():
        activities_store.insert(store, {
            "id": activity["id"], "actor": actor_id, "type": activity["type"],
            "object_id": _object_id(activity), "public": int(is_public(activity)),
            "document": activity, "published": activity["published"],
        })
        home_feed.record(store, config, activity, actor_id, audience(activity))  # local people who follow
        targets = list(recipients_of(store, actor_id, recipients))
        shared = for_shared_inboxes(config, activity)
        inboxes = {inbox for inbox in (inbox_of(store, t, shared=shared) for t in targets) if inbox}
        inboxes.update(extra_inboxes)
        for inbox in sorted(inboxes):
            domain = publication.domain_of(inbox)
            if domain is None or local_actors.is_local(config, inbox):
                continue  # no usable inbox URL (userinfo, no host), or ours
            deliveries_store.add(store, activity_id=activity["id"], inbox=inbox, domain=domain, signer=actor_id)
    return activity["id"]


def recipients_of(store: Store, actor_id: str, recipients: str | Iterable[str]) -> Iterable[str]:
    if recipients == "followers":
        return [row["follower"] for row in follows_store.followers(store, actor_id)]
    if isinstance(recipients, str):
        raise ValueError(f"unknown recipients {recipients!r}")
    return recipients


def _object_id(activity: dict[str, Any]) -> str | None:
    obj = activity.get("object")
    if isinstance(obj, dict):
        return obj.get("id")
    return obj if isinstance(obj, str) else None
