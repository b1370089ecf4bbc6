"""Public keys of remote actors, fetched on demand and cached: the node's KeyResolver.

A key is trusted only when its owner vouches for it: the actor document whose `id`
is the key's `owner` must list the keyId in `publicKey`. Two layouts are common:

- keyId `https://a.example/users/x#main-key`: the URL without fragment is the actor,
  whose `publicKey` entry carries the PEM;
- keyId is a URL of its own (`https://a.example/keys/1`): that document is the key;
  its `owner` is fetched and must list the keyId.

Errors, for the inbox: anything that stops us from getting a vouched key raises
FetchError (GoneError when the document is gone), including documents we cannot
parse; the request then cannot be authenticated, which the inbox answers with 401.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from urllib.parse import urldefrag

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from federation import origin
from federation.client import FederationClient, Signer
from federation.errors import FetchError, MalformedError, TooLargeError
from federation.jsonld import normalise
from federation.keys import load_public
from federation.types import PublicKeyInfo

FetchDocument = Callable[[str], Awaitable[dict]]


def signed_fetcher(client: FederationClient, signer: Signer) -> FetchDocument:
    """Fetch documents signed as `signer` (the node's Application actor: many servers require it)."""

    async def fetch(url: str) -> dict:
        return await client.get_object(url, signer=signer)

    return fetch


class KeyCache:
    """Resolves keyIds to vouched public keys; an in-memory LRU whose entries expire after `ttl` seconds.

    `fetch_document(url)` must return the document whose id is exactly `url` (as
    `FederationClient.get_object` does); the node may pass its actor cache instead.

    A `refresh` (asked after a signature failed, in case the key rotated) fetches again
    at most once per key per `refetch_cooldown` seconds, as Mastodon does: otherwise anyone
    could make us fetch a victim's key once per forged request, using us as a reflector.
    The window counts from the last refresh, not from the first fetch, so a peer that
    rotates its keys right after we first read them is still heard at once.
    """

    def __init__(
        self,
        fetch_document: FetchDocument,
        *,
        ttl: float = 3600.0,
        refetch_cooldown: float = 300.0,
        max_entries: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch_document = fetch_document
        self._ttl = ttl
        self._refetch_cooldown = refetch_cooldown
        self._max_entries = max_entries
        self._clock = clock
        # key id -> (fetched at, vouched key)
        self._entries: OrderedDict[str, tuple[float, PublicKeyInfo]] = OrderedDict()
        # key id -> when a refresh last fetched it
        self._refreshed: OrderedDict[str, float] = OrderedDict()

    async def __call__(self, key_id: str, *, refresh: bool = False) -> PublicKeyInfo:
        now = self._clock()
        cached = self._entries.get(key_id)
        if cached is not None:
            fresh = (now - self._refreshed.get(key_id, -self._refetch_cooldown) < self._refetch_cooldown
                     if refresh else now - cached[0] < self._ttl)
            if fresh:
                self._entries.move_to_end(key_id)
                return cached[1]
        if refresh:
            _remember(self._refreshed, key_id, now, self._max_entries)
        info = await self._resolve(key_id)
        _remember(self._entries, key_id, (self._clock(), info), self._max_entries)
        return info

    async def _resolve(self, key_id: str) -> PublicKeyInfo:
        document = await self._fetch(urldefrag(key_id).url)
        entry = _key_entry(document, key_id)
        if entry is None and document.get("id") == key_id:
            # The keyId is a key document of its own: its owner must list it, under the owner's own id.
            entry, owner = document, document.get("owner")
            owner_document = await self._fetch(owner) if isinstance(owner, str) else {}
            if owner_document.get("id") != owner or _key_entry(owner_document, key_id) is None:
                raise FetchError(f"key {key_id}: its owner {owner!r} does not list it")
        else:
            owner = document.get("id")
        if not isinstance(entry, dict):
            raise FetchError(f"key {key_id}: not published in {document.get('id')!r}")
        if entry.get("owner") != owner:
            raise FetchError(f"key {key_id}: owner {entry.get('owner')!r} is not {owner!r}")
        if not may_hold_key(owner, key_id):
            # A redirect may have led to another server's document that lists this keyId.
            raise FetchError(f"key {key_id}: owner {owner!r} may not hold it")
        return PublicKeyInfo(key_id=key_id, owner=owner, key=_public_key(key_id, entry.get("publicKeyPem")))

    async def _fetch(self, url: str) -> dict:
        """The document at `url`, in our JSON-LD shape; unparsable or oversized answers are fetch failures."""
        try:
            return normalise(await self._fetch_document(url))
        except (MalformedError, TooLargeError) as exc:
            raise FetchError(f"{url}: {exc}") from exc


def _remember(entries: OrderedDict, key: str, value: object, max_entries: int) -> None:
    """Set `key` as the most recently used entry, evicting the least recently used past `max_entries`."""
    entries[key] = value
    entries.move_to_end(key)
    while len(entries) > max_entries:
        entries.popitem(last=False)


def may_hold_key(owner: str, key_id: str) -> bool:
    """Whether `owner` can be the owner of `key_id`: the key is on its origin, and a `#fragment` key is its own.

    Without this, an actor document may list another actor's keyId and PEM (key shadowing):
    a node that stored it would then attribute that actor's genuine signatures to the impostor.
    """
    if not origin.same_origin(owner, key_id):
        return False
    document, fragment = urldefrag(key_id)
    return not fragment or document == owner


def _public_key(key_id: str, pem: object) -> PublicKeyTypes:
    if not isinstance(pem, str):
        raise FetchError(f"key {key_id}: no publicKeyPem")
    try:
        return load_public(pem)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise FetchError(f"key {key_id}: unreadable publicKeyPem") from exc


def _key_entry(document: dict, key_id: str) -> dict | str | None:
    """The `publicKey` entry (embedded object or bare reference) of `document` whose id is `key_id`."""
    published = document.get("publicKey")
    for entry in published if isinstance(published, list) else [published]:
        if entry == key_id or (isinstance(entry, dict) and entry.get("id") == key_id):
            return entry
    return None
