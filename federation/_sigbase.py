"""What both HTTP signature schemes share: the request as a signature sees it, the
algorithms, the clock checks, and the verified-or-not step that needs the key.

The request is reduced once to (METHOD, split URL, lower-cased header lines, body), so
both schemes read headers the same way whatever mapping the caller passed: aiohttp's
CIMultiDictProxy keeps repeated lines, a plain dict may use any case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import SplitResult, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

from federation.errors import SignatureFormatError, SignatureMismatch

_DEFAULT_PORTS = {"http": 80, "https": 443}


def shown(value: str, limit: int = 60) -> str:
    """Quote sender-supplied text for a one-line log message: escaped by repr, and cut short."""
    return repr(value[:limit]) + ("…" if len(value) > limit else "")


def authority(url: SplitResult) -> str:
    """`host[:port]` as RFC 9421 §2.2.3 normalises it: lowercase host, default port left out."""
    host = url.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = url.port
    if port is None or port == _DEFAULT_PORTS.get(url.scheme.lower()):
        return host
    return f"{host}:{port}"


@dataclass(frozen=True)
class Message:
    """A request reduced to what signatures cover."""

    method: str
    target_uri: str
    url: SplitResult
    fields: Mapping[str, tuple[str, ...]]
    body: bytes | None

    @classmethod
    def build(cls, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> Message:
        target_uri = url.partition("#")[0]
        parts = urlsplit(target_uri)
        if not parts.scheme or not parts.netloc:
            raise ValueError(f"signatures need an absolute URL, got {url!r}")
        fields: dict[str, list[str]] = {}
        for name, value in headers.items():
            fields.setdefault(name.lower(), []).append(value)
        return cls(method.upper(), target_uri, parts, {name: tuple(lines) for name, lines in fields.items()}, body)

    def field(self, name: str) -> str | None:
        """A header as both schemes sign it: each line trimmed, repeated lines joined by ", "."""
        lines = self.fields.get(name)
        return None if lines is None else ", ".join(line.strip() for line in lines)

    @property
    def has_body(self) -> bool:
        return bool(self.body)

    @property
    def path(self) -> str:
        return self.url.path or "/"

    def request_target(self, *, with_query: bool = True) -> str:
        """Path and query as sent (origin form); `with_query=False` gives the path alone."""
        query = self.url.query
        return f"{self.path}?{query}" if query and with_query else self.path


def base_bytes(lines: list[str]) -> bytes:
    """Join signature-base lines; surrogateescape gives back the exact bytes aiohttp decoded."""
    return "\n".join(lines).encode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class Algorithm:
    """A signature algorithm we accept, under the name its scheme uses on the wire."""

    name: str
    key_type: type
    check: Callable[[Any, bytes, bytes], None]  # (public key, signature, data); raises InvalidSignature

    def verifies(self, key: PublicKeyTypes, signature: bytes, data: bytes) -> bool:
        if not isinstance(key, self.key_type):
            return False
        try:
            self.check(key, signature, data)
        except InvalidSignature:
            return False
        return True


def _check_rsa_v1_5_sha256(key: rsa.RSAPublicKey, signature: bytes, data: bytes) -> None:
    key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


def _check_rsa_pss_sha512(key: rsa.RSAPublicKey, signature: bytes, data: bytes) -> None:
    key.verify(signature, data, padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64), hashes.SHA512())


def _check_ed25519(key: ed25519.Ed25519PublicKey, signature: bytes, data: bytes) -> None:
    key.verify(signature, data)


RSA_V1_5_SHA256 = Algorithm("rsa-v1_5-sha256", rsa.RSAPublicKey, _check_rsa_v1_5_sha256)
RSA_PSS_SHA512 = Algorithm("rsa-pss-sha512", rsa.RSAPublicKey, _check_rsa_pss_sha512)
ED25519 = Algorithm("ed25519", ed25519.Ed25519PublicKey, _check_ed25519)


@dataclass(frozen=True)
class Signer:
    """How we sign with a private key: one algorithm per key type, the one every peer verifies."""

    algorithm: Algorithm
    sign: Callable[[bytes], bytes]


def signer(private_key: PrivateKeyTypes) -> Signer:
    if isinstance(private_key, rsa.RSAPrivateKey):
        return Signer(RSA_V1_5_SHA256, lambda data: private_key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return Signer(ED25519, private_key.sign)
    raise ValueError(f"cannot sign HTTP requests with a {type(private_key).__name__}; use RSA or Ed25519")


@dataclass(frozen=True)
class Candidate:
    """A signature that passed every check not needing the key; only the cryptography is left."""

    scheme: str
    key_id: str
    signature: bytes
    bases: tuple[bytes, ...]  # signed bytes to try, the exact reading first
    algorithms: tuple[Algorithm, ...]  # acceptable ones; the key's type picks among them

    def verifying_algorithm(self, key: PublicKeyTypes) -> Algorithm | None:
        for algorithm in self.algorithms:
            if any(algorithm.verifies(key, self.signature, base) for base in self.bases):
                return algorithm
        return None


def utc(now: datetime | None) -> datetime:
    """`now` as an aware UTC datetime (a naive one is taken as UTC); the current time if None."""
    if now is None:
        return datetime.now(timezone.utc)
    return now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)


def from_timestamp(what: str, value: int) -> datetime:
    try:
        return datetime.fromtimestamp(value, timezone.utc)
    except (OverflowError, OSError, ValueError) as exc:
        raise SignatureFormatError(f"{what} {value} is not a usable Unix time") from exc


def check_fresh(what: str, moment: datetime, now: datetime, max_skew: timedelta) -> None:
    """Reject a signing time further than `max_skew` from now, in either direction (replays, clock abuse)."""
    if abs(now - moment) > max_skew:
        raise SignatureMismatch(f"{what} {_iso(moment)} is more than {max_skew} away from now ({_iso(now)})")


def check_not_expired(expires: datetime, now: datetime) -> None:
    if expires < now:
        raise SignatureMismatch(f"signature expired at {_iso(expires)} (now {_iso(now)})")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
