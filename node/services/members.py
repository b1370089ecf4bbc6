"""Member accounts: creation under the username rules, roles, suspension, removal.

The admin pages, the CLI and the CSV import all go through here, so the rules
(reserved names, case-insensitive uniqueness, always one active admin) hold
whichever way a space manager works. Key pairs are not made here: federation
creates them the first time a member's actor is needed.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from node.config import Config
from node.errors import Conflict, InvalidInput, NotFound
from node.services import announce
from node.services.accounts import check_new_password
from node.services.passwords import hash_password
from node.services.profiles import VISIBILITIES, validate_profile
from node.services.skills import SkillIndex
from node.storage import members as members_store
from node.storage import space as space_store
from node.storage.db import Store

log = logging.getLogger("coffee.members")

USERNAME_RE = re.compile(r"[a-z0-9_]{1,30}")
# Path segments and handles the node uses or may use: a member called "inbox" would shadow them.
RESERVED_USERNAMES = frozenset(
    {
        "admin", "actor", "inbox", "outbox", "followers", "following", "api", "static", "media", "me",
        "login", "logout", "invite", "members", "space", "events", "agenda", "catalogue", "spaces",
        "well_known", "wellknown", "nodeinfo", "webfinger", "healthz", "metrics", "lang", "root",
        "coffee", "system", "support", "help", "about",
    }
)
ROLES = ("member", "admin")
STATUSES = ("invited", "active", "suspended")
SECRET_FIELDS = ("password_hash", "private_key_pem")
SUMMARY_FIELDS = ("id", "username", "display_name", "role", "status", "visibility", "created_at")


def normalise_username(raw: str) -> str:
    """'  @Alice ' -> 'alice'; anything that cannot be a handle is refused."""
    username = raw.strip().removeprefix("@").lower()
    if not USERNAME_RE.fullmatch(username):
        raise InvalidInput(
            'A username has 1 to 30 characters among a-z, 0-9 and _ ("%(username)s" does not fit).',
            field="username", username=raw.strip(),
        )
    return username


def check_username(store: Store, raw: str) -> str:
    """The normalised username if a new member may take it."""
    username = normalise_username(raw)
    if username in RESERVED_USERNAMES or username == space_store.get(store)["slug"]:
        raise InvalidInput('The username "%(username)s" is reserved; choose another one.', field="username", username=username)
    if members_store.get_by_username(store, username) is not None:
        raise Conflict('The username "%(username)s" is already taken.', field="username", username=username)
    return username


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput('The role is "admin" or "member" (got "%(role)s").', field="role", role=role)
    return role


def create_member(
    store: Store,
    *,
    username: str,
    display_name: str = "",
    role: str = "member",
    status: str = "invited",
    password: str | None = None,
    profile: dict[str, Any] | None = None,
    skills: SkillIndex | None = None,
    config: Config | None = None,
) -> dict[str, Any]:
    """A new member; `profile` holds profile fields (validated with `skills` for ESCO URIs)."""
    username = check_username(store, username)
    check_role(role)
    if status not in STATUSES:
        raise InvalidInput('Unknown member status "%(status)s".', field="status", status=status)
    password_hash = None
    if password is not None:
        check_new_password(password)
        password_hash = hash_password(password)
    elif status == "active":
        raise InvalidInput("An active member needs a password; invite them instead.", field="password")
    fields = validate_profile({"display_name": display_name} | (profile or {}), skills)
    with store.transaction():
        member = members_store.insert(
            store, username=username, role=role, status=status, password_hash=password_hash, **fields
        )
        _changed(store, config, None, member)
    log.info("members.created", extra={"member_id": member["id"], "role": role, "status": status})
    return member


def get_member(store: Store, member_id: int) -> dict[str, Any]:
    member = members_store.get(store, member_id)
    if member is None:
        raise NotFound("This member does not exist.")
    return member


def find_member(store: Store, username: str) -> dict[str, Any]:
    """By username, case-insensitively (the CLI names members, the web uses ids)."""
    member = members_store.get_by_username(store, username.strip().removeprefix("@"))
    if member is None:
        raise NotFound('No member is called "%(username)s".', username=username)
    return member


def _keep_an_admin(store: Store, member: dict[str, Any]) -> None:
    """Refuse a change that would leave the node without an active admin to run it."""
    if member["role"] == "admin" and member["status"] == "active":
        if members_store.count(store, "role = 'admin' AND status = 'active'") <= 1:
            raise Conflict(
                "%(username)s is the last active admin; make another member admin first.",
                username=member["username"],
            )


def _changed(store: Store, config: Config | None, before: dict[str, Any] | None,
             after: dict[str, Any] | None) -> None:
    """Tell the network (when there is a node: `config`) what the change means for it."""
    if config is not None:
        announce.member_changed(store, config, before, after)


def suspend(store: Store, member_id: int, by: int | None = None, *, config: Config | None = None) -> dict[str, Any]:
    """Block sign-in (open sessions end at their next request) and leave the network."""
    member = get_member(store, member_id)
    if member["status"] == "suspended":
        return member
    _keep_an_admin(store, member)
    log.info("members.suspended", extra={"member_id": member_id, "by": by})
    with store.transaction():
        updated = members_store.update(store, member_id, status="suspended")
        _changed(store, config, member, updated)
    return updated


def reactivate(store: Store, member_id: int, by: int | None = None, *, config: Config | None = None) -> dict[str, Any]:
    """Undo a suspension; a member who never chose a password goes back to `invited`."""
    member = get_member(store, member_id)
    if member["status"] != "suspended":
        return member
    log.info("members.reactivated", extra={"member_id": member_id, "by": by})
    with store.transaction():
        updated = members_store.update(store, member_id, status="active" if member["password_hash"] else "invited")
        _changed(store, config, member, updated)
    return updated


def set_role(store: Store, member_id: int, role: str, by: int | None = None) -> dict[str, Any]:
    member = get_member(store, member_id)
    check_role(role)
    if role == member["role"]:
        return member
    if role != "admin":
        _keep_an_admin(store, member)
    log.info("members.role_changed", extra={"member_id": member_id, "role": role, "by": by})
    return members_store.update(store, member_id, role=role)


def remove(store: Store, member_id: int, by: int | None = None, *, config: Config | None = None) -> dict[str, Any]:
    """Delete the account and its profile (invitations go with it) here and on every node that has it."""
    member = get_member(store, member_id)
    _keep_an_admin(store, member)
    with store.transaction():
        _changed(store, config, member, None)
        members_store.delete(store, member_id)
    log.info("members.removed", extra={"member_id": member_id, "by": by})
    return without_secrets(member)


def without_secrets(member: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in member.items() if key not in SECRET_FIELDS}


def summary(member: dict[str, Any]) -> dict[str, Any]:
    """What the CLI prints about a member."""
    return {key: member[key] for key in SUMMARY_FIELDS}


def list_members(store: Store, *, include_all: bool = True) -> list[dict[str, Any]]:
    """Every member (or only the active ones), by username, never with password hashes or keys."""
    where = "1" if include_all else "status = 'active'"
    return [without_secrets(member) for member in members_store.select(store, where)]


def counts(store: Store) -> dict[str, dict[str, int]]:
    """Members per status and per visibility, zeros included (the admin dashboard)."""
    return {
        "status": {status: members_store.count(store, "status = ?", [status]) for status in STATUSES},
        "visibility": {
            visibility: members_store.count(store, "visibility = ?", [visibility]) for visibility in VISIBILITIES
        },
    }
