"""Opportunities, answers and partnerships arriving from other nodes.

- Create/Update(Page with `opportunityKind`) from a followed space: the board's copy. Later
  changes (edits, filled, withdrawn, expired) count only from the actor whose Create we stored
  or the poster; the inbox already checked that the object's id is on the sender's origin, and
  the poster and space it names must be on that origin too.
- Delete(Page or its Tombstone) of such a copy, by the same actors.
- Create(Note) replying to one of our opportunities, addressed to its poster alone: an answer;
  one replying to an answer we hold, from the other party to ours alone: the thread that follows.
- Offer(Partnership) from a poster our member answered, and Accept(Offer) from the partner;
  Undo of either ends the partnership (only from the party who sent it).
"""

from __future__ import annotations

import logging
from typing import Any

from federation import origin
from node.errors import InvalidInput
from node.services import local_actors, publication, remote_actors
from node.services import opportunities as opportunities_service
from node.services import opportunity_answers, opportunity_documents, partnerships
from node.services.events import actor_country
from node.services.inbound import InboundContext, handler
from node.services.inbound.actors import follows_origin_of
from node.services.skills import load_skill_index
from node.storage import opportunities as opportunities_store

log = logging.getLogger("coffee.inbound")


@handler("Create", "Page")
@handler("Update", "Page")
async def on_opportunity(ctx: InboundContext) -> None:
    doc = ctx.object if isinstance(ctx.object, dict) else (await ctx.fetch(ctx.object_id) if ctx.object_id else None)
    if doc is None or not opportunity_documents.is_opportunity(doc) or local_actors.is_local(ctx.config, doc.get("id") or ""):
        return
    parsed = opportunity_documents.from_ap(doc, default_language=publication.main_language(ctx.store))
    fields = {"opportunity": parsed["id"], "actor": ctx.actor}
    existing = opportunities_store.get_by_ap_id(ctx.store, parsed["id"])
    if existing is not None and not opportunities_service.remote_owner(existing, ctx.actor):
        log.info("opportunity.update_ignored_not_owner", extra=fields)
        return
    if existing is None and not _wanted(ctx):
        log.info("opportunity.ignored", extra=fields | {"reason": "not followed"})
        return
    for key in ("poster_id", "space_id"):
        if not parsed[key] or not origin.same_origin(parsed[key], parsed["id"]):
            log.info("opportunity.ignored", extra=fields | {"reason": f"{key} not on the object's origin"})
            return
    poster = await remote_actors.fetch_actor(ctx.store, ctx.fetch, parsed["poster_id"])
    space = await remote_actors.fetch_actor(ctx.store, ctx.fetch, parsed["space_id"])
    parsed |= {"poster_name": poster["name"] or poster["preferred_username"] or "",
               "space_name": space["name"] or space["preferred_username"] or "",
               "country_of_space": parsed["country_of_space"] or actor_country(space["document"])}
    try:
        saved = opportunities_service.save_remote(ctx.store, parsed, load_skill_index(),
                                                  origin=origin.origin(parsed["id"]), published_by=ctx.actor)
    except InvalidInput as exc:
        log.info("opportunity.invalid", extra=fields | {"field": exc.field, "reason": str(exc)})
        return
    log.info("opportunity.stored" if saved else "opportunity.unchanged", extra=fields)


def _wanted(ctx: InboundContext) -> bool:
    """We follow the sender's server, or asked to follow the sender: a new follower's backfill may
    arrive before the Accept of its Follow does."""
    asked = ctx.store.db.execute("SELECT 1 FROM follows WHERE followee = ? AND state IN ('pending', 'accepted')",
                                 [ctx.actor]).fetchone()
    return asked is not None or follows_origin_of(ctx.store, ctx.actor)


@handler("Delete", "Page")
async def on_delete(ctx: InboundContext) -> None:
    if ctx.object_id and opportunities_service.delete_remote(ctx.store, ctx.object_id, ctx.actor):
        log.info("opportunity.deleted", extra={"opportunity": ctx.object_id, "actor": ctx.actor})


@handler("Create", "Note")
async def on_answer(ctx: InboundContext) -> bool:
    """An answer to one of our opportunities; any other Note is not for us (False: stored and ignored)."""
    note = ctx.object
    reply_to = note.get("inReplyTo") if isinstance(note, dict) else None
    if not isinstance(reply_to, str) or note.get("attributedTo") not in (None, ctx.actor):
        return False
    if opportunities_store.answer_by_note(ctx.store, reply_to) is not None:  # the thread that follows an answer
        outcome = opportunity_answers.receive_reply(ctx.store, ctx.activity, note, ctx.actor)
        log.info("opportunity.reply", extra={"answer": reply_to, "actor": ctx.actor, "outcome": outcome})
        return True
    if not local_actors.is_local(ctx.config, reply_to):
        return False
    actor = await remote_actors.fetch_actor(ctx.store, ctx.fetch, ctx.actor)
    outcome = opportunity_answers.receive(ctx.store, ctx.config, ctx.activity, note, actor=actor,
                                          country=actor_country(actor["document"]))
    log.info("opportunity.answer", extra={"opportunity": reply_to, "actor": ctx.actor, "outcome": outcome})
    return True


@handler("Offer", "Partnership")
async def on_offer(ctx: InboundContext) -> None:
    obj: Any = ctx.object
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not origin.same_origin(obj["id"], ctx.actor):
        log.info("partnership.offer_ignored", extra={"actor": ctx.actor, "reason": "object not on the sender's origin"})
        return
    outcome = partnerships.receive_offer(ctx.store, ctx.config, ctx.activity, obj, ctx.actor)
    log.info("partnership.offer", extra={"partnership": obj["id"], "actor": ctx.actor, "outcome": outcome})


@handler("Accept", "Offer")
async def on_accept(ctx: InboundContext) -> None:
    if ctx.object_id:
        outcome = partnerships.receive_accept(ctx.store, ctx.object_id, ctx.actor)
        log.info("partnership.accept", extra={"offer": ctx.object_id, "actor": ctx.actor, "outcome": outcome})


@handler("Undo", "Offer")
async def on_undo_offer(ctx: InboundContext) -> None:
    """The proposer ends a partnership by undoing its Offer (the inbox checked the Offer is on its origin)."""
    if ctx.object_id:
        outcome = partnerships.receive_end(ctx.store, ctx.object_id, ctx.actor)
        log.info("partnership.end", extra={"offer": ctx.object_id, "actor": ctx.actor, "outcome": outcome})


@handler("Undo", "Accept")
async def on_undo_accept(ctx: InboundContext) -> None:
    """The partner ends it by undoing its Accept, which names the Offer."""
    inner = ctx.object if isinstance(ctx.object, dict) else {}
    offer = inner.get("object")
    offer_id = offer.get("id") if isinstance(offer, dict) else offer
    if isinstance(offer_id, str) and inner.get("actor") in (None, ctx.actor):
        outcome = partnerships.receive_end(ctx.store, offer_id, ctx.actor)
        log.info("partnership.end", extra={"offer": offer_id, "actor": ctx.actor, "outcome": outcome})
