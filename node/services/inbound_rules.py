"""Inbox rules that need our database (the pure ones are in federation.inbox)."""

from __future__ import annotations

from typing import Any

from federation import inbox as rules
from federation import origin
from federation.errors import OriginError
from node.config import Config
from node.services import local_actors
from node.storage import activities as activities_store
from node.storage import follows as follows_store
from node.storage.db import Store


def recipient_of(config: Config, username: str | None, path: str) -> str | None:
    """The local actor whose inbox was posted to; None for the shared inbox."""
    if username is not None:
        return local_actors.member_id(config, username)
    if path.startswith("/space/"):
        return local_actors.space_id(config)
    if path.startswith("/actor/"):
        return local_actors.application_id(config)
    return None


def check(store: Store, config: Config, activity: dict[str, Any], signer: str) -> None:
    """Accept/Reject only of an activity we sent to that very actor (a Follow of it, a Join of its event,
    an Offer made to it)."""
    if activity.get("type") not in ("Accept", "Reject"):
        return
    object_id = rules.id_of(activity.get("object"))
    row = follows_store.by_activity(store, object_id) if object_id else None
    if row is not None:
        if row["followee"] != signer or not local_actors.is_local(config, row["follower"]):
            raise OriginError(f"{signer} answers a Follow that was not sent to it")
        return
    ours = activities_store.get(store, object_id) if object_id else None
    doc = ours["document"] if ours else {}
    # A Join names the event it asks for; an Offer (of a partnership) names whom it is made to.
    target = rules.id_of(doc.get("target") if doc.get("type") == "Offer" else doc.get("object"))
    if target is None or not origin.same_origin(target, signer):
        raise OriginError(f"{signer} answers an activity we never sent to it")
