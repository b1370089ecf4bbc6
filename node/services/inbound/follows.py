"""Follow, Accept, Reject, Undo(Follow) arriving from other servers."""

from __future__ import annotations

import logging

from federation.errors import OriginError
from node.services import follows as follows_service
from node.services import backfill, catalogue, local_actors, personal_follows, publication, remote_actors
from node.services.inbound import InboundContext, handler
from node.storage import follows as follows_store
from node.storage import members as members_store

log = logging.getLogger("coffee.inbound")


def _followable(ctx: InboundContext, target: str | None) -> bool:
    """The space can always be followed; a member only while federated, and a `network` one only from the network."""
    config = ctx.config
    if target == local_actors.space_id(config):
        return True
    username = local_actors.username_of(config, target or "")
    member = members_store.get_by_username(ctx.store, username) if username else None
    if not member or member["status"] != "active" or member["visibility"] not in publication.NETWORK_VISIBILITIES:
        return False
    return member["visibility"] == "public" or publication.is_network_peer(ctx.store, config,
                                                                          publication.domain_of(ctx.actor))


@handler("Follow")
async def on_follow(ctx: InboundContext) -> None:
    target = ctx.object_id
    await remote_actors.fetch_actor(ctx.store, ctx.fetch, ctx.actor)
    activity_id = ctx.activity["id"]
    if not _followable(ctx, target):
        row = follows_store.put(ctx.store, ctx.actor, target or "", activity_id, "rejected")
        follows_service.answer(ctx.store, ctx.config, row, accept=False)
        return
    manual = target == local_actors.space_id(ctx.config) and ctx.config.manual_approval
    existing = follows_store.get(ctx.store, ctx.actor, target)  # type: ignore[arg-type]
    already = existing is not None and existing["state"] == "accepted"
    row = follows_store.put(ctx.store, ctx.actor, target, activity_id, "accepted" if already else "pending")  # type: ignore[arg-type]
    if manual and not already:
        log.info("follow.awaiting_approval", extra={"follower": ctx.actor, "followee": target})
        personal_follows.tell_followee(ctx.store, ctx.config, ctx.actor, target, request=True)  # type: ignore[arg-type]
        return
    follows_service.answer(ctx.store, ctx.config, row, accept=True)
    if not already:
        personal_follows.tell_followee(ctx.store, ctx.config, ctx.actor, target)  # type: ignore[arg-type]


def _our_follow(ctx: InboundContext) -> dict:
    """The Follow we sent that this Accept/Reject answers; only its followee may answer it."""
    follow_id = follows_service.follow_object_id(ctx.object)
    row = follows_store.by_activity(ctx.store, follow_id)
    if row is None or row["followee"] != ctx.actor or not local_actors.is_local(ctx.config, row["follower"]):
        raise OriginError(f"{ctx.actor} answers a Follow it did not receive from us")
    return row


@handler("Accept", "Follow")
async def on_accept(ctx: InboundContext) -> None:
    row = _our_follow(ctx)
    follows_store.set_state(ctx.store, row["id"], "accepted")
    log.info("follow.accepted", extra={"follower": row["follower"], "followee": row["followee"]})
    if row["state"] != "accepted" and row["followee"] in catalogue.followed_spaces(ctx.store, ctx.config):
        backfill.queue(ctx.store, row["followee"])  # the members it had before we followed


@handler("Reject", "Follow")
async def on_reject(ctx: InboundContext) -> None:
    row = _our_follow(ctx)
    follows_store.set_state(ctx.store, row["id"], "rejected")
    if row["follower"] == local_actors.space_id(ctx.config):
        catalogue.drop_space(ctx.store, row["followee"])


@handler("Undo", "Follow")
async def on_undo_follow(ctx: InboundContext) -> None:
    inner = ctx.object if isinstance(ctx.object, dict) else {}
    row = follows_store.by_activity(ctx.store, follows_service.follow_object_id(ctx.object))
    if row is None and isinstance(inner.get("object"), str):
        row = follows_store.get(ctx.store, ctx.actor, inner["object"])
    if row is None or row["follower"] != ctx.actor:
        return  # nothing of theirs to undo
    follows_store.delete(ctx.store, row["id"])
