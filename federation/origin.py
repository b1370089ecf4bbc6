"""Origins of URLs: who may speak for which object.

A verified sender may only create or change objects on its own origin, so the
comparison must not be fooled by spelling: URLs are parsed with yarl (the parser
the client fetches with, so we judge the host we would actually contact), hosts
are lowercased and IDNA-encoded, a trailing dot is dropped (`example.` and
`example` are the same DNS name) and default ports are removed. Userinfo is never
part of the origin: `https://good.example@evil.example/` is on `evil.example`.
"""

from __future__ import annotations

from yarl import URL

from federation.errors import MalformedError, OriginError

DEFAULT_PORTS = {"http": 80, "https": 443}


def _host(parsed: URL) -> str:
    return (parsed.raw_host or "").rstrip(".")


def _parse(url: str) -> URL:
    try:
        parsed = URL(url)
    except (TypeError, ValueError) as exc:
        raise MalformedError(f"not a URL: {url!r}") from exc
    if parsed.scheme not in DEFAULT_PORTS or not _host(parsed):
        raise MalformedError(f"not an http(s) URL with a host: {url!r}")
    return parsed


def host_of(url: str) -> str:
    """The host of `url`: lowercase, IDNA-encoded, no trailing dot, IPv6 without brackets."""
    return _host(_parse(url))


def origin(url: str) -> str:
    """`scheme://host[:port]` of `url`, the port only when it is not the scheme's default."""
    parsed = _parse(url)
    host = _host(parsed)
    netloc = f"[{host}]" if ":" in host else host
    port = "" if parsed.port == DEFAULT_PORTS[parsed.scheme] else f":{parsed.port}"
    return f"{parsed.scheme}://{netloc}{port}"


def same_origin(a: str, b: str) -> bool:
    """True when both are http(s) URLs on the same origin; a malformed URL matches nothing."""
    try:
        return origin(a) == origin(b)
    except MalformedError:
        return False


def require_same_origin(a: str, b: str, what: str) -> None:
    """Raise OriginError unless `b` is on `a`'s origin; `what` names `b` in the message."""
    if not same_origin(a, b):
        raise OriginError(f"{what} {b!r} is not on the origin of {a!r}")
