"""Our own actors: their ids (stable URLs) and the keys that sign for them.

The space is an Organization at `{base}/`, each opted-in member a Person at
`{base}/@username`, and the node itself an Application at `{base}/actor`
(FEP-2677) that signs fetches and server-level activities.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from federation import keys
from node.config import Config
from node.errors import NotFound
from node.services.setup import APPLICATION_KEY, SPACE_KEY
from node.storage import members as members_store
from node.storage.db import Store

KEY_FRAGMENT = "#main-key"


def space_id(config: Config) -> str:
    return f"{config.url}/"


def application_id(config: Config) -> str:
    return f"{config.url}/actor"


def member_id(config: Config, username: str) -> str:
    return f"{config.url}/@{username}"


def collection_base(config: Config, actor_id: str) -> str:
    """Where an actor's inbox/outbox/followers/following live."""
    if actor_id == space_id(config):
        return f"{config.url}/space"
    return actor_id


def is_local(config: Config, url: str) -> bool:
    return url == config.url or url.startswith(config.url + "/")


def username_of(config: Config, actor_id: str) -> str | None:
    prefix = f"{config.url}/@"
    if actor_id.startswith(prefix) and "/" not in actor_id[len(prefix):]:
        return actor_id[len(prefix):]
    return None


def _load_key_file(path: Path) -> PrivateKeyTypes:
    """Parsed once per version of the file: a running node signs with rotated keys at once."""
    stat = path.stat()
    return _parse_key_file(path, stat.st_ino, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _parse_key_file(path: Path, _inode: int, _mtime_ns: int) -> PrivateKeyTypes:
    return keys.load_private(path.read_bytes())


def ensure_member_keys(store: Store, member: dict[str, Any]) -> dict[str, Any]:
    """Members get a key pair the first time they federate (most never need one)."""
    if member.get("private_key_pem"):
        return member
    private = keys.generate_rsa()
    return members_store.update(store, member["id"], private_key_pem=keys.private_pem(private),
                                public_key_pem=keys.public_pem(private))


def private_key_for(store: Store, config: Config, actor_id: str) -> PrivateKeyTypes:
    """The key that signs for one of our actors."""
    if actor_id == space_id(config):
        return _load_key_file(config.keys_dir / SPACE_KEY)
    if actor_id == application_id(config):
        return _load_key_file(config.keys_dir / APPLICATION_KEY)
    username = username_of(config, actor_id)
    member = members_store.get_by_username(store, username) if username else None
    if member is None:
        raise NotFound("No local actor %(actor)s.", actor=actor_id)
    member = ensure_member_keys(store, member)
    return _member_key(member["private_key_pem"])


@functools.lru_cache(maxsize=1024)
def _member_key(pem: str) -> PrivateKeyTypes:
    return keys.load_private(pem)


def public_key_pem_for(store: Store, config: Config, actor_id: str) -> str:
    return keys.public_pem(private_key_for(store, config, actor_id))
