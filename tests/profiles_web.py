"""Test helpers for the profile pages: members with profiles, forms with lists and files."""

from __future__ import annotations

import io
import re
from typing import Any

import aiohttp
from PIL import Image

from node.storage import members as members_store
from tests.nodes import RunningNode
from tests.web import add_member, csrf_from

GRAPHIC_DESIGN = "http://data.europa.eu/esco/skill/7fb699d9-182a-430e-b7a0-6d8ed05c284b"  # fr: conception graphique
PROGRAMMING = "http://data.europa.eu/esco/skill/21d2f96d-35f7-4e3f-9745-c533d2dd6e97"  # nl: computerprogrammering
PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"

File = tuple[str, bytes, str]  # (file name, content, declared Content-Type)


def member_with_profile(node: RunningNode, username: str, *, status: str = "active", **profile: Any) -> dict:
    """An active member (password tests.web.PASSWORD) with profile columns set directly."""
    member = add_member(node, username, status=status)
    return members_store.update(node.store, member["id"], **profile) if profile else member


async def post_form(
    http: aiohttp.ClientSession, page: str, action: str, fields: list[tuple[str, str | File]]
) -> tuple[int, str, str | None]:
    """Post repeated fields and files as a browser would (multipart as soon as a file is there).

    Returns (status, body, Location) without following redirects.
    """
    form = aiohttp.FormData()
    form.add_field("csrf_token", await csrf_from(http, page))
    for name, value in fields:
        if isinstance(value, tuple):
            filename, content, content_type = value
            form.add_field(name, content, filename=filename, content_type=content_type)
        else:
            form.add_field(name, value)
    async with http.post(action, data=form, allow_redirects=False) as resp:
        return resp.status, await resp.text(), resp.headers.get("Location")


def png_bytes(width: int, height: int, colour: tuple[int, int, int] = (180, 90, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def invalid_field(html: str) -> list[str]:
    """The ids of the inputs a re-rendered form marks invalid."""
    return re.findall(r'id="([^"]+)"[^>]*aria-invalid="true"', html)
