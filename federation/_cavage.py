"""Draft-cavage-http-signatures-12 `Signature` headers, checked by Mastodon's strict rules.

This is what Mastodon, Pleroma, Misskey, Lemmy and most of the fediverse send. The draft
lets the sender choose what to cover, so the security is in what we require: the request
target and a Host naming this server (no replay to another URL or server), a date or
`(created)` within the clock window (no late replay), and on a body the `Digest` header
with a digest we check.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from federation._sigbase import (
    ED25519,
    RSA_V1_5_SHA256,
    Algorithm,
    Candidate,
    Message,
    authority,
    base_bytes,
    check_fresh,
    check_not_expired,
    from_timestamp,
    shown,
    signer,
)
from federation.digest import check_digest, digest_header
from federation.errors import SignatureFormatError, SignatureMismatch

RSA_SHA256 = replace(RSA_V1_5_SHA256, name="rsa-sha256")

# hs2019 means "whatever the key is" (draft §2.5): RSA keys verify as rsa-sha256 does.
_ALGORITHMS: dict[str, tuple[Algorithm, ...]] = {"rsa-sha256": (RSA_SHA256,), "hs2019": (RSA_SHA256, ED25519)}
_WIRE_NAMES = {RSA_V1_5_SHA256.name: "rsa-sha256", ED25519.name: "hs2019"}
_PSEUDO_PARAMS = {"(created)": "created", "(expires)": "expires"}
_DEFAULT_HEADERS = "date"  # Mastodon's default; draft-12 says "(created)"; either fails our coverage rules
_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^",\s]+))\s*(?:,|\Z)')
_ESCAPE = re.compile(r"\\(.)")
_INTEGER = re.compile(r"[0-9]{1,15}")
_AUTH_SCHEME = re.compile(r"Signature\s+", re.IGNORECASE)


def parse_params(text: str) -> dict[str, str]:
    """Parse `name="value", name=token, ...`; quoted values may hold commas and escaped quotes."""
    text = text.strip()
    params: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if match is None:
            raise SignatureFormatError(f"Signature parameters unreadable at character {pos}: {shown(text[pos:])}")
        name, quoted, bare = match.groups()
        if name in params:
            raise SignatureFormatError(f"Signature parameter {name!r} appears twice")
        params[name] = _ESCAPE.sub(r"\1", quoted) if quoted is not None else bare
        pos = match.end()
    return params


def signing_string(
    message: Message, headers: Sequence[str], params: Mapping[str, str], *, with_query: bool = True
) -> bytes:
    """The draft §2.3 signing string over `headers` (lower-case names, in the signer's order)."""
    return base_bytes([f"{name}: {_header_value(message, name, params, with_query)}" for name in headers])


def _header_value(message: Message, name: str, params: Mapping[str, str], with_query: bool) -> str:
    if name == "(request-target)":
        return f"{message.method.lower()} {message.request_target(with_query=with_query)}"
    if name in _PSEUDO_PARAMS:
        timestamp = params.get(_PSEUDO_PARAMS[name], "")
        if not _INTEGER.fullmatch(timestamp):
            raise SignatureFormatError(
                f"{name} is covered but the {_PSEUDO_PARAMS[name]} parameter is missing or not an integer"
            )
        return timestamp
    value = message.field(name)
    if value is None:
        raise SignatureFormatError(f"header {shown(name)} is listed in headers= but absent from the request")
    return value


def prepare(message: Message, now: datetime, max_skew: timedelta) -> Candidate:
    """Parse and check everything that needs no key; raise with the precise reason otherwise."""
    params = parse_params(_signature_header(message))
    key_id = _required(params, "keyId")
    signature = _decode_signature(_required(params, "signature"))
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in _ALGORITHMS:
        raise SignatureFormatError(f"unsupported algorithm {shown(algorithm)} (allowed: rsa-sha256, hs2019)")
    headers = params.get("headers", _DEFAULT_HEADERS).lower().split()
    _check_coverage(headers, algorithm, message)
    variants = (True, False) if message.url.query else (True,)  # Mastodon retries without the query
    bases = tuple(signing_string(message, headers, params, with_query=with_query) for with_query in variants)
    _check_host(message)
    _check_times(headers, params, message, now, max_skew)
    if "digest" in headers:
        check_digest(message.field("digest") or "", message.body or b"")
    return Candidate("cavage", key_id, signature, bases, _ALGORITHMS[algorithm])


def _signature_header(message: Message) -> str:
    value = message.field("signature")
    if value is not None:
        return value
    authorization = message.field("authorization") or ""
    scheme = _AUTH_SCHEME.match(authorization)
    if scheme is None:
        raise SignatureFormatError(
            "request is not signed: no Signature-Input, Signature or Authorization: Signature header"
        )
    return authorization[scheme.end():]


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise SignatureFormatError(f"Signature has no {name} parameter")
    return value


def _decode_signature(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise SignatureFormatError("signature parameter is not base64") from exc


def _check_coverage(headers: Sequence[str], algorithm: str, message: Message) -> None:
    covered = set(headers)
    missing = [name for name in ("(request-target)", "host") if name not in covered]
    if not covered & {"date", "(created)"}:
        missing.append("date or (created)")
    if message.has_body and "digest" not in covered:
        missing.append("digest")
    if missing:
        listed = shown(" ".join(headers))
        raise SignatureFormatError(f"signature does not cover {', '.join(missing)} (headers={listed})")
    if algorithm != "hs2019" and covered & _PSEUDO_PARAMS.keys():
        raise SignatureFormatError(
            f"(created) and (expires) may not be covered with algorithm {algorithm} (draft §2.3)"
        )


def _check_host(message: Message) -> None:
    """The signed Host must name this server: else the request was signed for another one and replayed here."""
    sent = message.field("host") or ""
    try:
        host = authority(urlsplit(f"{message.url.scheme}://{sent}"))
    except ValueError as exc:
        raise SignatureFormatError(f"Host header is not a host[:port]: {shown(sent)}") from exc
    if host != authority(message.url):
        raise SignatureMismatch(f"signed Host {shown(sent)} is not this server ({authority(message.url)})")


def _check_times(
    headers: Sequence[str], params: Mapping[str, str], message: Message, now: datetime, max_skew: timedelta
) -> None:
    if "date" in headers:
        check_fresh("Date", _http_date(message.field("date") or ""), now, max_skew)
    if "(created)" in headers:
        check_fresh("created", from_timestamp("created", int(params["created"])), now, max_skew)
    if "(expires)" in headers:
        check_not_expired(from_timestamp("expires", int(params["expires"])), now)


def _http_date(value: str) -> datetime:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError) as exc:
        raise SignatureFormatError(f"Date header is not an HTTP date: {shown(value)}") from exc
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def sign(
    method: str, url: str, headers: Mapping[str, str], body: bytes | None, *, key_id: str, private_key: PrivateKeyTypes
) -> dict[str, str]:
    """The `Digest` (on a body) and `Signature` headers for a request already carrying Host and Date."""
    added = {"Digest": digest_header(body)} if body else {}
    message = Message.build(method, url, {**headers, **added}, body)
    covered = ["(request-target)", "host", "date"]
    if body:
        covered.append("digest")
    elif message.field("accept") is not None:
        covered.append("accept")
    key = signer(private_key)
    signature = key.sign(signing_string(message, covered, {}))
    params = {
        "keyId": key_id,
        "algorithm": _WIRE_NAMES[key.algorithm.name],
        "headers": " ".join(covered),
        "signature": base64.b64encode(signature).decode("ascii"),
    }
    added["Signature"] = ",".join(f'{name}="{_quote(value)}"' for name, value in params.items())
    return added


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
