"""This space's logo and photos: uploaded by an admin, re-encoded, published in the space actor.

Every picture needs an alt text in each of the space's languages: a picture without
one is refused before anything is written, naming the missing field. The bytes go
through `media.save_picture` (Pillow re-encode, EXIF dropped, random name), like
profile and event pictures.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from node.config import Config
from node.errors import InvalidInput
from node.i18n import pick
from node.services import announce, media
from node.services import fields as check
from node.storage import pictures as pictures_store
from node.storage import space as space_store
from node.storage.db import Store

ROLES = ("logo", "photo")
MAX_PHOTOS = 6
MAX_ALT = 300
SIDES = {"logo": media.MAX_SIDE, "photo": media.EVENT_SIDE}


def alt_texts(value: dict[str, str], languages: list[str], *, role: str) -> dict[str, str]:
    """The alt texts of a picture: one per language of the space, each required (field `<role>_alt.<lang>`)."""
    cleaned = check.language_map(value, field=f"{role}_alt", max_len=MAX_ALT)
    for lang in languages:
        if not cleaned.get(lang):
            raise InvalidInput("Describe the picture for people who cannot see it (alt text, %(lang)s).",
                               field=f"{role}_alt.{lang}", lang=lang)
    return {lang: cleaned[lang] for lang in languages}


async def add_picture(store: Store, config: Config | None, media_dir: Path, role: str, data: bytes,
                declared_type: str | None, alt_map: dict[str, str]) -> dict[str, Any]:
    """Check, re-encode and store one picture (a new logo replaces the old one); followers get an Update."""
    if role not in ROLES:
        raise InvalidInput("Choose a logo or a photo.", field="role")
    alt = alt_texts(alt_map, space_store.get(store)["languages"], role=role)
    current = pictures_store.own(store)
    if role == "photo" and sum(p["role"] == "photo" for p in current) >= MAX_PHOTOS:
        raise InvalidInput("A space shows at most %(max)s photos: remove one first.", field=role, max=MAX_PHOTOS)
    if not data:
        raise InvalidInput("Choose a picture to upload.", field=role)
    name = await asyncio.to_thread(media.save_picture, media_dir, data, declared_type, field=role,
                                   max_side=SIDES[role])  # Pillow work off the event loop
    replaced = [p for p in current if role == "logo" and p["role"] == "logo"]
    try:
        with store.transaction():
            for old in replaced:
                pictures_store.remove_own(store, old["id"])
            pictures_store.add_own(store, role, name, alt)
            space_store.update(store)  # a new `updated`: receivers keep the newest version of the actor
            if config is not None:
                announce.space_changed(store, config)
    except BaseException:
        media.delete_picture(media_dir, name)
        raise
    for old in replaced:
        media.delete_picture(media_dir, old["file"])
    return {"role": role, "file": name, "alt_map": alt}


def remove_picture(store: Store, config: Config | None, media_dir: Path, picture_id: int) -> bool:
    with store.transaction():
        removed = pictures_store.remove_own(store, picture_id)
        if removed is None:
            return False
        space_store.update(store)
        if config is not None:
            announce.space_changed(store, config)
    media.delete_picture(media_dir, removed["file"])
    return True


def shown(pictures: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """What pages show: {'logo': {url, alt} or None, 'photos': [{url, alt}, ...]} with alt in `lang`."""
    def view(p: dict[str, Any]) -> dict[str, str]:
        return {"id": p.get("id"), "url": f"/media/{p['file']}", "alt": pick(p["alt_map"], lang)}
    logo = next((view(p) for p in pictures if p["role"] == "logo" and p.get("file")), None)
    return {"logo": logo, "photos": [view(p) for p in pictures if p["role"] == "photo" and p.get("file")]}
