"""Domain blocks as an admin types them: one spelling (federation.origin) for the web form and the CLI."""

from __future__ import annotations

from federation.errors import MalformedError
from federation.origin import normalise_domain
from node.errors import InvalidInput
from node.storage import domains as domains_store
from node.storage.db import Store


def parse(text: str) -> str:
    """`Evil.Example.:443` → `evil.example`; anything else than host[:port] is InvalidInput."""
    try:
        return normalise_domain(text)
    except MalformedError as exc:
        raise InvalidInput("Give a domain like example.org (host[:port]), not a URL.") from exc


def block(store: Store, text: str, reason: str) -> str:
    """Block a domain and its subdomains; returns the domain as stored."""
    domain = parse(text)
    domains_store.block(store, domain, reason)
    return domain


def unblock(store: Store, text: str) -> str:
    domain = parse(text)
    domains_store.unblock(store, domain)
    return domain
