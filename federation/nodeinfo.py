"""NodeInfo 2.1 discovery documents (server side, pure builders).

`/.well-known/nodeinfo` also carries the FEP-2677 link to the node's Application
actor, so a peer can find the actor that signs the node's own fetches.
"""

from __future__ import annotations

import re

NODEINFO_21_REL = "http://nodeinfo.diaspora.software/ns/schema/2.1"
NODEINFO_21_CONTENT_TYPE = 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
APPLICATION_ACTOR_REL = "https://www.w3.org/ns/activitystreams#Application"  # FEP-2677
_SOFTWARE_NAME = re.compile(r"[a-z0-9-]+")


def nodeinfo_links(base_url: str) -> dict:
    """The `/.well-known/nodeinfo` JSON: where NodeInfo 2.1 and the Application actor live."""
    base = base_url.rstrip("/")
    return {
        "links": [
            {"rel": NODEINFO_21_REL, "href": f"{base}/nodeinfo/2.1"},
            {"rel": APPLICATION_ACTOR_REL, "href": f"{base}/actor"},
        ]
    }


def nodeinfo_document(
    software_name: str,
    version: str,
    users_total: int,
    users_active_month: int,
    users_active_halfyear: int,
    local_posts: int,
    open_registrations: bool,
    metadata: dict,
) -> dict:
    """A NodeInfo 2.1 document; the schema restricts `software.name` to `[a-z0-9-]+`."""
    if not _SOFTWARE_NAME.fullmatch(software_name):
        raise ValueError(f"NodeInfo software name must match [a-z0-9-]+, not {software_name!r}")
    return {
        "version": "2.1",
        "software": {"name": software_name, "version": version},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": open_registrations,
        "usage": {
            "users": {"total": users_total, "activeMonth": users_active_month, "activeHalfyear": users_active_halfyear},
            "localPosts": local_posts,
        },
        "metadata": metadata,
    }
