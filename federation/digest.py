"""Body digests that tie a signature to the body: `Digest` (RFC 3230, used with
draft-cavage signatures) and `Content-Digest` (RFC 9530, used with RFC 9421).

A signature covers the digest header, not the body, so a digest we do not check is
a body anyone may replace. Both checks accept SHA-256 and SHA-512, verify every
such value offered, and compare in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

from federation.errors import SignatureFormatError, SignatureMismatch
from federation.structured_fields import InnerList, Item, ParseError, parse_dictionary, serialize_dictionary

_HASHES = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


def digest_header(body: bytes) -> str:
    """The `Digest` value for `body`: `SHA-256=<base64>`."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def content_digest_header(body: bytes) -> str:
    """The `Content-Digest` value for `body`: `sha-256=:<base64>:`."""
    return serialize_dictionary({"sha-256": Item(hashlib.sha256(body).digest())})


def check_digest(value: str, body: bytes) -> None:
    """Check a `Digest` header (`ALG=<base64>, ...`, algorithm names case-insensitive) against `body`."""
    offered: dict[str, bytes] = {}
    for part in value.split(","):
        algorithm, equals, encoded = part.strip().partition("=")
        if not equals:
            raise SignatureFormatError(f"Digest header is not ALGORITHM=VALUE: {part.strip()[:40]!r}")
        try:
            offered[algorithm.lower()] = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise SignatureFormatError(f"Digest {algorithm[:20]!r} value is not base64") from exc
    _compare("Digest", offered, body)


def check_content_digest(value: str, body: bytes) -> None:
    """Check a `Content-Digest` header (an sf-dictionary of byte sequences) against `body`."""
    try:
        members = parse_dictionary(value)
    except ParseError as exc:
        raise SignatureFormatError(f"Content-Digest is not a structured dictionary: {exc}") from exc
    offered: dict[str, bytes] = {}
    for algorithm, member in members.items():
        if isinstance(member, InnerList) or not isinstance(member.value, bytes):
            raise SignatureFormatError(f"Content-Digest {algorithm!r} is not a byte sequence")
        offered[algorithm] = member.value
    _compare("Content-Digest", offered, body)


def _compare(header: str, offered: Mapping[str, bytes], body: bytes) -> None:
    usable = {algorithm: value for algorithm, value in offered.items() if algorithm in _HASHES}
    if not usable:
        names = ", ".join(sorted(offered))[:80]
        raise SignatureMismatch(f"{header} has no sha-256 or sha-512 value (offered: {names or 'nothing'})")
    for algorithm, value in usable.items():
        if not hmac.compare_digest(value, _HASHES[algorithm](body).digest()):
            raise SignatureMismatch(f"{header} {algorithm} does not match the body")
