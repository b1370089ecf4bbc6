"""Following and being followed: Follow, Accept, Reject, Undo between our actors and remote ones."""

from __future__ import annotations

import logging
from typing import Any

from federation import origin, webfinger
from federation.errors import (FederationError, GoneError, MalformedError, NotAHandleError, NotFoundError,
                               UnreachableError, UnsafeAddressError)
from node.config import Config
from node.errors import Conflict, InvalidInput, NotFound
from node.services import catalogue, local_actors, opportunity_backfill, outbox, remote_actors
from node.storage import actors as actors_store
from node.storage import domains as domains_store
from node.storage import follows as follows_store
from node.storage.db import Store

log = logging.getLogger("coffee.federation")
# What a space is on the fediverse: the only actors a space follows, and the only ones that make a network.
SPACE_ACTOR_TYPES = frozenset({"Organization", "Group", "Service"})


def follow(store: Store, config: Config, follower: str, remote: dict[str, Any]) -> dict[str, Any]:
    """`follower` (one of ours) asks to follow a remote actor; the row stays pending until Accept."""
    if local_actors.is_local(config, remote["id"]):
        raise InvalidInput("A node does not follow itself.")
    if follower == local_actors.space_id(config) and remote["type"] not in SPACE_ACTOR_TYPES:
        raise InvalidInput("%(actor)s is not a space: a space follows only other spaces.", field="target",
                           actor=remote["id"])
    existing = follows_store.get(store, follower, remote["id"])
    if existing and existing["state"] == "accepted":
        raise Conflict("Already following %(actor)s.", actor=remote["id"])
    with store.transaction():
        activity_id = outbox.new_activity_id(config)
        row = follows_store.put(store, follower, remote["id"], activity_id, "pending")
        outbox.publish(store, config, {"id": activity_id, "type": "Follow", "object": remote["id"], "to": [remote["id"]]},
                       actor_id=follower, recipients=[remote["id"]])
    return row


def unfollow(store: Store, config: Config, follower: str, followee: str) -> None:
    row = follows_store.get(store, follower, followee)
    if row is None:
        raise NotFound("Not following %(actor)s.", actor=followee)
    with store.transaction():
        follows_store.delete(store, row["id"])
        if follower == local_actors.space_id(config):  # we would no longer hear of its members' changes
            catalogue.drop_space(store, followee)
        undo = {"type": "Undo", "to": [followee],
                "object": {"id": row["activity_id"], "type": "Follow", "actor": follower, "object": followee}}
        outbox.publish(store, config, undo, actor_id=follower, recipients=[followee])


def answer(store: Store, config: Config, follow_row: dict[str, Any], accept: bool) -> None:
    """Accept or Reject a remote actor's Follow of one of ours."""
    follower, followee = follow_row["follower"], follow_row["followee"]
    with store.transaction():
        follows_store.set_state(store, follow_row["id"], "accepted" if accept else "rejected")
        reply = {"type": "Accept" if accept else "Reject", "to": [follower],
                 "object": {"id": follow_row["activity_id"], "type": "Follow", "actor": follower, "object": followee}}
        outbox.publish(store, config, reply, actor_id=followee, recipients=[follower])
        if accept and followee == local_actors.space_id(config):
            opportunity_backfill.send_open_to(store, config, follower)  # the open ones it missed




def describe(store: Store, actor_id: str) -> dict[str, Any]:
    """Name and handle of a remote actor for admin pages and the CLI."""
    actor = actors_store.get(store, actor_id)
    if actor is None:
        return {"id": actor_id, "name": "", "handle": ""}
    handle = f"{actor['preferred_username']}@{actor['domain']}" if actor["preferred_username"] else ""
    return {"id": actor_id, "name": actor["name"], "handle": handle}


def follow_object_id(obj: Any) -> str:
    """The Follow an Accept/Reject/Undo refers to: an id, or an embedded activity with one."""
    value = obj.get("id") if isinstance(obj, dict) else obj
    if not isinstance(value, str):
        raise MalformedError("the object must be a Follow activity or its id")
    return value


async def resolve(store: Store, client: Any, fetch: Any, target: str) -> dict[str, Any]:
    """An actor from `acct:user@host`, `@user@host`, `user@host` or an actor URL; fetched and stored."""
    target = target.strip()
    if not target:
        raise InvalidInput("Say whom to follow: acct:space@host or an actor URL.")
    url = target if target.startswith(("https://", "http://")) else await webfinger.resolve_handle(client, target)
    return await remote_actors.fetch_actor(store, fetch, url, refresh=True)


def _domain_of_target(target: str) -> str | None:
    try:
        if target.startswith(("https://", "http://")):
            return origin.domain_of(target)
        return origin.normalise_domain(webfinger.split_handle(target)[1])
    except MalformedError:
        return None


async def follow_target(store: Store, config: Config, client: Any, fetch: Any, follower: str,
                        target: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Resolve `target` (handle or URL), store it, send the Follow: what the CLI and both pages do.

    Failures become one sentence the page can translate, never a library's exception text."""
    target = target.strip()
    domain = _domain_of_target(target)
    if domain is not None and domains_store.is_blocked(store, domain):
        raise InvalidInput("%(domain)s is blocked by this space.", domain=domain, field="target")
    try:
        remote = await resolve(store, client, fetch, target)
    except FederationError as exc:
        if isinstance(exc, MalformedError) and not isinstance(exc, NotAHandleError):  # it answered, but no actor
            log.info("follow.not_an_actor", extra={"target": target[:200], "reason": str(exc)})
            raise InvalidInput("%(target)s is not a space or a person that can be followed.", target=target,
                               field="target") from exc
        raise unreachable(target, exc, field="target") from exc
    return remote, follow(store, config, follower, remote)


def unreachable(target: str, exc: FederationError, *, field: str | None = None) -> InvalidInput:
    """What a person can do about a space or person we could not look up, in words they can translate;
    the technical reason (exception, address, status) goes to the log only."""
    log.info("federation.lookup_failed", extra={"target": target[:200], "error": type(exc).__name__, "reason": str(exc)})
    if isinstance(exc, NotAHandleError):
        return InvalidInput("“%(target)s” is not an address on the network. Check the address: it looks like "
                            "name@host (for example mutualab@coffee.mutualab.org) or starts with https://.",
                            field=field, target=target)
    if isinstance(exc, UnsafeAddressError):
        return InvalidInput("%(target)s is on a private or local network address, which this node does not "
                            "contact. Give the public address of the space.", field=field, target=target)
    if isinstance(exc, UnreachableError):
        return InvalidInput("The server of %(target)s does not answer: it is down, or the address is wrong. "
                            "Check the address, or try again later.", field=field, target=target)
    if isinstance(exc, GoneError):
        return InvalidInput("%(target)s was deleted from its server.", field=field, target=target)
    if isinstance(exc, NotFoundError):
        return InvalidInput("The server answers, but knows no account %(target)s. Check the name before the @ "
                            "(a space's address is shown on its home page).", field=field, target=target)
    return InvalidInput("%(target)s did not answer like a server of the network. Check the address, or try "
                        "again later.", field=field, target=target)
