"""Logging in, changing passwords: who may act on this node."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

from node.errors import InvalidInput, NotAuthenticated
from node.services.passwords import MAX_LENGTH, MIN_LENGTH, hash_password, verify_password
from node.storage import members as members_store
from node.storage.db import Store
from node.storage.health import unwritable_reason
from node.timeutil import now

FEDERATED = "status = 'active' AND visibility IN ('public', 'network')"  # whom NodeInfo counts as users
# A hash computed once, so a login for an unknown user costs as much as a real one.
_DUMMY_HASH = hash_password("timing-equaliser-not-a-password")


def authenticate(store: Store, username: str, password: str) -> dict[str, Any]:
    """The active member with these credentials; one message for every failure (no user enumeration)."""
    member = members_store.get_by_username(store, username.strip()) if username.strip() else None
    ok = verify_password(password, member["password_hash"] if member else _DUMMY_HASH)
    if not member or not ok or member["status"] != "active":
        raise NotAuthenticated("Unknown username or wrong password.")
    return member


def check_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput("The password must have at least %(n)s characters.", field="password", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise InvalidInput("The password is too long.", field="password")


def set_password(store: Store, member_id: int, password: str) -> int:
    """Set a new password and sign out every session of the member; return the new session version
    (the caller's own session carries it to stay signed in)."""
    check_new_password(password)
    password_hash = hash_password(password)
    with store.transaction():
        members_store.update(store, member_id, password_hash=password_hash)
        return members_store.revoke_sessions(store, member_id)


def change_password(store: Store, member: dict[str, Any], current: str, new: str) -> int:
    if not verify_password(current, member["password_hash"]):
        raise InvalidInput("The current password is wrong.", field="current_password")
    return set_password(store, member["id"], new)


def current_member(store: Store, member_id: Any, session_version: Any = 0) -> dict[str, Any] | None:
    """The member behind a session, only while active (suspension ends sessions at once) and while the
    session has the member's current version (a password change ends the others).

    The first request of each day also records the day: NodeInfo counts active users with it.
    """
    if not isinstance(member_id, int):
        return None
    member = members_store.get(store, member_id)
    if member is None or member["status"] != "active" or member["session_version"] != session_version:
        return None
    today = now().date().isoformat()
    if members_store.last_active_on(store, member_id) != today:
        try:
            members_store.mark_active(store, member_id, today)
        except sqlite3.Error as exc:  # a statistic: a full disk must not stop the page being read
            if unwritable_reason(exc) is None:
                raise
    return member


def active_users(store: Store, *, days: int) -> int:
    """Members the network sees (public or network profiles) who used the node in the last `days` days."""
    since = (now() - timedelta(days=days)).date().isoformat()
    return members_store.count_active(store, FEDERATED, [], since=since)


def federated_users(store: Store) -> int:
    return members_store.count(store, FEDERATED)
