"""Events from other servers, and registrations across servers.

- Create/Update(Event): a peer's public event joins our network agenda when we
  follow its origin (or it names our space as cohost); later changes only count
  from its organiser or the actor whose Create we stored. The inbox already
  checked that the event's id is on the sender's origin.
- Announce(Event) from a followed server (Mobilizon groups and relays): the event is read
  from its origin and belongs to its organiser.
- Delete(Tombstone or Event) of such an event, by the same people.
- Join / Leave / Undo(Join) of one of our events by a peer's person.
- Accept / Reject(Join) of our members' Joins (the inbox checked that the answer
  comes from the event's origin).
"""

from __future__ import annotations

import logging
from typing import Any

from federation import origin, versions
from federation.versions import Verdict
from node.config import Config
from node.services import event_documents, event_notices, local_actors, publication, remote_actors
from node.services import events as events_service
from node.services.inbound import Fetch, InboundContext, handler
from node.services.inbound.actors import follows_origin_of
from node.storage import events as events_store
from node.storage.db import Store

log = logging.getLogger("coffee.inbound")


async def _object(ctx: InboundContext) -> dict[str, Any] | None:
    """The Event itself: embedded, or fetched from its origin when we got its id only."""
    if isinstance(ctx.object, dict):
        return ctx.object
    return await ctx.fetch(ctx.object_id) if ctx.object_id else None


@handler("Create", "Event")
@handler("Update", "Event")
async def on_event(ctx: InboundContext) -> None:
    doc = await _object(ctx)
    if doc is None:
        return
    held = events_store.get_by_ap_id(ctx.store, doc.get("id")) if isinstance(doc.get("id"), str) else None
    if held is not None and events_service.remote_owner(held, ctx.actor):  # deliveries arrive in any order
        verdict = versions.judge(doc, versions.updated_of({"updated": held["remote_updated"]}), held["remote_digest"],
                                 sent=versions.updated_of(ctx.activity))
        if verdict is Verdict.STALE:
            ctx.ignore(f"older than the version we hold (updated {doc.get('updated')}, held {held['remote_updated']})")
            return
        if verdict is Verdict.REFETCH:  # no `updated`, or same time and other content: ask the origin
            doc = await ctx.fetch(doc["id"])
            if doc.get("type") != "Event":
                return
    await _store_event(ctx, parse(ctx.store, doc), published_by=ctx.actor, digest=versions.digest(doc))


@handler("Announce")
async def on_announce(ctx: InboundContext) -> None:
    """Mobilizon's groups and relays share events with Announce. The event is always read from
    its origin (an announcer, even on the same server, does not speak for someone else's event),
    and its organiser, not the announcer, owns it here."""
    if not ctx.object_id or local_actors.is_local(ctx.config, ctx.object_id):
        return
    fields = {"event_id": ctx.object_id, "actor": ctx.actor}
    if not follows_origin_of(ctx.store, ctx.actor):
        log.info("event.announce_ignored", extra=fields | {"reason": "not followed"})
        return
    if isinstance(ctx.object, dict) and ctx.object.get("type") != "Event":
        return  # a boosted note or profile: not worth a fetch
    doc = await ctx.fetch(ctx.object_id)
    if doc.get("type") != "Event":
        return  # other shared objects (notes, profiles) are not for the agenda
    parsed = parse(ctx.store, doc)
    organiser = parsed["organiser"]["id"]
    if not organiser or not origin.same_origin(organiser, parsed["id"]):
        log.info("event.announce_ignored", extra=fields | {"reason": "no organiser on the event's origin"})
        return
    await _store_event(ctx, parsed, published_by=organiser, announced=True, digest=versions.digest(doc))


def parse(store: Store, doc: dict[str, Any]) -> dict[str, Any]:
    """A peer's Event document as stored values (texts without a language are in our main one)."""
    return event_documents.event_from_ap(doc, default_language=publication.main_language(store))


async def _store_event(ctx: InboundContext, parsed: dict[str, Any], *, published_by: str, digest: str,
                       announced: bool = False) -> None:
    await store_peer_event(ctx.store, ctx.config, ctx.fetch, parsed, sender=ctx.actor,
                           published_by=published_by, announced=announced, digest=digest)


async def store_peer_event(store: Store, config: Config, fetch: Fetch, parsed: dict[str, Any], *, sender: str,
                           published_by: str, announced: bool = False, digest: str | None = None) -> None:
    """Store or update a peer's event that `sender` gave us. `announced`: it was fetched from its
    origin (for an Announce, or by the backfill of a newly followed space), so it is the organiser's
    own current version, whoever shared it. `digest`: the document's content hash, kept with its
    `updated` to order later versions (issue 22)."""
    if not parsed["id"] or local_actors.is_local(config, parsed["id"]):
        return
    existing = events_store.get_by_ap_id(store, parsed["id"])
    fields = {"event_id": parsed["id"], "actor": sender}
    if existing is not None and not (announced or events_service.remote_owner(existing, sender)):
        log.info("event.update_ignored_not_owner", extra=fields)
        return
    ours = local_actors.space_id(config)
    invited = any(cohost["id"] == ours for cohost in parsed["cohosts"])
    if existing is None and not (parsed["public"] and (invited or follows_origin_of(store, sender))):
        log.info("event.ignored", extra=fields | {"public": parsed["public"]})
        return
    organiser = dict(parsed["organiser"]) if parsed["organiser"]["id"] else {"id": published_by, "name": "", "country": ""}
    if not origin.same_origin(organiser["id"], parsed["id"]):
        organiser = {"id": published_by, "name": "", "country": ""}  # a peer speaks for its own actors only
    known = await remote_actors.fetch_actor(store, fetch, organiser["id"])
    organiser["name"] = organiser.get("name") or known["name"] or known["preferred_username"]
    organiser["country"] = organiser.get("country") or events_service.actor_country(known["document"])
    saved = events_service.save_remote(store, config, parsed, origin=origin.origin(parsed["id"]),
                                       published_by=published_by, organiser=organiser)
    if digest is not None:
        events_store.set_remote_version(store, parsed["id"], parsed["updated"], digest)
    log.info("event.stored" if saved else "event.unchanged", extra=fields)


@handler("Delete", "Tombstone")
@handler("Delete", "Event")
async def on_delete_event(ctx: InboundContext) -> None:
    if ctx.object_id and events_service.delete_remote(ctx.store, ctx.object_id, ctx.actor):
        log.info("event.deleted", extra={"event_id": ctx.object_id, "actor": ctx.actor})


@handler("Join")
async def on_join(ctx: InboundContext) -> None:
    if not ctx.object_id or not local_actors.is_local(ctx.config, ctx.object_id):
        return
    actor = await remote_actors.fetch_actor(ctx.store, ctx.fetch, ctx.actor)
    attendee = events_service.Attendee(
        actor_id=ctx.actor, name=actor["name"] or actor["preferred_username"], origin=origin.origin(ctx.actor),
        country=events_service.actor_country(actor["document"]), join_activity_id=ctx.activity.get("id"),
    )
    status = events_service.receive_join(ctx.store, ctx.config, ctx.object_id, attendee)
    log.info("event.join", extra={"event_id": ctx.object_id, "actor": ctx.actor, "status": status})


@handler("Leave")
async def on_leave(ctx: InboundContext) -> None:
    if ctx.object_id:
        events_service.receive_leave(ctx.store, ctx.object_id, ctx.actor)


@handler("Undo", "Join")
async def on_undo_join(ctx: InboundContext) -> None:
    inner = ctx.object if isinstance(ctx.object, dict) else {}
    registration = events_store.registration_by_join(ctx.store, ctx.object_id) if ctx.object_id else None
    if registration is not None and registration["attendee_id"] == ctx.actor:
        event = events_store.get(ctx.store, registration["event_id"])
        events_service.receive_leave(ctx.store, event["ap_id"], ctx.actor)  # type: ignore[index]
    elif isinstance(inner.get("object"), str):
        events_service.receive_leave(ctx.store, inner["object"], ctx.actor)


def _answer(ctx: InboundContext, *, accept: bool) -> None:
    row = events_service.receive_answer(ctx.store, ctx.object_id, accept=accept) if ctx.object_id else None
    if row is not None:  # our member hears the origin's answer
        event_notices.registration_answered(ctx.store, ctx.config, events_store.get(ctx.store, row["event_id"]), row)  # type: ignore[arg-type]


@handler("Accept", "Join")
async def on_accept_join(ctx: InboundContext) -> None:
    _answer(ctx, accept=True)


@handler("Reject", "Join")
async def on_reject_join(ctx: InboundContext) -> None:
    _answer(ctx, accept=False)
