"""E-mail: compose (plain text + HTML, RFC 8058 one-click unsubscribe), queue durably, send with retries.

Messages are composed when queued and kept whole in `mail_outbox`, so a mail server
that is down loses nothing: the mail worker retries with backoff. Without `[mail]`
in node.toml nothing is queued and the node works the same.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any

import aiosmtplib

from node.config import Config, MailConfig
from node.errors import InvalidInput
from node.storage import mail as mail_store
from node.storage.db import Store

log = logging.getLogger("coffee.mail")
MAX_ATTEMPTS = 8


def _clean_header(value: str, field: str) -> str:
    """Newlines in a header value would let someone add headers (Bcc: ...): refused, not stripped."""
    if any(c in value for c in "\r\n\0"):
        raise InvalidInput("Line breaks are not allowed in an e-mail address, name or subject.", field=field)
    return value.strip()


def compose_check(address: str) -> str:
    """An address we may put in a To header: one @, no spaces, no line breaks."""
    address = _clean_header(address, "email")
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or any(c in address for c in " <>,;\"") or len(address) > 254:
        raise InvalidInput("Enter a valid e-mail address.", field="email")
    return address


def compose(mail: MailConfig, *, to: str, subject: str, text: str, html: str, lang: str,
            unsubscribe_url: str | None = None) -> EmailMessage:
    to, subject = compose_check(to), _clean_header(subject, "subject")
    message = EmailMessage(policy=SMTP)
    message["From"] = mail.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = lang  # after the bodies: set_content drops Content-* headers
    return message


def queue(store: Store, config: Config, **fields: Any) -> int | None:
    """Compose and store a mail for the worker; None when e-mail is off (no [mail])."""
    if config.mail is None:
        log.info("mail.disabled", extra={"subject": fields.get("subject", "")})
        return None
    message = compose(config.mail, **fields)
    row_id = mail_store.add(store, message["To"], message.as_string())
    log.info("mail.queued", extra={"mail": row_id})
    return row_id


def backoff(attempt: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempt - 1), 3600))


async def send_due(store: Store, config: Config, now: datetime | None = None) -> int:
    """Send every due mail once; failures are rescheduled (or given up after MAX_ATTEMPTS)."""
    if config.mail is None:
        return 0
    now = now or datetime.now(timezone.utc)
    rows = mail_store.due(store, now.isoformat())
    for row in rows:
        try:
            await _send(config.mail, row)
        except (aiosmtplib.SMTPException, OSError) as exc:
            attempt = row["attempts"] + 1
            mail_store.reschedule(store, row["id"], f"{type(exc).__name__}: {exc}", (now + backoff(attempt)).isoformat(),
                                  give_up=attempt >= MAX_ATTEMPTS)
            log.info("mail.retry_scheduled", extra={"mail": row["id"], "attempt": attempt, "error": str(exc)})
            continue
        mail_store.mark_sent(store, row["id"])
        log.info("mail.sent", extra={"mail": row["id"]})
    return len(rows)


async def _send(mail: MailConfig, row: dict[str, Any]) -> None:
    await aiosmtplib.send(row["message"].encode("utf-8"), sender=mail.sender, recipients=[row["recipient"]],
                          hostname=mail.host, port=mail.port, start_tls=mail.starttls,
                          username=mail.username or None, password=mail.password(), timeout=15)
