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


def domain_of(url: str) -> str:
    """The domain key of `url` for blocks, rate limits and health: `host[:port]`, normalised like `origin`.

    The one spelling every block, rate limit and discovery compares, so `EVIL.example.`,
    `evil.example:443` and `xn--` forms cannot slip past a block on `evil.example`.
    Userinfo is refused (MalformedError): no honest actor id carries it, and it exists
    to make a URL read as another host.
    """
    parsed = _parse(url)
    if parsed.raw_user is not None or parsed.raw_password is not None:
        raise MalformedError(f"a URL with userinfo is refused: {url!r}")
    return origin(url).split("://", 1)[1]


def normalise_domain(text: str) -> str:
    """An admin's `host[:port]` (a block, a CLI argument) in `domain_of`'s spelling; MalformedError otherwise.

    Without a scheme, both web ports are defaults: `evil.example:443` and `evil.example:80`
    are `evil.example`, and a domain without a port covers all of its ports anyway.
    """
    text = text.strip()
    if not text or any(c in text for c in "/?#@\\ \t"):
        raise MalformedError(f"not a domain (host[:port]): {text!r}")
    domain = domain_of(f"https://{text}/")
    return domain.removesuffix(":80")


def covering_domains(domain: str) -> list[str]:
    """The block entries that cover `domain` (a `domain_of` value): itself, its parents, each with and without port.

    A block on `evil.example` covers `a.evil.example:8443`; a block on `evil.example:8443`
    covers only that port. IP addresses have no parents.
    """
    host, port = domain, ""
    if domain.startswith("["):
        host, _, rest = domain[1:].partition("]")
        host, port = f"[{host}]", rest
    elif ":" in domain:
        host, _, port = domain.rpartition(":")
        port = ":" + port
    labels = host.split(".")
    literal = host.startswith("[") or all(label.isdigit() for label in labels)
    hosts = [host] if literal else [".".join(labels[i:]) for i in range(len(labels))]
    return [name + suffix for name in hosts for suffix in ((port, "") if port else ("",))]
