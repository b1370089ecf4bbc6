"""The one outbound HTTP client of a node: signed fetches and deliveries, with limits.

Every URL a peer hands us (actor ids, inboxes, keyIds, redirects) is fetched here,
so this is where server-side request forgery is stopped. Host names are checked
after resolution, inside the connector's resolver, so the address we check is the
address we connect to (no window for DNS rebinding); literal-IP URLs, which aiohttp
connects to without resolving, are checked before each request; redirects are
followed by hand so every hop goes through both checks again. Each request also
has timeouts, an overall deadline, a body cap and a redirect cap, and fetched
objects must carry the id of the URL they came from.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from yarl import URL

from federation import httpsig
from federation.errors import (FetchError, GoneError, MalformedError, NotFoundError, TooLargeError, UnreachableError,
                               UnsafeAddressError)

ACTIVITY_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
AS2_PROFILE = "https://www.w3.org/ns/activitystreams"
ACTIVITY_CONTENT_TYPE = "application/activity+json"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_ERROR_SNIPPET = 200

T = TypeVar("T")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# IPv6 prefix that embeds an IPv4 address (RFC 6052 NAT64); ipaddress has no property for it.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class ClientSettings:
    """Limits and trust settings; `allow_private_network` is for tests and closed demos only."""

    allow_private_network: bool = False
    connect_timeout: float = 5
    read_timeout: float = 10
    total_timeout: float = 20
    max_body_bytes: int = 1_000_000
    max_redirects: int = 3
    user_agent: str = "Coffee/0.1 (+https://coffee.coop)"
    ca_file: Path | None = None
    host_overrides: dict[str, str] | None = None
    max_connections_per_host: int = 8


@dataclass(frozen=True)
class Signer:
    """Who signs outgoing requests: the key is used at send time, on every attempt."""

    key_id: str
    private_key: PrivateKeyTypes


@dataclass(frozen=True)
class DeliveryResult:
    """Outcome of one POST to an inbox; status 0 means no HTTP answer (network error, timeout)."""

    status: int
    retry_after: float | None = None
    error: str | None = None


def is_public_address(address: str | IPAddress) -> bool:
    """True for globally routable unicast addresses, also checking IPv4 addresses embedded in IPv6.

    `is_global` already excludes private, loopback, link-local, reserved, unspecified and
    CGNAT (100.64/10) space; multicast counts as global for ipaddress, so it is refused here.
    """
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour]
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.is_site_local or any(v4 is not None and not is_public_address(v4) for v4 in embedded):
            return False
    return ip.is_global and not ip.is_multicast


def _check_address(host: str, address: str) -> None:
    if not is_public_address(address):
        raise UnsafeAddressError(f"refusing {host}: {address} is not a public address")


class GuardedResolver(AbstractResolver):
    """Resolves through the system resolver (or `overrides`), refusing non-public answers.

    A name with any non-public address is refused outright: a public site has no reason
    to publish one, and picking the "good" answer would leave the choice to the attacker.
    """

    def __init__(self, overrides: Mapping[str, str], allow_private_network: bool) -> None:
        self._overrides = {name.lower().rstrip("."): ip for name, ip in overrides.items()}
        self._allow_private_network = allow_private_network
        self._system = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        override = self._overrides.get(host.lower().rstrip("."))
        if override is None:
            results = await self._system.resolve(host, port, family)
        else:
            results = [_numeric_result(host, override, port)]
        if not self._allow_private_network:
            for result in results:
                _check_address(host, result["host"])
        return results

    async def close(self) -> None:
        await self._system.close()


def _numeric_result(host: str, address: str, port: int) -> ResolveResult:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    return {
        "hostname": host, "host": address, "port": port, "family": family, "proto": 0, "flags": socket.AI_NUMERICHOST,
    }


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class FederationClient:
    """The node's one outbound client: `async with FederationClient(settings) as client:`.

    Fetches (GET) and deliveries (POST) go through separate connection pools. A peer
    verifying one of our deliveries may fetch a key from us, and we may have to fetch
    its key to answer that fetch: with one shared per-host pool, our queued deliveries
    to that peer would hold every connection while they wait, and neither side could
    finish until the timeouts (a distributed deadlock, seen with 20 concurrent Joins).
    """

    def __init__(self, settings: ClientSettings | None = None) -> None:
        self.settings = settings or ClientSettings()
        self._fetches: aiohttp.ClientSession | None = None
        self._deliveries: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the sessions (from a running loop, e.g. the app's cleanup_ctx); `close()` ends them."""
        ssl_context = ssl.create_default_context()
        if self.settings.ca_file is not None:
            ssl_context.load_verify_locations(cafile=str(self.settings.ca_file))
        self._fetches = self._new_session(ssl_context)
        self._deliveries = self._new_session(ssl_context)

    def _new_session(self, ssl_context: ssl.SSLContext) -> aiohttp.ClientSession:
        settings = self.settings
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(settings.host_overrides or {}, settings.allow_private_network),
            ssl=ssl_context,
            limit_per_host=settings.max_connections_per_host,
        )
        return aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": settings.user_agent},
            timeout=aiohttp.ClientTimeout(
                total=None,  # the overall deadline is ours, across redirects and the body read
                connect=settings.connect_timeout,
                sock_connect=settings.connect_timeout,
                sock_read=settings.read_timeout,
            ),
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )

    async def close(self) -> None:
        for session in (self._fetches, self._deliveries):
            if session is not None:
                await session.close()
        self._fetches = self._deliveries = None

    async def __aenter__(self) -> FederationClient:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def get_object(self, url: str, *, signer: Signer | None) -> dict:
        """Fetch an ActivityPub object whose `id` is exactly the URL it was served from.

        The id is compared with `url`, or with the last redirect target: a server may
        move an object, but it cannot make us store a document under another id.
        """
        final_url, document = await self._get(url, ACTIVITY_ACCEPT, self._json_reader(url, is_activity_media_type), signer)
        if document.get("id") != final_url:
            raise FetchError(f"{url}: document id {document.get('id')!r} is not {final_url!r}")
        return document

    async def get_json(self, url: str, accept: str = "application/json") -> dict:
        """Unsigned GET of a JSON object (WebFinger, NodeInfo), with the same limits and guards."""
        return (await self._get(url, accept, self._json_reader(url, _is_json_media_type), None))[1]

    async def post_activity(self, inbox_url: str, body: bytes, *, signer: Signer) -> DeliveryResult:
        """Deliver `body` to an inbox, signed now. HTTP answers and network failures are returned, not raised.

        The delivery worker decides what to retry: status 0 (no answer) and 5xx/429 usually,
        with `retry_after` when the inbox sent one. Redirects are not followed (the signature
        names the target) and come back as their 3xx status. UnsafeAddressError and FetchError
        for an unusable URL are raised: retrying cannot fix them.
        """
        headers = {"Content-Type": ACTIVITY_CONTENT_TYPE, "Accept": ACTIVITY_ACCEPT}
        try:
            async with asyncio.timeout(self.settings.total_timeout):
                async with self._request("POST", _parse_url(inbox_url), headers, body, signer) as response:
                    snippet = (await response.content.read(_ERROR_SNIPPET)).decode("utf-8", "replace").strip()
                    return DeliveryResult(
                        status=response.status,
                        retry_after=parse_retry_after(response.headers.get("Retry-After")),
                        error=None if 200 <= response.status < 300 else _status_error(response, snippet),
                    )
        except (aiohttp.ClientError, TimeoutError) as exc:
            return DeliveryResult(status=0, error=_describe(exc))

    async def get_media(self, url: str, *, max_bytes: int) -> bytes:
        """Unsigned GET of a picture (another server's logo or photo): an image/* answer of at most
        `max_bytes`, with the same deadline, redirect cap and private-address guard as every fetch."""
        async def read(response: aiohttp.ClientResponse) -> bytes:
            _check_status(response, url)
            if not response.headers.get("Content-Type", "").lower().startswith("image/"):
                raise FetchError(f"{url}: unexpected content type {response.content_type!r}")
            if response.content_length is not None and response.content_length > max_bytes:
                raise TooLargeError(f"{url}: body of {response.content_length} bytes exceeds {max_bytes}")
            return await read_capped(response.content, max_bytes, f"{url}: body")

        return (await self._get(url, "image/*", read, None))[1]

    async def _get(
        self, url: str, accept: str, read: Callable[[aiohttp.ClientResponse], Awaitable[T]], signer: Signer | None
    ) -> tuple[str, T]:
        """GET `url`, following redirects by hand; returns (final URL, what `read` made of the answer)."""
        current_text, current = url, _parse_url(url)
        try:
            async with asyncio.timeout(self.settings.total_timeout):
                for _ in range(self.settings.max_redirects + 1):
                    async with self._request("GET", current, {"Accept": accept}, b"", signer) as response:
                        location = response.headers.get("Location")
                        if response.status in REDIRECT_STATUSES and location:
                            target = current.join(_parse_url(location))
                            self._check_redirect(current, target)
                            current_text, current = str(target), target
                            continue
                        return current_text, await read(response)
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            raise UnreachableError(f"{url}: {_describe(exc)}") from exc
        except aiohttp.ClientError as exc:
            raise FetchError(f"{url}: {_describe(exc)}") from exc
        raise FetchError(f"{url}: more than {self.settings.max_redirects} redirects")

    @asynccontextmanager
    async def _request(
        self, method: str, url: URL, headers: dict[str, str], body: bytes, signer: Signer | None
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        session = self._deliveries if method == "POST" else self._fetches
        if session is None:
            raise RuntimeError("FederationClient.start() was not awaited")
        self._check_url(url)
        if signer is not None:
            headers = httpsig.sign_request(
                method, str(url), headers, body, key_id=signer.key_id, private_key=signer.private_key
            )
        async with session.request(
            method, url, headers=headers, data=body or None, allow_redirects=False
        ) as response:
            yield response

    def _check_url(self, url: URL) -> None:
        """Scheme and literal-IP checks; host names are checked by the resolver at connect time."""
        if url.scheme not in ("http", "https") or not url.raw_host:
            raise FetchError(f"{url}: not an http(s) URL")
        if self.settings.allow_private_network:
            return
        try:
            ipaddress.ip_address(url.raw_host)
        except ValueError:
            return  # a name: resolved and checked by GuardedResolver
        _check_address(url.raw_host, url.raw_host)

    def _check_redirect(self, current: URL, target: URL) -> None:
        if current.scheme == "https" and target.scheme == "http" and not self.settings.allow_private_network:
            raise FetchError(f"{current}: refusing redirect from https to {target}")

    def _json_reader(self, url: str, media_type_ok: Callable[[str], bool]) -> Callable[[aiohttp.ClientResponse], Awaitable[dict]]:
        return lambda response: self._read_json(response, url, media_type_ok)

    async def _read_json(
        self, response: aiohttp.ClientResponse, url: str, media_type_ok: Callable[[str], bool]
    ) -> dict:
        _check_status(response, url)
        if not media_type_ok(response.headers.get("Content-Type", "")):
            raise FetchError(f"{url}: unexpected content type {response.content_type!r}")
        body = await self._read_capped(response, url)
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise MalformedError(f"{url}: invalid JSON") from exc
        if not isinstance(document, dict):
            raise MalformedError(f"{url}: expected a JSON object")
        return document

    async def _read_capped(self, response: aiohttp.ClientResponse, url: str) -> bytes:
        limit = self.settings.max_body_bytes
        if response.content_length is not None and response.content_length > limit:
            raise TooLargeError(f"{url}: body of {response.content_length} bytes exceeds {limit}")
        return await read_capped(response.content, limit, f"{url}: body")


def _check_status(response: aiohttp.ClientResponse, url: str) -> None:
    if response.status == 410:
        raise GoneError(f"{url}: gone (410)")
    if response.status == 404:
        raise NotFoundError(f"{url}: HTTP 404")
    if not 200 <= response.status < 300:
        raise FetchError(f"{url}: HTTP {response.status}")


async def read_capped(content: aiohttp.StreamReader, limit: int, what: str = "body") -> bytes:
    """All of `content` to its end, or TooLargeError once past `limit` bytes (shared with the inbox).

    One `read(n)` is not enough: it returns what has arrived so far, so a body sent in
    two TCP writes would come back cut in half.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise TooLargeError(f"{what} exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_url(url: str) -> URL:
    try:
        return URL(url)
    except (TypeError, ValueError) as exc:
        raise FetchError(f"not a usable URL: {url!r}") from exc


def is_activity_media_type(header: str) -> bool:
    """True for the two media types ActivityPub defines for objects, and for nothing else.

    `application/activity+json`, or `application/ld+json` whose `profile` names AS2.
    Plain `application/json` is refused: servers that let users upload files serve them
    so, and a JSON file on a peer's origin must not pass for one of its actors or keys.
    """
    message = Message()
    message["Content-Type"] = header
    media_type = message.get_content_type()
    if media_type == "application/activity+json":
        return True
    profile = message.get_param("profile", header="Content-Type")
    return media_type == "application/ld+json" and isinstance(profile, str) and AS2_PROFILE in profile.split()


def _is_json_media_type(header: str) -> bool:
    """Any JSON type: application/json or application/*+json (JRD, NodeInfo)."""
    media_type = header.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def _status_error(response: aiohttp.ClientResponse, snippet: str) -> str:
    location = response.headers.get("Location")
    if response.status in REDIRECT_STATUSES and location:
        return f"HTTP {response.status}: redirect to {location} not followed"
    return f"HTTP {response.status}" + (f": {snippet}" if snippet else "")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"
