"""A member's own follows: remote spaces and people (a Follow from the member's Person actor),
and local people or the home space (accepted at once, no federation).

The node's own follows (the space actor's) are never touched here: a member following
Switch does not make the space follow it.
"""

from __future__ import annotations

from typing import Any

from federation import webfinger
from federation.errors import MalformedError
from node.config import Config
from node.errors import InvalidInput, NotFound
from node.services import follows as follows_service
from node.services import local_actors, notifications, outbox, publication
from node.storage import follows as follows_store
from node.storage import members as members_store
from node.storage.db import Store


def local_target(config: Config, target: str) -> str | None:
    """The actor id of one of ours that `target` names (handle or URL), or None when it is elsewhere."""
    target = target.strip()
    if target.startswith(("https://", "http://")):
        if target.rstrip("/") == config.url or target == f"{config.url}/space":
            return local_actors.space_id(config)
        username = local_actors.username_of(config, target)
        return local_actors.member_id(config, username) if username else None
    try:
        user, host = webfinger.split_handle(target)
    except MalformedError:
        return None
    if host != config.domain.lower():
        return None
    return local_actors.space_id(config) if user.lower() == config.slug else local_actors.member_id(config, user)


def _follow_local(store: Store, config: Config, follower: str, followee: str) -> dict[str, Any]:
    if followee != local_actors.space_id(config):
        username = local_actors.username_of(config, followee) or ""
        member = members_store.get_by_username(store, username)
        if member is None or member["status"] != "active":
            raise NotFound("No one here is called %(target)s.", target=username)
    row = follows_store.put(store, follower, followee, outbox.new_activity_id(config), "accepted")
    tell_followee(store, config, follower, followee)
    return row


def tell_followee(store: Store, config: Config, follower: str, followee: str, *, request: bool = False) -> None:
    """Who is followed hears of it: a member of a new follower; the space's admins of a follow
    request waiting for their approval."""
    if followee == local_actors.space_id(config):
        told = members_store.select(store, "role = 'admin' AND status = 'active'") if request else []
    else:
        username = local_actors.username_of(config, followee)
        told = [m for m in [members_store.get_by_username(store, username) if username else None] if m]
    described = follows_service.describe(store, follower)
    if not described["name"] and local_actors.is_local(config, follower):
        local = members_store.get_by_username(store, local_actors.username_of(config, follower) or "")
        described["name"] = (local or {}).get("display_name", "")
    for member in told:
        notifications.notify(store, config, member, "follow", variant="request" if request else None,
                             url=f"{config.url}/admin/federation" if request else follower,
                             name=described["name"] or follower, actor=follower)


async def follow(store: Store, config: Config, client: Any, fetch: Any, member: dict[str, Any],
                 target: str) -> dict[str, Any]:
    """`member` follows `target` (handle or actor URL); returns the follow row."""
    target = target.strip()
    if not target or len(target) > 500:
        raise InvalidInput("Say whom to follow: a handle such as alice@coffee.example or an address.", field="target")
    follower = local_actors.member_id(config, member["username"])
    local = local_target(config, target)
    if local == follower:
        raise InvalidInput("You cannot follow yourself.", field="target")
    if local is not None:
        return _follow_local(store, config, follower, local)
    if member["visibility"] not in publication.NETWORK_VISIBILITIES:
        raise InvalidInput("Make your profile visible to the network first: "
                           "other spaces must be able to see who follows them.", field="target")
    _remote, row = await follows_service.follow_target(store, config, client, fetch, follower, target)
    return row


def unfollow(store: Store, config: Config, member: dict[str, Any], followee: str) -> None:
    """Stop following; a remote actor is told with Undo, a local one needs nothing."""
    follower = local_actors.member_id(config, member["username"])
    if local_actors.is_local(config, followee):
        row = follows_store.get(store, follower, followee)
        if row is None:
            raise NotFound("Not following %(actor)s.", actor=followee)
        follows_store.delete(store, row["id"])
        return
    follows_service.unfollow(store, config, follower, followee)
