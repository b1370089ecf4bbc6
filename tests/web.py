"""Driving a node like a browser: members with a known password, CSRF tokens, signing in, forms."""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from node.services.passwords import hash_password
from node.storage import members as members_store
from tests.nodes import RunningNode

PASSWORD = "correct horse battery"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_member(node: RunningNode, username: str = "alice", role: str = "member", status: str = "active") -> dict:
    return members_store.insert(
        node.store, username=username, display_name=username.title(), role=role, status=status,
        password_hash=hash_password(PASSWORD),
    )


async def csrf_from(http: aiohttp.ClientSession, path: str) -> str:
    async with http.get(path) as resp:
        html = await resp.text()
    match = CSRF_FIELD.search(html)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


async def login(http: aiohttp.ClientSession, username: str = "alice", password: str = PASSWORD) -> int:
    token = await csrf_from(http, "/login")
    async with http.post("/login", data={"username": username, "password": password, "csrf_token": token},
                         allow_redirects=False) as resp:
        return resp.status


async def submit(
    http: aiohttp.ClientSession, page: str, action: str, data: dict[str, str] | None = None
) -> tuple[int, str, str | None]:
    """Post a form of `page` to `action` as a browser would (CSRF token from the page).

    Returns (status, body, Location) without following redirects.
    """
    token = await csrf_from(http, page)
    form: dict[str, Any] = {"csrf_token": token, **(data or {})}
    async with http.post(action, data=form, allow_redirects=False) as resp:
        return resp.status, await resp.text(), resp.headers.get("Location")
