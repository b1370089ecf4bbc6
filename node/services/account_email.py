"""A member's e-mail address (confirmed by a link), password reset by e-mail, invitations sent by e-mail.

Tokens are random, stored hashed, single use; a reset token lives one hour. Asking for
a reset gives the same answer whether or not the address belongs to someone.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from node.config import Config
from node.errors import InvalidInput, NotFound
from node.i18n import N_, translations
from node.services import accounts, home_feed, mail, notifications
from node.storage import members as members_store
from node.storage import notifications as store_
from node.storage import space as space_store
from node.storage.db import Store
from node.timeutil import now

log = logging.getLogger("coffee.account_email")
RESET_VALID = timedelta(hours=1)
CONFIRM_VALID = timedelta(days=2)

TEXTS = {
    "confirm": (N_("Confirm your e-mail address at %(space)s"),
                N_("To receive the e-mails of %(space)s at this address, confirm it by opening this link:")),
    "reset": (N_("Reset your password at %(space)s"),
              N_("Someone asked to reset the password of %(username)s at %(space)s. If it was you, choose a new "
                 "password through this link within an hour. If not, ignore this e-mail: nothing changes.")),
    "invitation": (N_("You are invited to join %(space)s"),
                   N_("%(space)s invites you to join its members on Coffee. Choose your password through this link:")),
}
TRANSACTIONAL_FOOTER = N_("This e-mail was sent by %(space)s because of the action it describes.")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _send(store: Store, config: Config, purpose: str, *, to: str, lang: str, url: str, **params: Any) -> int | None:
    gettext = translations(lang).gettext
    values = {"space": space_store.get(store)["name"], **params}
    subject, body = (gettext(text) % values for text in TEXTS[purpose])
    text, page = notifications.mail_bodies(lang, body, url, gettext(TRANSACTIONAL_FOOTER) % values)
    return mail.queue(store, config, to=to, subject=subject, text=text, html=page, lang=lang)


def _new_token(store: Store, member_id: int, purpose: str, address: str, valid: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    store_.add_token(store, _hash(token), member_id, purpose, address, (now() + valid).isoformat())
    return token


def set_address(store: Store, config: Config, member: dict[str, Any], address: str) -> None:
    """Keep the address unconfirmed and send the confirmation link to it."""
    address = address.strip()
    mail.compose_check(address)
    store_.set_email(store, member["id"], address, confirmed=False)
    token = _new_token(store, member["id"], "confirm", address, CONFIRM_VALID)
    _send(store, config, "confirm", to=address, lang=home_feed.reader_language(member),
          url=f"{config.url}/me/email/confirm?{urlencode({'token': token})}")


def confirm(store: Store, token: str) -> int:
    row = store_.use_token(store, _hash(token), "confirm", now().isoformat()) if token else None
    current = store_.email_of(store, row["member_id"]) if row else None
    if row is None or current is None or current["address"] != row["address"]:
        raise NotFound("This confirmation link is unknown, used or expired.")
    store_.set_email(store, row["member_id"], row["address"], confirmed=True)
    return int(row["member_id"])


def request_reset(store: Store, config: Config, address: str, lang: str) -> None:
    """Send a reset link if a member has this confirmed address; the caller shows the same page either way."""
    address = address.strip()
    member_id = store_.member_by_email(store, address) if address and len(address) <= 254 else None
    if member_id is None:
        log.info("password_reset.unknown_address")
        return
    member = members_store.get(store, member_id)
    if member is None or member["status"] != "active":
        return
    token = _new_token(store, member_id, "reset", address, RESET_VALID)
    _send(store, config, "reset", to=address, lang=lang, username=member["username"],
          url=f"{config.url}/password/reset?{urlencode({'token': token})}")


def reset(store: Store, token: str, password: str) -> int:
    """A new password through a reset link: once, within the hour."""
    accounts.check_new_password(password)
    row = store_.use_token(store, _hash(token), "reset", now().isoformat()) if token else None
    if row is None:
        raise InvalidInput("This reset link is unknown, used or expired: ask for a new one.", field="token")
    accounts.set_password(store, row["member_id"], password)
    return int(row["member_id"])


def send_invitation(store: Store, config: Config, *, to: str, url: str, lang: str) -> int | None:
    """The invite link by e-mail, in the language chosen by whoever invites."""
    mail.compose_check(to)
    return _send(store, config, "invitation", to=to, lang=lang, url=url)
