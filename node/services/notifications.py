"""Notifications: in-app (the bell) and by e-mail, per kind as each member prefers.

`notify(store, config, member, kind, ...)` is the one entry point for every feature
(follows, registrations, event changes, reminders, and later opportunities): it stores
the in-app notification and, when the member wants it by e-mail and has a confirmed
address, queues a mail in the member's language with a one-click unsubscribe link.
Texts are kept as message ids with parameters, rendered in the reader's language.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
from typing import Any

from node import i18n
from node.config import Config
from node.errors import InvalidInput, NotFound
from node.i18n import N_
from node.services import home_feed, mail
from node.services.setup import SESSION_SECRET
from node.storage import members as members_store
from node.storage import notifications as store_
from node.storage import space as space_store
from node.storage.db import Store

log = logging.getLogger("coffee.notifications")

CHANNELS = ("email", "app", "off")
# kind -> its label on the settings page
KINDS: dict[str, str] = {
    "follow": N_("Someone follows me or asks to"),
    "registration": N_("Answers to my event registrations"),
    "event_changed": N_("Changes to an event I registered for"),
    "event_cancelled": N_("An event I registered for is cancelled"),
    "reminder": N_("A reminder the day before an event I registered for"),
}
# kind or kind.variant -> (subject, body); parameters that are language maps are read in the reader's language
MESSAGES: dict[str, tuple[str, str]] = {
    "follow": (N_("%(name)s follows you"), N_("%(name)s (%(actor)s) now follows you.")),
    "follow.request": (N_("%(name)s asks to follow you"), N_("%(name)s (%(actor)s) asks to follow you.")),
    "registration.accepted": (N_("You are registered for %(event)s"),
                              N_("Your registration for %(event)s is accepted. See you there!")),
    "registration.rejected": (N_("Your registration for %(event)s was declined"),
                              N_("The organisers of %(event)s declined your registration.")),
    "registration.waiting": (N_("You are on the waiting list for %(event)s"),
                             N_("%(event)s is full: you are on the waiting list and will hear if a place frees up.")),
    "event_changed": (N_("%(event)s has changed"), N_("The event %(event)s you registered for has changed.")),
    "event_cancelled": (N_("%(event)s is cancelled"), N_("The event %(event)s you registered for is cancelled.")),
    "reminder": (N_("Tomorrow: %(event)s"), N_("A reminder: %(event)s, which you registered for, is tomorrow.")),
}

FOOTER = N_("You get this e-mail from %(space)s. To stop e-mails like this one, open: %(url)s")


def register(kind: str, label: str, messages: dict[str, tuple[str, str]]) -> None:
    """For features that notify too (opportunities): their kind, its settings label and its texts."""
    KINDS[kind] = label
    MESSAGES.update(messages)


def _secret(config: Config) -> bytes:
    return (config.keys_dir / SESSION_SECRET).read_bytes().strip()


def unsubscribe_token(config: Config, member_id: int, kind: str) -> str:
    """Stands for the member in an unsubscribe link: good for their own member id and kind only."""
    return hmac.new(_secret(config), f"unsubscribe:{member_id}:{kind}".encode(), hashlib.sha256).hexdigest()[:32]


def unsubscribe_url(config: Config, member_id: int, kind: str) -> str:
    return f"{config.url}/unsubscribe/{member_id}/{kind}/{unsubscribe_token(config, member_id, kind)}"


def unsubscribe(store: Store, config: Config, member_id: int, kind: str, token: str) -> None:
    """The link's owner stops e-mails of this kind (in-app ones stay); a wrong token changes nothing."""
    if kind not in KINDS or not hmac.compare_digest(token, unsubscribe_token(config, member_id, kind)):
        raise NotFound("This unsubscribe link is not valid.")
    store_.set_channel(store, member_id, kind, "app")
    log.info("notifications.unsubscribed", extra={"member": member_id, "kind": kind})


def channel(store: Store, member_id: int, kind: str) -> str:
    return store_.channel(store, member_id, kind) or "email"


def set_preferences(store: Store, member_id: int, choices: dict[str, str]) -> None:
    for kind, value in choices.items():
        if kind not in KINDS or value not in CHANNELS:
            raise InvalidInput("Choose e-mail, in the app only, or off.", field=kind)
    for kind, value in choices.items():
        store_.set_channel(store, member_id, kind, value)


def render(key: str, params: dict[str, Any], lang: str) -> tuple[str, str]:
    """Subject and body of a message in `lang`."""
    gettext = i18n.translations(lang).gettext
    values = {k: i18n.pick(v, lang) if isinstance(v, dict) else v for k, v in params.items()}
    subject, body = MESSAGES[key]
    return gettext(subject) % values, gettext(body) % values


def mail_bodies(lang: str, body: str, url: str | None, footer: str) -> tuple[str, str]:
    """Plain text and HTML of a mail: the message, its link, the footer."""
    link = f"\n\n{url}" if url else ""
    text = f"{body}{link}\n\n-- \n{footer}\n"
    html_link = f'<p><a href="{html.escape(url)}">{html.escape(url)}</a></p>' if url else ""
    page = (f'<!doctype html><html lang="{lang}"><body><p>{html.escape(body)}</p>{html_link}'
            f'<hr><p style="font-size:small">{html.escape(footer)}</p></body></html>')
    return text, page


def notify(store: Store, config: Config, member: dict[str, Any] | int, kind: str, *, url: str | None = None,
           variant: str | None = None, **params: Any) -> int | None:
    """Tell `member` about something of `kind`; returns the in-app notification id (None when off)."""
    if isinstance(member, int):
        member = members_store.get(store, member)  # type: ignore[assignment]
    if member is None or kind not in KINDS:
        raise ValueError(f"cannot notify {member!r} of {kind!r}")
    key = f"{kind}.{variant}" if variant else kind
    choice = channel(store, member["id"], kind)
    if choice == "off":
        return None
    notification = store_.add(store, member["id"], key, params, url)
    address = store_.email_of(store, member["id"])
    if choice == "email" and address and address["confirmed_at"]:
        lang = home_feed.reader_language(member)
        subject, body = render(key, params, lang)
        footer = i18n.translations(lang).gettext(FOOTER) % {"space": space_store.get(store)["name"],
                                                            "url": unsubscribe_url(config, member["id"], kind)}
        text, page = mail_bodies(lang, body, url, footer)
        mail.queue(store, config, to=address["address"], subject=subject, text=text, html=page, lang=lang,
                   unsubscribe_url=unsubscribe_url(config, member["id"], kind))
    return notification


def listing(store: Store, member_id: int, lang: str) -> list[dict[str, Any]]:
    """The member's recent notifications, rendered in their language, for the bell page."""
    rows = store_.recent(store, member_id)
    for row in rows:
        row["subject"], row["body"] = render(row["kind"], row["params"], lang) if row["kind"] in MESSAGES else (row["kind"], "")
    return rows
