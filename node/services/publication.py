"""What our actors publish, and who may read it.

`public` members are readable by anyone; `network` members only by nodes of
the network (a signed fetch from a domain of a space that we follow and that
follows us, or of a trusted space: see `is_network_peer`); `local` members do
not exist for the network (404), deleted ones are 410.
"""

from __future__ import annotations

from typing import Any

from federation import origin
from federation.errors import MalformedError
from node import __version__
from node.config import Config
from node.errors import Gone, NotFound
from node.services import actor_documents, local_actors
from node.services.follows import SPACE_ACTOR_TYPES
from node.storage import activities as activities_store
from node.storage import follows as follows_store
from node.storage import members as members_store
from node.storage import pictures as pictures_store
from node.storage import space as space_store
from node.storage import tombstones as tombstones_store
from node.storage.db import Store

NETWORK_VISIBILITIES = ("public", "network")


def main_language(store: Store) -> str:
    languages = space_store.get(store)["languages"]
    return languages[0] if languages else "en"


def is_network_peer(store: Store, config: Config, domain: str | None) -> bool:
    """Whether a domain is in this node's network: a space of it (an Organization, Group or Service,
    never a Person) and our space follow each other, both accepted; or it holds one of our trusted spaces.

    An accepted follower alone does not count: follows are accepted automatically by default, so any
    fediverse account would be "network". Following back is the admin's choice of a peer.
    """
    if not domain:
        return False
    if domain in trusted_domains(config):
        return True
    return follows_store.mutual_on_domain(store, local_actors.space_id(config), domain, SPACE_ACTOR_TYPES)


def trusted_domains(config: Config) -> set[str]:
    """The domains of `[federation] trusted_spaces` (actor URLs, or `acct:` handles: the part after `@`)."""
    domains = set()
    for entry in config.trusted_spaces:
        if entry.startswith(("https://", "http://")):
            domain = domain_of(entry)
        else:
            try:
                domain = origin.normalise_domain(entry.rpartition("@")[2])
            except MalformedError:
                domain = None
        if domain:
            domains.add(domain)
    return domains


def federated_member(store: Store, config: Config, username: str, viewer_domain: str | None) -> dict[str, Any]:
    """The member behind `/@username` for an ActivityPub reader, or NotFound / Gone."""
    member = members_store.get_by_username(store, username)
    actor_id = local_actors.member_id(config, username)
    if member is None or member["status"] != "active" or member["visibility"] not in NETWORK_VISIBILITIES:
        if tombstones_store.get(store, actor_id):
            raise Gone("This member left the network.")
        raise NotFound("No such member.")
    if member["visibility"] == "network" and not is_network_peer(store, config, viewer_domain):
        raise NotFound("No such member.")
    return member


def space_doc(store: Store, config: Config) -> dict[str, Any]:
    pem = local_actors.public_key_pem_for(store, config, local_actors.space_id(config))
    return actor_documents.space_document(config, space_store.get(store), pem, main_lang=main_language(store),
                                          published=space_store.created_at(store), pictures=pictures_store.own(store))


def member_doc(store: Store, config: Config, member: dict[str, Any], label_for: Any) -> dict[str, Any]:
    """`label_for(uri, lang)` names ESCO skills in the space's main language."""
    member = local_actors.ensure_member_keys(store, member)
    lang = main_language(store)
    return actor_documents.member_document(
        config, member, member["public_key_pem"], label=lambda uri: label_for(uri, lang), main_lang=lang
    )


def application_doc(store: Store, config: Config) -> dict[str, Any]:
    pem = local_actors.public_key_pem_for(store, config, local_actors.application_id(config))
    return actor_documents.application_document(config, pem, __version__, published=space_store.created_at(store))


def tombstone_for(store: Store, object_id: str) -> dict[str, Any] | None:
    row = tombstones_store.get(store, object_id)
    if row is None:
        return None
    return actor_documents.tombstone(object_id, row["former_type"], row["deleted_at"])


def outbox_items(store: Store, actor_id: str, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    rows = activities_store.page(store, actor_id, public_only=True, limit=limit, offset=offset)
    docs = []
    for row in rows:
        doc = dict(row["document"])
        doc.pop("@context", None)
        docs.append(doc)
    return docs, activities_store.count(store, actor_id, public_only=True)


def follower_ids(store: Store, actor_id: str) -> list[str]:
    return [row["follower"] for row in follows_store.followers(store, actor_id)]


def following_ids(store: Store, actor_id: str) -> list[str]:
    return [row["followee"] for row in follows_store.following(store, actor_id)]


def member_ids(store: Store, config: Config, viewer_domain: str | None) -> list[str]:
    """The space's `members` collection: public members, plus network ones for network peers."""
    visible = ["public"] + (["network"] if is_network_peer(store, config, viewer_domain) else [])
    marks = ",".join("?" * len(visible))
    rows = members_store.select(store, f"status = 'active' AND visibility IN ({marks})", visible, order="id")
    return [local_actors.member_id(config, row["username"]) for row in rows]


def domain_of(url: str | None) -> str | None:
    """`federation.origin.domain_of`, or None for no URL or one that names no usable host."""
    try:
        return origin.domain_of(url) if url else None
    except MalformedError:
        return None
