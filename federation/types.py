"""Small value types shared across the federation package."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Protocol

from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes


@dataclass(frozen=True)
class PublicKeyInfo:
    """A public key as published by an actor: `owner` is the actor whose `publicKey.id` is `key_id`."""

    key_id: str
    owner: str
    key: PublicKeyTypes


@dataclass(frozen=True)
class VerifiedSigner:
    """Who verifiably signed a request. Returned by signature verification instead of a bool."""

    key_id: str
    owner: str          # actor id that owns the key
    algorithm: str      # e.g. "rsa-sha256", "rsa-v1_5-sha256", "ed25519"
    scheme: str         # "cavage" or "rfc9421"


class KeyResolver(Protocol):
    """Finds the public key for a keyId; `refresh=True` bypasses caches (key rotation)."""

    def __call__(self, key_id: str, *, refresh: bool = False) -> Awaitable[PublicKeyInfo]: ...
