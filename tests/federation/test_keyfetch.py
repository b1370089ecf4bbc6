"""KeyCache: keys are trusted only when their owner vouches for them, and are cached with a TTL."""

from __future__ import annotations

import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from federation import httpsig
from federation.client import ACTIVITY_CONTENT_TYPE, ClientSettings, FederationClient, Signer
from federation.errors import FetchError, GoneError, MalformedError
from federation.jsonld import COFFEE_CONTEXT
from federation.keyfetch import KeyCache, signed_fetcher
from federation.keys import generate_rsa, public_pem
from federation.types import PublicKeyInfo

ACTOR = "https://roubaix.example/users/bob"
KEY_ID = ACTOR + "#main-key"


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return generate_rsa()


def actor(key: rsa.RSAPrivateKey, *, actor_id: str = ACTOR, key_id: str | None = None, owner: str | None = None) -> dict:
    key_entry = {"id": key_id or actor_id + "#main-key", "owner": owner or actor_id, "publicKeyPem": public_pem(key)}
    return {"@context": COFFEE_CONTEXT, "id": actor_id, "type": "Person", "publicKey": key_entry}


class Documents:
    """A fake `fetch_document`: serves a fixed set of documents and counts the fetches."""

    def __init__(self, documents: dict[str, dict]) -> None:
        self.documents = documents
        self.fetched: list[str] = []

    async def __call__(self, url: str) -> dict:
        self.fetched.append(url)
        if url not in self.documents:
            raise FetchError(f"{url}: HTTP 404")
        return self.documents[url]


async def test_fragment_key_is_read_from_the_actor(key) -> None:
    documents = Documents({ACTOR: actor(key)})
    info = await KeyCache(documents)(KEY_ID)
    assert (info.key_id, info.owner) == (KEY_ID, ACTOR)
    assert info.key.public_numbers() == key.public_key().public_numbers()
    assert documents.fetched == [ACTOR]


async def test_key_among_several_and_under_prefixed_names(key) -> None:
    other = generate_rsa()
    doc = {
        "@context": ["https://www.w3.org/ns/activitystreams", {"sec": "https://w3id.org/security#"}],
        "id": ACTOR,
        "type": "Person",
        "sec:publicKey": [
            {"id": ACTOR + "#other", "sec:owner": {"id": ACTOR}, "sec:publicKeyPem": public_pem(other)},
            {"id": KEY_ID, "sec:owner": {"id": ACTOR}, "sec:publicKeyPem": public_pem(key)},
        ],
    }
    info = await KeyCache(Documents({ACTOR: doc}))(KEY_ID)
    assert info.key.public_numbers() == key.public_key().public_numbers()


async def test_key_document_of_its_own_needs_its_owner_to_list_it(key) -> None:
    key_url = "https://roubaix.example/keys/1"
    key_doc = {"@context": COFFEE_CONTEXT, "id": key_url, "owner": ACTOR, "publicKeyPem": public_pem(key)}
    listed = {"@context": COFFEE_CONTEXT, "id": ACTOR, "type": "Person", "publicKey": key_url}
    info = await KeyCache(Documents({key_url: key_doc, ACTOR: listed}))(key_url)
    assert (info.key_id, info.owner) == (key_url, ACTOR)

    unlisted = {**listed, "publicKey": "https://roubaix.example/keys/2"}
    with pytest.raises(FetchError, match="does not list it"):
        await KeyCache(Documents({key_url: key_doc, ACTOR: unlisted}))(key_url)


@pytest.mark.parametrize(
    ("doc_kwargs", "message"),
    [
        ({"owner": "https://evil.example/users/eve"}, "owner 'https://evil.example/users/eve' is not"),
        ({"key_id": ACTOR + "#other-key"}, "not published"),
    ],
)
async def test_keys_not_vouched_by_the_actor_are_refused(key, doc_kwargs: dict, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        await KeyCache(Documents({ACTOR: actor(key, **doc_kwargs)}))(KEY_ID)


@pytest.mark.parametrize("pem", [None, "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n"])
async def test_missing_or_unreadable_pem_is_a_fetch_error(key, pem: str | None) -> None:
    doc = actor(key)
    doc["publicKey"] = {k: v for k, v in doc["publicKey"].items() if k != "publicKeyPem"}
    if pem is not None:
        doc["publicKey"]["publicKeyPem"] = pem
    with pytest.raises(FetchError, match="publicKeyPem"):
        await KeyCache(Documents({ACTOR: doc}))(KEY_ID)


async def test_failures_of_the_fetch_stay_fetch_errors(key) -> None:
    with pytest.raises(FetchError, match="404"):
        await KeyCache(Documents({}))(KEY_ID)

    async def gone(url: str) -> dict:
        raise GoneError(f"{url}: gone (410)")

    with pytest.raises(GoneError):
        await KeyCache(gone)(KEY_ID)

    async def malformed(url: str) -> dict:
        raise MalformedError(f"{url}: invalid JSON")

    with pytest.raises(FetchError, match="invalid JSON"):
        await KeyCache(malformed)(KEY_ID)


async def test_cached_until_ttl_or_refresh(key) -> None:
    now = [0.0]
    documents = Documents({ACTOR: actor(key)})
    cache = KeyCache(documents, ttl=60, refetch_cooldown=10, clock=lambda: now[0])
    await cache(KEY_ID)
    await cache(KEY_ID)
    assert len(documents.fetched) == 1

    rotated = generate_rsa()
    documents.documents[ACTOR] = actor(rotated)
    # A peer that rotates right after we read its key is heard at once: the first refresh fetches.
    assert (await cache(KEY_ID, refresh=True)).key.public_numbers() == rotated.public_key().public_numbers()
    assert len(documents.fetched) == 2
    # Further refreshes within the cooldown (forged requests naming this key) fetch nothing.
    documents.documents[ACTOR] = actor(key)
    now[0] = 9
    assert (await cache(KEY_ID, refresh=True)).key.public_numbers() == rotated.public_key().public_numbers()
    assert len(documents.fetched) == 2
    now[0] = 11
    assert (await cache(KEY_ID, refresh=True)).key.public_numbers() == key.public_key().public_numbers()
    assert len(documents.fetched) == 3

    now[0] = 72
    await cache(KEY_ID)
    assert len(documents.fetched) == 4


async def test_least_recently_used_keys_are_evicted(key) -> None:
    ids = [f"https://roubaix.example/users/{name}" for name in ("a", "b", "c")]
    documents = Documents({
        url: actor(key, actor_id=url, key_id=url + "#k") for url in ids
    })
    cache = KeyCache(documents, max_entries=2)
    await cache(ids[0] + "#k")
    await cache(ids[1] + "#k")
    await cache(ids[0] + "#k")  # a is now the most recently used
    await cache(ids[2] + "#k")  # evicts b
    documents.fetched.clear()
    await cache(ids[0] + "#k")
    await cache(ids[1] + "#k")
    assert documents.fetched == [ids[1]]


async def test_end_to_end_signed_fetch_then_verify(aiohttp_server, key) -> None:
    """Our node fetches a peer's actor signed by its Application key, then verifies a request with the key."""
    app_key = generate_rsa()
    app_key_id = "https://lille.example/actor#main-key"

    async def app_key_resolver(key_id: str, *, refresh: bool = False) -> PublicKeyInfo:
        return PublicKeyInfo(key_id=app_key_id, owner="https://lille.example/actor", key=app_key.public_key())

    async def actor_endpoint(request: web.Request) -> web.Response:
        await httpsig.verify_request("GET", str(request.url), request.headers, b"", app_key_resolver)
        return web.json_response(actor(key, actor_id=str(request.url)), content_type=ACTIVITY_CONTENT_TYPE)

    web_app = web.Application()
    web_app.router.add_get("/users/bob", actor_endpoint)
    server = await aiohttp_server(web_app)
    actor_url = f"http://127.0.0.1:{server.port}/users/bob"
    async with FederationClient(ClientSettings(allow_private_network=True)) as client:
        cache = KeyCache(signed_fetcher(client, Signer(app_key_id, app_key)))
        headers = httpsig.sign_request("POST", "https://lille.example/inbox", {}, b"{}",
                                       key_id=actor_url + "#main-key", private_key=key)
        signer = await httpsig.verify_request("POST", "https://lille.example/inbox", headers, b"{}", cache)
    assert signer.owner == actor_url
