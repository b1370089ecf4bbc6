"""The home feed: what the spaces and people a member follows published, newest first.

An activity reaches a member's feed when the member follows (accepted) its actor, or
follows an actor whose followers collection it is addressed to (a space's new member
is published by the member, to the space's followers). Remote activities are recorded
by the inbox worker once their handler accepted them; our own by `outbox.publish`, so
local people following each other need no federation.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable
from node.config import Config
from xml.etree import ElementTree

from node.i18n import DEFAULT_LANGUAGE, UI_LANGUAGES, pick
from node.services import local_actors
from node.storage import actors as actors_store
from node.storage import feed as feed_store
from node.storage import members as members_store
from node.storage.db import Store
from node.timeutil import now_iso

KINDS = ("event", "member", "profile", "article")
PAGE_SIZE = 20
_PROFILE_TYPES = ("Person", "Organization", "Group", "Service")


def kind_of(activity: dict[str, Any]) -> str | None:
    """What a feed reader is told about, or None for activities not worth a line (Follow, Accept,
    an event's attendee count changing, a Delete)."""
    obj = activity.get("object")
    obj_type = obj.get("type") if isinstance(obj, dict) else None
    verb = activity.get("type")
    if verb == "Create" and obj_type == "Event":
        return "event"
    if obj_type in _PROFILE_TYPES:
        return {"Create": "member", "Update": "profile"}.get(str(verb))
    if verb == "Create" and obj_type in ("Article", "Note"):
        return "article"
    return None


def _followers_collection(store: Store, config: Config, actor_id: str) -> str | None:
    if local_actors.is_local(config, actor_id):
        return f"{local_actors.collection_base(config, actor_id)}/followers"
    known = actors_store.get(store, actor_id)
    return known["followers"] if known else None


def _readers(store: Store, config: Config, actor: str, audience: set[str]) -> Iterable[tuple[int, str]]:
    """(member id, followed actor) for every local member this activity is for."""
    rows = store.db.query("SELECT follower, followee FROM follows WHERE state = 'accepted' AND follower LIKE ?",
                          [f"{config.url}/@%"])
    seen: set[int] = set()
    for row in rows:
        username = local_actors.username_of(config, row["follower"])
        member = members_store.get_by_username(store, username) if username else None
        if member is None or member["id"] in seen or member["status"] != "active":
            continue
        if row["followee"] == actor or _followers_collection(store, config, row["followee"]) in audience:
            seen.add(member["id"])
            yield member["id"], row["followee"]


def _language_map(obj: dict[str, Any], key: str) -> dict[str, str]:
    mapped = obj.get(f"{key}Map")
    if isinstance(mapped, dict):
        return {str(k): str(v)[:500] for k, v in mapped.items() if isinstance(v, str)}
    plain = obj.get(key)
    return {"und": plain[:500]} if isinstance(plain, str) and plain else {}


def record(store: Store, config: Config, activity: dict[str, Any], actor: str, audience: Iterable[Any]) -> int:
    """Add `activity` to the feed of every member it is for; returns how many feeds got it."""
    kind = kind_of(activity)
    if kind is None:
        return 0
    obj = activity["object"]
    names = _language_map(obj, "name") or ({"und": obj["preferredUsername"]}
                                           if isinstance(obj.get("preferredUsername"), str) else {})
    summaries = _language_map(obj, "summary") or _language_map(obj, "content")
    url = obj.get("url") if isinstance(obj.get("url"), str) else obj.get("id")
    published = activity.get("published") if isinstance(activity.get("published"), str) else now_iso()
    count = 0
    for member_id, via in _readers(store, config, actor, {a for a in audience if isinstance(a, str)}):
        feed_store.add(store, {"member_id": member_id, "activity_id": activity["id"], "actor": actor, "via": via,
                               "kind": kind, "object_id": obj.get("id"), "url": url if isinstance(url, str) else None,
                               "names": names, "summaries": summaries, "published": published})
        count += 1
    return count


def page(store: Store, member_id: int, *, kind: str | None = None, number: int = 1, lang: str = "en",
         size: int = PAGE_SIZE) -> list[dict[str, Any]]:
    """One page of a member's feed, titles in the reader's language where a translation exists."""
    kind = kind if kind in KINDS else None
    rows = feed_store.page(store, member_id, kind=kind, limit=size + 1, offset=(max(number, 1) - 1) * size)
    for row in rows:
        row["title"] = pick(row["names"], lang) or row["object_id"] or row["actor"]
        row["summary"] = pick(row["summaries"], lang)
        known = actors_store.get(store, row["actor"])
        row["actor_name"] = (known or {}).get("name") or row["actor"]
    return rows


def reader_language(member: dict[str, Any] | None) -> str:
    """The first of the member's languages the interface speaks: what pages and mails use without a browser."""
    for code in (member or {}).get("languages") or []:
        if code in UI_LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def _atom_time(value: str) -> str:
    instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def atom(rows: list[dict[str, Any]], *, feed_url: str, html_url: str, title: str, lang: str, now: datetime) -> bytes:
    """The feed as Atom 1.0 (RFC 4287), one entry per item, for feed readers."""
    feed = ElementTree.Element("feed", {"xmlns": "http://www.w3.org/2005/Atom", "xml:lang": lang})
    for tag, text in (("id", feed_url), ("title", title),
                      ("updated", max((_atom_time(r["published"]) for r in rows), default=_atom_time(now.isoformat())))):
        ElementTree.SubElement(feed, tag).text = text
    ElementTree.SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml", "href": feed_url})
    ElementTree.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": html_url})
    for row in rows:
        entry = ElementTree.SubElement(feed, "entry")
        for tag, text in (("id", row["activity_id"]), ("title", row["title"]),
                          ("updated", _atom_time(row["published"])), ("summary", row["summary"])):
            ElementTree.SubElement(entry, tag).text = text
        author = ElementTree.SubElement(entry, "author")
        ElementTree.SubElement(author, "name").text = row["actor_name"]
        ElementTree.SubElement(author, "uri").text = row["actor"]
        ElementTree.SubElement(entry, "category", {"term": row["kind"]})
        if row["url"]:
            ElementTree.SubElement(entry, "link", {"rel": "alternate", "href": row["url"]})
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
