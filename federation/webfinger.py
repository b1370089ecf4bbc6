"""WebFinger (RFC 7033) and host-meta: answering for our actors, resolving handles of others.

Resolving a handle only says where the actor claims to be; the caller must still
fetch that URL with `FederationClient.get_object`, whose exact-id check makes the
answer trustworthy.

Scheme rule for handles: WebFinger is always asked over https, except when the
client allows private networks (tests, local demos) and the host is an IP literal
or `localhost` (with or without a port): nodes started on `http://127.0.0.1:PORT`
have no TLS, and a name like `lille.test` still gets https so TLS is exercised.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

from yarl import URL

from federation.client import ACTIVITY_CONTENT_TYPE, FederationClient
from federation.errors import MalformedError, NotAHandleError, NotFoundError
from federation.origin import origin

PROFILE_PAGE_REL = "http://webfinger.net/rel/profile-page"
SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"  # Mastodon's remote-interaction template
JRD_CONTENT_TYPE = "application/jrd+json"
_USERNAME = re.compile(r"[A-Za-z0-9_.-]+")
_ACTIVITY_LINK_TYPES = (ACTIVITY_CONTENT_TYPE, 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"')


def webfinger_response(subject: str, actor_url: str, profile_url: str, subscribe_template: str | None = None) -> dict:
    """The JRD for one of our actors: `self` points at the ActivityPub actor, profile-page at HTML,
    and the subscribe template at the page where this actor's owner confirms a follow."""
    links = [
        {"rel": "self", "type": ACTIVITY_CONTENT_TYPE, "href": actor_url},
        {"rel": PROFILE_PAGE_REL, "type": "text/html", "href": profile_url},
    ]
    if subscribe_template:
        links.append({"rel": SUBSCRIBE_REL, "template": subscribe_template})
    return {"subject": subject, "aliases": list(dict.fromkeys([actor_url, profile_url])), "links": links}


def parse_resource(resource: str, local_domain: str, root_name: str | None = None) -> str | None:
    """The local username a WebFinger `resource` names, or None if it is not one of ours.

    Accepts `acct:user@domain`, `user@domain` and actor URLs `{base}/@user`;
    `local_domain` is the host as it appears in handles, with its port if any.
    `root_name` is the account the site's own URL (`{base}/`) stands for, if any:
    an actor id is a valid resource, and some sites' actor is their home page.
    """
    domain = local_domain.lower().rstrip(".")
    if resource.startswith(("https://", "http://")):
        try:
            authority = origin(resource).split("://", 1)[1]
            url = URL(resource)
        except (MalformedError, ValueError):
            return None
        if authority != domain or url.query_string or url.fragment:
            return None
        if url.path in ("", "/"):
            return root_name
        username = url.path[2:] if url.path.startswith("/@") else ""
        return username if _USERNAME.fullmatch(username) else None
    user, _, host = resource.removeprefix("acct:").rpartition("@")
    return user if host.lower().rstrip(".") == domain and _USERNAME.fullmatch(user) else None


def select_links(jrd: dict, rels: list[str]) -> dict:
    """RFC 7033 §4.3: with `rel` parameters, only the links of those relation types (the rest stays)."""
    if not rels:
        return jrd
    return jrd | {"links": [link for link in jrd["links"] if link.get("rel") in rels]}


def host_meta_xml(base_url: str) -> str:
    """`/.well-known/host-meta`: the XRD pointing older software at our WebFinger endpoint."""
    template = quoteattr(f"{base_url.rstrip('/')}/.well-known/webfinger?resource={{uri}}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template={template}/>\n'
        "</XRD>\n"
    )


def split_handle(handle: str) -> tuple[str, str]:
    """(user, host) from `acct:user@host`, `user@host` or `@user@host`; host lowercased, IDNA, port kept."""
    user, _, host = handle.strip().removeprefix("acct:").removeprefix("@").partition("@")
    try:
        parsed = URL(f"https://{host}/")
    except ValueError:
        parsed = None
    if (
        not _USERNAME.fullmatch(user)
        or parsed is None
        or not parsed.raw_host
        or parsed.user is not None
        or f"https://{parsed.raw_authority}/" != str(parsed)
    ):
        raise NotAHandleError(f"not a handle: {handle!r}")
    return user, parsed.raw_authority


def webfinger_url(user: str, host: str, allow_private_network: bool) -> str:
    """Where to ask about `user@host`, following the module's scheme rule."""
    scheme = "http" if allow_private_network and _is_local_host(host) else "https"
    resource = quote(f"acct:{user}@{host}", safe=":@")
    return f"{scheme}://{host}/.well-known/webfinger?resource={resource}"


async def _links(client: FederationClient, handle: str) -> tuple[str, list]:
    user, host = split_handle(handle)
    url = webfinger_url(user, host, client.settings.allow_private_network)
    jrd = await client.get_json(url, accept=f"{JRD_CONTENT_TYPE}, application/json")
    links = jrd.get("links") if isinstance(jrd, dict) else None
    return url, links if isinstance(links, list) else []


async def subscribe_template(client: FederationClient, handle: str) -> str:
    """Where the owner of `handle` confirms following someone: the http(s) template of their home
    server's subscribe link, with its `{uri}` placeholder still in."""
    url, links = await _links(client, handle)
    for link in links:
        template = link.get("template") if isinstance(link, dict) and link.get("rel") == SUBSCRIBE_REL else None
        if isinstance(template, str) and template.startswith(("https://", "http://")) and "{uri}" in template:
            return template
    raise FetchError(f"{url}: no subscribe template for {handle}")


async def resolve_handle(client: FederationClient, handle: str) -> str:
    """The actor URL a handle's WebFinger answer points to (its `self` ActivityPub link)."""
    user, host = split_handle(handle)
    url, links = await _links(client, handle)
    for link in links:
        if isinstance(link, dict) and link.get("rel") == "self" and link.get("type") in _ACTIVITY_LINK_TYPES:
            href = link.get("href")
            if isinstance(href, str) and href.startswith(("https://", "http://")):
                return href
    raise NotFoundError(f"{url}: no ActivityPub actor for {user}@{host}")


def _is_local_host(host: str) -> bool:
    name = URL(f"https://{host}/").raw_host or ""
    if name == "localhost":
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
