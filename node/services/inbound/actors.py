"""Actors announcing themselves: Create/Update of a Person or Organization, Delete of an actor.

We keep remote actors only from origins we follow (a space we follow and its
members); anything else is ignored, so strangers cannot fill our catalogue.
"""

from __future__ import annotations

import logging

from federation import origin, versions
from federation.versions import Verdict
from node.services import catalogue, remote_actors
from node.services.inbound import InboundContext, handler
from node.storage import actors as actors_store
from node.storage import follows as follows_store
from node.storage.db import Store

log = logging.getLogger("coffee.inbound")
PROFILE_TYPES = ("Person", "Organization", "Group", "Service")


def follows_origin_of(store: Store, actor_id: str) -> bool:
    """True when one of our actors follows (accepted) some actor on `actor_id`'s origin."""
    target = origin.origin(actor_id)
    return any(origin.origin(row["followee"]) == target
               for row in store.db.query("SELECT followee FROM follows WHERE state = 'accepted'"))


@handler("Create", *PROFILE_TYPES)
@handler("Update", *PROFILE_TYPES)
async def on_profile(ctx: InboundContext) -> None:
    doc = ctx.object
    if not isinstance(doc, dict) or doc.get("id") != ctx.actor:
        return  # an actor only speaks for itself (checked before; kept as a guard)
    held = actors_store.get(ctx.store, ctx.actor)
    if not follows_origin_of(ctx.store, ctx.actor) and held is None:
        log.info("actor.ignored_unfollowed_origin", extra={"actor": ctx.actor})
        return
    held_doc = held["document"] if held else None
    verdict = versions.judge(doc, versions.updated_of(held_doc), versions.digest(held_doc) if held_doc else None,
                             sent=versions.updated_of(ctx.activity))
    if verdict is Verdict.STALE:
        ctx.ignore(f"older than the version we hold (updated {doc.get('updated')}, "
                   f"held {versions.updated_of(held_doc)})")
        return
    if verdict is Verdict.REFETCH:  # no `updated`, or same time and other content: ask the origin
        doc = await ctx.fetch(ctx.actor)
        log.info("actor.refetched", extra={"actor": ctx.actor})
    remote_actors.remember(ctx.store, doc)
    catalogue.index_remote_actor(ctx.store, ctx.config, doc)
    log.info("actor.updated", extra={"actor": ctx.actor, "type": doc.get("type")})


@handler("Delete", *PROFILE_TYPES, "Application")
async def on_delete(ctx: InboundContext) -> None:
    """Delete of an actor (by itself, or by a space for its member on the same origin)."""
    target = ctx.object_id
    if target is None:
        return
    catalogue.remove(ctx.store, target)  # a member who left or hid their profile
    catalogue.drop_space(ctx.store, target)  # a space that closed: its members go with it
    known = actors_store.get(ctx.store, target)
    if known is None:
        return
    actors_store.delete(ctx.store, target)
    follows_store.remove_actor(ctx.store, target)
    log.info("actor.deleted", extra={"actor": target, "by": ctx.actor})
