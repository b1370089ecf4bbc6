"""Telling the network about changes: members joining, editing, hiding or leaving; the space's profile.

A member is on the network while active with visibility `public` or `network`.
Entering sends Create(Person), staying sends Update(Person) (both by the member),
leaving sends Delete(Person) by the space (the member's key may already be gone)
and leaves a Tombstone so their URL answers 410. Recipients are the space's
followers plus the member's own; `network` members are never addressed to Public.
"""

from __future__ import annotations

from typing import Any, Callable

from node.config import Config
from node.services import catalogue, local_actors, outbox, publication
from node.services.skills import load_skill_index
from node.storage import tombstones as tombstones_store
from node.storage.db import Store

LabelFor = Callable[[str, str], str]  # (ESCO URI, language) -> label


def on_network(member: dict[str, Any] | None) -> bool:
    return bool(member and member["status"] == "active" and member["visibility"] in publication.NETWORK_VISIBILITIES)


def _audience(config: Config, actor_id: str, public: bool) -> dict[str, list[str]]:
    followers = [f"{local_actors.collection_base(config, local_actors.space_id(config))}/followers"]
    if actor_id != local_actors.space_id(config):
        followers.append(f"{actor_id}/followers")
    if public:
        return {"to": [outbox.PUBLIC], "cc": followers}
    return {"to": followers, "cc": []}


def _recipients(store: Store, config: Config, actor_id: str, public: bool) -> list[str]:
    """Followers of the space and of the actor; for a `network` member, only those of the network
    (a person following the space from elsewhere must not receive a profile it may not read)."""
    ids = publication.follower_ids(store, local_actors.space_id(config))
    if actor_id != local_actors.space_id(config):
        ids += publication.follower_ids(store, actor_id)
    if not public:
        ids = [i for i in ids if publication.is_network_peer(store, config, publication.domain_of(i))]
    return list(dict.fromkeys(ids))


def member_changed(store: Store, config: Config, before: dict[str, Any] | None, after: dict[str, Any] | None,
                   label_for: LabelFor | None = None) -> str | None:
    """Publish what a member change means for the network; returns the activity id, if any."""
    label_for = label_for or load_skill_index().label
    if after is not None:  # this node's catalogue holds every active member, whatever their visibility
        catalogue.index_local_member(store, config, after)
    elif before is not None:
        catalogue.remove(store, local_actors.member_id(config, before["username"]))
    was, now = on_network(before), on_network(after)
    if not was and not now:
        return None
    username = (after or before)["username"]  # type: ignore[index]
    actor_id = local_actors.member_id(config, username)
    public = (after if now else before)["visibility"] == "public"  # type: ignore[index]
    recipients = _recipients(store, config, actor_id, public)
    if not now:
        return _delete_member(store, config, actor_id, recipients, public=public)
    tombstones_store.remove(store, actor_id)
    doc = publication.member_doc(store, config, after, label_for)  # type: ignore[arg-type]
    doc.pop("@context", None)
    activity = {"type": "Update" if was else "Create", "object": doc, **_audience(config, actor_id, public)}
    return outbox.publish(store, config, activity, actor_id=actor_id, recipients=recipients)


def member_deleted(store: Store, config: Config, member: dict[str, Any]) -> str | None:
    catalogue.remove(store, local_actors.member_id(config, member["username"]))
    if not on_network(member):
        return None
    actor_id = local_actors.member_id(config, member["username"])
    public = member["visibility"] == "public"
    return _delete_member(store, config, actor_id, _recipients(store, config, actor_id, public), public=public)


def _delete_member(store: Store, config: Config, actor_id: str, recipients: list[str], *, public: bool) -> str:
    space = local_actors.space_id(config)
    tombstones_store.add(store, actor_id, "Person")
    activity = {"type": "Delete", "object": actor_id, **_audience(config, space, public)}
    return outbox.publish(store, config, activity, actor_id=space, recipients=recipients)


def space_changed(store: Store, config: Config) -> str:
    catalogue.space_changed(store, config)
    doc = publication.space_doc(store, config)
    doc.pop("@context", None)
    space = local_actors.space_id(config)
    activity = {"type": "Update", "object": doc, **_audience(config, space, True)}
    return outbox.publish(store, config, activity, actor_id=space, recipients="followers")
