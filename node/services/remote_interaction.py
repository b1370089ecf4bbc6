"""Mastodon's remote-interaction flow, both sides.

Visitor side: someone reading one of our pages types their handle; their home server's
WebFinger gives a subscribe template (`http://ostatus.org/schema/1.0/subscribe`) and
we send them there with our actor's id as `{uri}`.
Home side: `/authorize_interaction?uri=...` only shows a confirmation form for the
signed-in member; nothing is followed and nobody is redirected elsewhere until they confirm.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from federation import webfinger
from federation.errors import FederationError, MalformedError
from node.config import Config
from node.errors import InvalidInput
from node.services import local_actors


def interaction_target(uri: str) -> str:
    """The account a subscribe link names: an http(s) address or a handle (`acct:` or not)."""
    uri = uri.strip()
    if uri.startswith(("https://", "http://")) and len(uri) <= 500:
        return uri
    try:
        user, host = webfinger.split_handle(uri)
    except MalformedError:
        raise InvalidInput("Only http(s) addresses and handles (name@host) can be followed.", field="uri") from None
    return f"{user}@{host}"


async def home_page_for(client: Any, config: Config, handle: str, actor_id: str) -> str:
    """Where the owner of `handle` confirms following `actor_id` (one of ours) on their home server."""
    if not local_actors.is_local(config, actor_id):
        raise InvalidInput("Only spaces and people of this node can be followed from here.", field="actor")
    handle = handle.strip()
    try:
        webfinger.split_handle(handle)
    except MalformedError:
        raise InvalidInput("Type your handle like alice@coffee.example.", field="handle") from None
    try:
        template = await webfinger.subscribe_template(client, handle)
    except FederationError as exc:
        raise InvalidInput("Cannot find where %(handle)s lives: check the handle, or follow %(actor)s from your own server.",
                           handle=handle, actor=actor_id, field="handle") from exc
    return template.replace("{uri}", quote(actor_id, safe=""))
