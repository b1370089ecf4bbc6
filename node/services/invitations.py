"""Invitations: one-time links through which a new member chooses a password.

Only the SHA-256 hash of a token is stored, so a copy of the database cannot be
used to take over pending accounts; the token itself is shown once, to whoever
invites. Hashing first also makes the lookup independent of the token's bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from node.config import Config
from node.errors import Conflict, InvalidInput, NotFound
from node.services import announce, members, profiles
from node.services.accounts import check_new_password
from node.services.passwords import hash_password
from node.services.skills import SkillIndex
from node.storage import invitations as invitations_store
from node.storage import members as members_store
from node.storage.db import Store
from node.timeutil import now

log = logging.getLogger("coffee.invitations")

VALID_DAYS = 14


def invitation_url(config: Config, token: str) -> str:
    return f"{config.url}/invite/{token}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _issue(store: Store, config: Config, member_id: int) -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    expires = (now() + timedelta(days=VALID_DAYS)).isoformat(timespec="seconds")
    invitations_store.insert(store, token_hash=_digest(token), member_id=member_id, expires_at=expires)
    return token, invitation_url(config, token)


def invite(
    store: Store,
    config: Config,
    *,
    username: str,
    display_name: str = "",
    role: str = "member",
    created_by: int | None = None,
    profile: dict[str, Any] | None = None,
    skills: SkillIndex | None = None,
) -> tuple[dict[str, Any], str, str]:
    """Create an `invited` member and its link: (member, token, url). Show the url once."""
    with store.transaction():
        member = members.create_member(
            store, username=username, display_name=display_name, role=role, status="invited",
            profile=profile, skills=skills,
        )
        token, url = _issue(store, config, member["id"])
    log.info("invitations.created", extra={"member_id": member["id"], "by": created_by})
    return member, token, url


def renew(store: Store, config: Config, member_id: int, by: int | None = None) -> tuple[dict[str, Any], str, str]:
    """A fresh link for a member who has not joined yet; earlier links stop working."""
    member = members.get_member(store, member_id)
    if member["status"] != "invited":
        raise Conflict("%(username)s has already joined; there is nothing to invite them to.", username=member["username"])
    with store.transaction():
        invitations_store.delete_unused(store, member_id)
        token, url = _issue(store, config, member_id)
    log.info("invitations.renewed", extra={"member_id": member_id, "by": by})
    return member, token, url


def revoke(store: Store, member_id: int, by: int | None = None) -> dict[str, Any]:
    """Withdraw an invitation: the account that was waiting for it goes too, freeing the username."""
    member = members.get_member(store, member_id)
    if member["status"] != "invited":
        raise Conflict(
            "%(username)s has already joined; suspend or remove the account instead.", username=member["username"]
        )
    log.info("invitations.revoked", extra={"member_id": member_id, "by": by})
    return members.remove(store, member_id, by)


def check_invitation(store: Store, token: str) -> dict[str, Any]:
    """The member a still-usable link is for; otherwise an error saying what to do."""
    digest = _digest(token)
    row = invitations_store.get(store, digest)
    if row is None or not hmac.compare_digest(row["token_hash"], digest):
        raise NotFound(
            "This invitation link is not valid. Check that you copied all of it, or ask the space's team for a new one."
        )
    if row["used_at"]:
        raise InvalidInput("This invitation link was already used. Sign in with your username and password.")
    if datetime.fromisoformat(row["expires_at"]) <= now():
        raise InvalidInput("This invitation link has expired. Ask the space's team for a new one.")
    member = members_store.get(store, row["member_id"])
    if member is None or member["status"] != "invited":
        raise InvalidInput("This invitation link is no longer valid. Ask the space's team for a new one.")
    return member


def accept_invitation(store: Store, token: str, password: str, *, config: Config | None = None,
                      visibility: str | None = None) -> dict[str, Any]:
    """Set the password, activate the member, spend the link; returns the active member.

    `visibility`: who sees the profile, as the person chose it on the invitation page (None
    keeps the one the space gave). A public or network profile joins the network now.
    """
    invited = check_invitation(store, token)
    check_new_password(password)
    chosen = profiles.validate_profile({"visibility": visibility}, None) if visibility is not None else {}
    password_hash = hash_password(password)
    with store.transaction():
        member = members_store.update(store, invited["id"], password_hash=password_hash, status="active", **chosen)
        invitations_store.mark_used(store, _digest(token))
        if config is not None:
            announce.member_changed(store, config, invited, member)
    log.info("invitations.accepted", extra={"member_id": member["id"]})
    return member


def pending_invitations(store: Store) -> list[dict[str, Any]]:
    """Members still to join, with the expiry of their latest link and whether it passed."""
    rows = invitations_store.pending(store)
    current = now()
    for row in rows:
        row["expires_at"] = datetime.fromisoformat(row["expires_at"])
        row["expired"] = row["expires_at"] <= current
    return rows
