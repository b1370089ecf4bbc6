"""Replacing the node's ActivityPub keys, after a leak or by policy.

New key pairs for the space, the node's Application actor and every member who has
one, then an Update of the space and of each member on the network to their
followers: the Update is signed with the new key, so peers (Mastodon, Fedify, Coffee)
that knew the old one fail to verify it, refetch the actor and keep the new key.
A running node signs with the new keys from its next request on (the key files are
reloaded when they change), so the node does not need to stop.
"""

from __future__ import annotations

from dataclasses import dataclass

from federation import keys
from node.config import Config
from node.services import announce
from node.services.setup import APPLICATION_KEY, SPACE_KEY
from node.storage import members as members_store
from node.storage.db import Store


@dataclass(frozen=True)
class Rotation:
    members: int    # member key pairs replaced
    announced: int  # actors whose Update was queued for their followers


def rotate_keys(store: Store, config: Config) -> Rotation:
    for name in (SPACE_KEY, APPLICATION_KEY):
        keys.write_private_key(config.keys_dir / name, keys.generate_rsa(), replace=True)
    with store.transaction():
        keyed = members_store.select(store, "private_key_pem IS NOT NULL", order="id")
        for member in keyed:
            private = keys.generate_rsa()
            members_store.update(store, member["id"], private_key_pem=keys.private_pem(private),
                                 public_key_pem=keys.public_pem(private))
        announce.space_changed(store, config)
        announced = 1
        for member in members_store.select(store, order="id"):
            if announce.on_network(member):
                announce.member_changed(store, config, member, member)
                announced += 1
    return Rotation(members=len(keyed), announced=announced)
