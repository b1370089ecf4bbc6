"""Other spaces' logos and photos, cached here: fetched once, size-capped, re-encoded, served from `media/`.

Pages never hot-link another server (its visitors' addresses would leak to it, and a
slow or huge picture would hold our page): they show the cached copy, or the space's
initials while there is none. A picture that is too large, too slow, on a private
address or not a picture is recorded as skipped and not fetched again until its
space publishes another URL. Its space's next Update (a new logo URL) replaces the
copy and deletes the old file.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from federation.errors import FederationError
from node.config import Config
from node.errors import CoffeeError
from node.services import catalogue, media
from node.storage import catalogue as catalogue_store
from node.storage import pictures as pictures_store
from node.storage.db import Store

log = logging.getLogger("coffee.pictures")

FetchMedia = Callable[[str], Awaitable[bytes]]
MAX_BYTES = 2 * 1024 * 1024  # a logo or photo larger than this is skipped (initials shown)
FETCH_SECONDS = 10  # a slower picture is skipped
MAX_PHOTOS = 6
SIDES = {"logo": media.MAX_SIDE, "photo": media.EVENT_SIDE}


def published(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The pictures a space actor document publishes: its `icon`, then its Image attachments
    (or its `image` when it has none), each with its URL and alt texts."""
    found: list[dict[str, Any]] = []
    logo = _picture(doc.get("icon"))
    if logo:
        found.append(logo | {"role": "logo", "position": 0})
    attachments = [a for a in _list(doc.get("attachment")) if isinstance(a, dict) and a.get("type") == "Image"]
    photos = [p for p in (_picture(a) for a in attachments or _list(doc.get("image"))) if p]
    seen: set[str] = set()
    for photo in photos:
        if photo["source_url"] not in seen and len(seen) < MAX_PHOTOS:
            seen.add(photo["source_url"])
            found.append(photo | {"role": "photo", "position": len(seen)})
    return found


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []


def _picture(value: Any) -> dict[str, Any] | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, dict):
        return None
    url = value.get("url")
    if isinstance(url, list):
        url = url[0] if url else None
    if isinstance(url, dict):
        url = url.get("href")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")) or len(url) > 2000:
        return None
    alt = {lang: text[:300] for lang, text in (value.get("nameMap") or {}).items()
           if isinstance(lang, str) and isinstance(text, str)} if isinstance(value.get("nameMap"), dict) else {}
    if not alt and isinstance(value.get("name"), str):
        alt = {"und": value["name"][:300]}
    return {"source_url": url, "alt_map": alt}


def known_spaces(store: Store, config: Config) -> dict[str, dict[str, Any]]:
    """The remote spaces whose pictures we keep, followed and discovered: {id: its actor document}."""
    found = {space_id: catalogue.space_document(store, space_id) for space_id in catalogue.followed_spaces(store, config)}
    for row in catalogue_store.discovered(store):
        found.setdefault(row["id"], catalogue.space_document(store, row["id"]) or row["document"])
    return found


async def sync_all(store: Store, config: Config, fetch_media: FetchMedia) -> int:
    """Bring every known space's cached pictures in line with its stored document; changes made.
    The pictures of a space no longer known (unfollowed, no longer discovered) are deleted."""
    known = known_spaces(store, config)
    changes = 0
    for space_id in pictures_store.cached_spaces(store):
        if space_id not in known:
            changes += await sync_space(store, config.media_dir, fetch_media, space_id, {})
    for space_id, doc in known.items():
        changes += await sync_space(store, config.media_dir, fetch_media, space_id, doc)
    return changes


def pending(store: Store, config: Config) -> bool:
    """Whether `sync_all` has something to do: a known space publishes a picture we have not
    fetched (or recorded as skipped), or we hold pictures it no longer publishes."""
    known = known_spaces(store, config)
    if set(pictures_store.cached_spaces(store)) - set(known):
        return True
    return any({p["source_url"] for p in published(doc)} != {row["source_url"] for row in pictures_store.cached(store, space_id)}
               for space_id, doc in known.items())


async def sync_space(store: Store, media_dir: Path, fetch_media: FetchMedia, space_id: str, doc: dict[str, Any]) -> int:
    wanted = {p["source_url"]: p for p in published(doc)}
    cached = {row["source_url"]: row for row in pictures_store.cached(store, space_id)}
    changes = 0
    for url, row in cached.items():
        if url not in wanted:
            pictures_store.drop_cached(store, space_id, url)
            media.delete_picture(media_dir, row["file"])
            changes += 1
    for url, picture in wanted.items():
        if url in cached:
            if (cached[url]["role"], cached[url]["position"], cached[url]["alt_map"]) != (
                    picture["role"], picture["position"], picture["alt_map"]):
                pictures_store.put_cached(store, cached[url] | picture)
                changes += 1
            continue
        file = await _fetch(media_dir, fetch_media, url, picture["role"])
        pictures_store.put_cached(store, picture | {"space_id": space_id, "file": file})
        log.info("pictures.cached", extra={"space": space_id, "url": url, "skipped": file is None})
        changes += 1
    return changes


async def _fetch(media_dir: Path, fetch_media: FetchMedia, url: str, role: str) -> str | None:
    """Our re-encoded copy of the picture at `url`, or None when it is skipped."""
    try:
        async with asyncio.timeout(FETCH_SECONDS):
            data = await fetch_media(url)
        return await asyncio.to_thread(media.save_picture, media_dir, data, None, field=role, max_side=SIDES[role])
    except (FederationError, CoffeeError, TimeoutError) as exc:
        log.info("pictures.skipped", extra={"url": url, "reason": f"{type(exc).__name__}: {exc}"[:300]})
        return None

