"""HTTP signatures for ActivityPub: sign outbound requests, verify inbound ones.

Two schemes: draft-cavage-http-signatures-12 (`Signature`, what Mastodon and most of the
fediverse send) and RFC 9421 (`Signature-Input` + `Signature`, what Fedify and newer
servers send). Framework-free: both functions work on (method, url, headers, body), so
the node's inbox, its fetch client, the CLI and the tests all call the same code.

Verification answers *who signed* (a VerifiedSigner) or raises, with a one-line reason:
SignatureFormatError (400) when the signature is missing, unreadable, uses an algorithm
we refuse, or does not cover what we require; SignatureMismatch (401) when it is stale,
expired, made for another server, the body does not match its digest, or the
cryptography fails even after refetching the key once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from federation import _cavage, _rfc9421
from federation._sigbase import Candidate, Message, authority, shown, utc
from federation.errors import SignatureMismatch
from federation.types import KeyResolver, VerifiedSigner

SCHEMES = ("cavage", "rfc9421")
# Headers a signature sets; stale copies from an earlier attempt are dropped, never re-sent.
_SIGNING_HEADERS = frozenset({"host", "date", "digest", "content-digest", "signature", "signature-input"})


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    key_id: str,
    private_key: PrivateKeyTypes,
    scheme: str = "cavage",
    now: datetime | None = None,
) -> dict[str, str]:
    """The full header dict to send: `headers` plus Host, a fresh Date, the body digest and the signature.

    Call it at send time on every attempt, so Date and `created` are fresh. A body (non-empty
    bytes) gets a digest that the signature covers; None and b"" both mean no body. RSA keys sign
    with PKCS#1 v1.5 SHA-256 (`rsa-sha256` / `rsa-v1_5-sha256`), Ed25519 keys with Ed25519
    (`hs2019` / `ed25519`): what every peer verifies.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown signature scheme {scheme!r}; use one of {', '.join(SCHEMES)}")
    when = utc(now)
    out = {name: value for name, value in headers.items() if name.lower() not in _SIGNING_HEADERS}
    out["Host"] = authority(urlsplit(url))
    out["Date"] = format_datetime(when, usegmt=True)
    if scheme == "cavage":
        out.update(_cavage.sign(method, url, out, body, key_id=key_id, private_key=private_key))
    else:
        out.update(_rfc9421.sign(method, url, out, body, key_id=key_id, private_key=private_key, now=when))
    return out


async def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    resolve_key: KeyResolver,
    *,
    now: datetime | None = None,
    max_skew: timedelta = timedelta(hours=1),
) -> VerifiedSigner:
    """Who signed this request, by RFC 9421 if `Signature-Input` is present, else by draft-cavage.

    `url` is this server's public URL for the request: its configured base with the raw
    path and query as sent. Signatures cover it (`@target-uri`, or the signed Host), so a
    request signed for another server fails here. `headers` may be any mapping,
    case-insensitive or not (aiohttp's CIMultiDictProxy keeps repeated lines).

    Every check that needs no key runs before `resolve_key` is called, so malformed or
    stale requests cost no fetch. The resolver owns the key → owner check; the signer's
    key_id and owner are the ones it returns.
    """
    message = Message.build(method, url, headers, body)
    scheme = _rfc9421 if "signature-input" in message.fields else _cavage
    candidate = scheme.prepare(message, utc(now), max_skew)
    return await _verify_with_key(candidate, resolve_key)


async def _verify_with_key(candidate: Candidate, resolve_key: KeyResolver) -> VerifiedSigner:
    """Try the known key, then once a refetched one: the signer may have rotated its key. Never more."""
    info = await resolve_key(candidate.key_id)
    algorithm = candidate.verifying_algorithm(info.key)
    if algorithm is None:
        info = await resolve_key(candidate.key_id, refresh=True)
        algorithm = candidate.verifying_algorithm(info.key)
    if algorithm is None:
        raise SignatureMismatch(
            f"{candidate.scheme} signature does not verify with key {shown(candidate.key_id, 200)} "
            f"({type(info.key).__name__}), even after refetching it"
        )
    return VerifiedSigner(key_id=info.key_id, owner=info.owner, algorithm=algorithm.name, scheme=candidate.scheme)
