"""ActivityPub documents of our actors: the space, its opted-in members, the node.

Rich terms (schema.org `knowsAbout`/`seeks` with ESCO URIs, `knowsLanguage`) are
for Coffee peers; profile fields (`PropertyValue`) and hashtags repeat them so
Mastodon and other plain fediverse software show something meaningful.
"""

from __future__ import annotations

import html
import re
from typing import Any, Callable

from federation.documents import omit_empty
from federation.jsonld import COFFEE_CONTEXT
from node.config import Config
from node.i18n import pick
from node.services import local_actors

Labeller = Callable[[str], str]  # ESCO URI -> label in the document's main language


def _endpoints(config: Config, actor_id: str) -> dict[str, Any]:
    base = local_actors.collection_base(config, actor_id)
    return {
        "inbox": f"{base}/inbox",
        "outbox": f"{base}/outbox",
        "followers": f"{base}/followers",
        "following": f"{base}/following",
        "endpoints": {"sharedInbox": f"{config.url}/inbox"},
    }


def _public_key(actor_id: str, pem: str) -> dict[str, str]:
    return {"id": actor_id + local_actors.KEY_FRAGMENT, "owner": actor_id, "publicKeyPem": pem}


def paragraphs(text: str) -> str:
    """Plain text as escaped HTML paragraphs (what Mastodon renders in a summary)."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in parts)


def language_map(mapping: dict[str, str], render: Callable[[str], str] = paragraphs) -> dict[str, str]:
    return {lang: render(text) for lang, text in mapping.items() if text}


def _field(name: str, value_html: str) -> dict[str, str]:
    return {"type": "PropertyValue", "name": name, "value": value_html}


def hashtag(text: str) -> str:
    """'web design' -> 'WebDesign': a Mastodon-compatible tag name (letters, digits, _)."""
    words = re.findall(r"\w+", text)
    return "".join(w[:1].upper() + w[1:] for w in words)[:64]


def _image(base_url: str, picture: dict[str, Any], main_lang: str) -> dict[str, Any]:
    return {"type": "Image", "mediaType": "image/webp", "url": f"{base_url}/media/{picture['file']}",
            "name": pick(picture["alt_map"], main_lang), "nameMap": picture["alt_map"]}


def space_document(config: Config, space: dict[str, Any], public_key_pem: str, *, main_lang: str,
                   published: str, pictures: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The space actor; its logo is the `icon`, its first photo the `image`, every photo an Image
    attachment whose `name` is the alt text (how Mastodon and Mobilizon read them)."""
    logos = [_image(config.url, p, main_lang) for p in pictures or [] if p["role"] == "logo"]
    photos = [_image(config.url, p, main_lang) for p in pictures or [] if p["role"] == "photo"]
    actor_id = local_actors.space_id(config)
    description = space["description_map"]
    doc: dict[str, Any] = {
        "@context": COFFEE_CONTEXT,
        "id": actor_id,
        "type": "Organization",
        "preferredUsername": space["slug"],
        "name": space["name"],
        "summary": paragraphs(pick(description, main_lang)),
        "summaryMap": language_map(description),
        "url": f"{config.url}/",
        **_endpoints(config, actor_id),
        "members": f"{config.url}/space/members",
        "indicators": f"{config.url}/space/indicators",  # the space's published figures (schemas/indicators.md)
        "publicKey": _public_key(actor_id, public_key_pem),
        "manuallyApprovesFollowers": config.manual_approval,
        "discoverable": True,
        "indexable": True,
        "published": published.replace("+00:00", "Z"),
        "updated": space["updated_at"].replace("+00:00", "Z"),  # receivers keep the newest version
        "country": space["country"],
        "spaceKind": space["kind"],
        "welcomesNetwork": bool(space["welcomes_network"]),
        "address": {
            "type": "PostalAddress",
            "streetAddress": space["street"],
            "postalCode": space["postal_code"],
            "addressLocality": space["city"],
            "addressRegion": space["region"],
            "addressCountry": space["country"],
        },
        "attachment": [
            field for field in (
                _field("City", html.escape(f"{space['city']}, {space['country']}")),
                _field("Website", _link(space["website"])) if space["website"] else None,
                _field("Kind", html.escape(space["kind"])),
            ) if field
        ] + photos,
        "icon": logos[0] if logos else None,
        "image": photos[0] if photos else None,
    }
    if space["latitude"] is not None and space["longitude"] is not None:
        doc["location"] = {"type": "Place", "name": space["name"], "latitude": space["latitude"],
                           "longitude": space["longitude"]}
    return omit_empty(doc)


def _link(url: str) -> str:
    shown = html.escape(re.sub(r"^https?://", "", url).rstrip("/"))
    return f'<a href="{html.escape(url)}" rel="me nofollow noopener" target="_blank">{shown}</a>'


def member_document(config: Config, member: dict[str, Any], public_key_pem: str, *,
                    label: Labeller, main_lang: str, avatar_type: str = "image/webp") -> dict[str, Any]:
    username = member["username"]
    actor_id = local_actors.member_id(config, username)
    bio = member["bio_map"]
    offered = [label(uri) for uri in member["skills_offered"]]
    sought = [label(uri) for uri in member["skills_sought"]]
    fields = [
        _field("Space", f'<a href="{config.url}/">{html.escape(config.name)}</a>'),
        _field("Skills", html.escape(", ".join(offered + member["tags"]))) if offered or member["tags"] else None,
        _field("Looking for", html.escape(", ".join(sought))) if sought else None,
        _field("Languages", html.escape(", ".join(member["languages"]))) if member["languages"] else None,
        _field("Open to", html.escape(", ".join(member["open_to"]))) if member["open_to"] else None,
        _field("Organisation", html.escape(member["organisation"])) if member["organisation"] else None,
    ]
    tags = sorted({hashtag(text) for text in offered + member["tags"] if hashtag(text)})
    doc: dict[str, Any] = {
        "@context": COFFEE_CONTEXT,
        "id": actor_id,
        "type": "Person",
        "preferredUsername": username,
        "name": member["display_name"] or username,
        "summary": paragraphs(pick(bio, main_lang)),
        "summaryMap": language_map(bio),
        "url": actor_id,
        **_endpoints(config, actor_id),
        "publicKey": _public_key(actor_id, public_key_pem),
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "indexable": member["visibility"] == "public",
        "published": member["created_at"].replace("+00:00", "Z"),
        "updated": member["updated_at"].replace("+00:00", "Z"),  # receivers keep the newest version
        "memberOf": local_actors.space_id(config),
        "knowsAbout": list(member["skills_offered"]),
        "seeks": list(member["skills_sought"]),
        "hasOccupation": list(member["professions"]),
        **({"occupationForm": member["profession_gender"]} if member["profession_gender"] else {}),
        "knowsLanguage": list(member["languages"]),
        "openTo": list(member["open_to"]),
        "organization": member["organisation"],
        "country": config.country,
        "attachment": [f for f in fields if f] + [_field("Link", _link(url)) for url in member["links"]],
        "tag": [{"type": "Hashtag", "name": f"#{tag}", "href": f"{config.url}/members?q={tag}"} for tag in tags],
    }
    if member["city"]:
        doc["location"] = {"type": "Place", "name": member["city"]}
    if member.get("avatar"):
        doc["icon"] = {"type": "Image", "mediaType": avatar_type, "url": f"{config.url}/media/{member['avatar']}"}
    return omit_empty(doc)


def application_document(config: Config, public_key_pem: str, version: str, *, published: str) -> dict[str, Any]:
    actor_id = local_actors.application_id(config)
    return omit_empty({
        "@context": COFFEE_CONTEXT,
        "id": actor_id,
        "type": "Application",
        "preferredUsername": config.domain.replace(":", "."),
        "name": f"{config.name} (Coffee {version})",
        "summary": "<p>The server of this coworking space. It signs fetches; nobody posts as it.</p>",
        "url": f"{config.url}/",
        "inbox": f"{actor_id}/inbox",
        "outbox": f"{actor_id}/outbox",
        "endpoints": {"sharedInbox": f"{config.url}/inbox"},
        "publicKey": _public_key(actor_id, public_key_pem),
        "manuallyApprovesFollowers": True,
        "discoverable": False,
        "indexable": False,
        "published": published.replace("+00:00", "Z"),
    })


def tombstone(object_id: str, former_type: str, deleted: str) -> dict[str, Any]:
    return {"@context": COFFEE_CONTEXT, "id": object_id, "type": "Tombstone", "formerType": former_type,
            "deleted": deleted.replace("+00:00", "Z")}
