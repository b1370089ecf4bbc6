"""Issue 13, Done-means 3: e-mails through a real SMTP server on 127.0.0.1 (aiosmtpd).

Invitation, registration answer, event cancelled, reminder and password reset, each in
French and Dutch; a mail server down at first then up; one-click unsubscribe; header injection.
"""

from __future__ import annotations

import re
import socket
from datetime import datetime, timedelta, timezone

import pytest

from node.appkeys import CONFIG, MAIL
from node.errors import InvalidInput
from node.services import event_notices, mail, notifications
from node.services import events as ev
from node.storage import mail as mail_store
from node.storage import notifications as notifications_store
from tests.federation_network.helpers import eventually
from tests.mailserver import Inbox, body, start_smtp
from tests.web import add_member, csrf_from, login, submit

SENDER = "coffee@mutualab.example"


async def with_mail(node, port: int) -> None:
    toml = node.config.data_dir / "node.toml"
    toml.write_text(toml.read_text() + f'\n[mail]\nhost = "127.0.0.1"\nport = {port}\nstarttls = false\nfrom = "{SENDER}"\n')
    await node.restart()
    node.config = node.app[CONFIG]  # the restarted node reads [mail]


@pytest.fixture
async def smtp():
    inbox = Inbox()
    server, port = await start_smtp(inbox)
    inbox.port = port  # type: ignore[attr-defined]
    yield inbox
    server.close()
    await server.wait_closed()


@pytest.fixture
async def mail_node(node_factory, smtp):
    node = await node_factory(name="Mutualab", country="FR", city="Lille")
    await with_mail(node, smtp.port)
    return node


def member_with_email(node, username: str, lang: str) -> dict:
    member = add_member(node, username)
    from node.storage import members as members_store
    members_store.update(node.store, member["id"], languages=[lang])
    address = f"{username}@example.org"
    notifications_store.set_email(node.store, member["id"], address, confirmed=True)
    return members_store.get(node.store, member["id"])


def future_event(node, hours: float = 24 * 10, **extra) -> dict:
    start = datetime.now(timezone.utc).astimezone() + timedelta(hours=hours)
    values = {"name": {"fr": "Atelier vélo", "nl": "Fietsatelier"}, "timezone": "Europe/Brussels",
              "start": start.astimezone(timezone(timedelta(hours=1))).strftime("%Y-%m-%dT%H:%M"),
              "end": (start + timedelta(hours=2)).astimezone(timezone(timedelta(hours=1))).strftime("%Y-%m-%dT%H:%M")}
    return ev.create_event(node.store, node.config, values | extra, by=None)


def register(node, event: dict, member: dict) -> str:
    attendee = ev.member_attendee(node.config, {"country": "FR"}, member)
    return ev.register(node.store, event["id"], attendee)


async def received(smtp: Inbox, address: str, count: int = 1) -> list:
    return await eventually(lambda: smtp.to(address) if len(smtp.to(address)) >= count else None)


LANGS = {
    "fr": {"registration": "Vous êtes inscrit·e à Atelier vélo", "cancelled": "Atelier vélo est annulé",
           "reminder": "Demain : Atelier vélo", "invitation": "Vous êtes invité·e à rejoindre Mutualab",
           "reset": "Réinitialisez votre mot de passe sur Mutualab"},
    "nl": {"registration": "Je bent ingeschreven voor Fietsatelier", "cancelled": "Fietsatelier is geannuleerd",
           "reminder": "Morgen: Fietsatelier", "invitation": "Je bent uitgenodigd bij Mutualab",
           "reset": "Stel je wachtwoord opnieuw in bij Mutualab"},
}


@pytest.mark.parametrize("lang", ["fr", "nl"])
async def test_registration_answer_cancellation_and_reminder_mails(mail_node, smtp, lang) -> None:
    node = mail_node
    member = member_with_email(node, "alice", lang)
    event = future_event(node, registration="approval")
    assert register(node, event, member) == "pending"
    # the organiser accepts: Alice gets an e-mail in her language, text and HTML, with one-click unsubscribe
    ev.decide(node.store, node.config, event["uuid"], f"{node.url}/@alice", accept=True, by=None)
    node.app[MAIL].wake()
    (answer,) = await received(smtp, "alice@example.org")
    assert answer["Subject"] == LANGS[lang]["registration"]
    assert answer["From"] == SENDER and answer["Content-Language"] == lang
    assert f"{node.url}/events/{event['uuid']}" in body(answer) and "<a href=" in body(answer, "html")
    unsubscribe = notifications.unsubscribe_url(node.config, member["id"], "registration")
    assert answer["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert answer["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # the event is cancelled
    ev.cancel_event(node.store, node.config, event["uuid"], by=None)
    node.app[MAIL].wake()
    cancelled = (await received(smtp, "alice@example.org", 2))[1]
    assert cancelled["Subject"] == LANGS[lang]["cancelled"]
    # a reminder the day before another event she registered for, once
    soon = future_event(node, hours=20)
    assert register(node, soon, member) == "accepted"
    assert event_notices.send_reminders(node.store, node.config, datetime.now(timezone.utc)) == 1
    assert event_notices.send_reminders(node.store, node.config, datetime.now(timezone.utc)) == 0
    node.app[MAIL].wake()
    reminder = (await received(smtp, "alice@example.org", 3))[2]
    assert reminder["Subject"] == LANGS[lang]["reminder"]
    # and the bell counts three unread notifications
    assert notifications_store.unread(node.store, member["id"]) == 3


@pytest.mark.parametrize("lang", ["fr", "nl"])
async def test_invitation_by_email(mail_node, smtp, lang) -> None:
    add_member(mail_node, "boss", role="admin")
    http = mail_node.client()
    await login(http, "boss")
    status, page, _l = await submit(http, "/admin/invitations", "/admin/invitations",
                                    {"username": "zoe", "display_name": "Zoé", "role": "member",
                                     "email": "zoe@example.org", "language": lang})
    assert status == 200 and "zoe@example.org" in page
    (invitation,) = await received(smtp, "zoe@example.org")
    assert invitation["Subject"] == LANGS[lang]["invitation"]
    link = re.search(r"http://\S+/invite/\S+", body(invitation)).group(0)
    assert link in page  # the same one-time link the admin sees
    assert "List-Unsubscribe" not in invitation  # not a subscription: nothing to unsubscribe from


@pytest.mark.parametrize("lang", ["fr", "nl"])
async def test_password_reset_by_email_once_within_the_hour(mail_node, smtp, lang) -> None:
    member_with_email(mail_node, "alice", lang)
    http = mail_node.client()
    await http.get(f"/lang/{lang}")
    status, known, _l = await submit(http, "/password/forgot", "/password/forgot", {"email": "alice@example.org"})
    assert status == 200
    (reset,) = await received(smtp, "alice@example.org")
    assert reset["Subject"] == LANGS[lang]["reset"]
    link = re.search(r"http://\S+/password/reset\?token=\S+", body(reset)).group(0)
    # an unknown address gets the very same page and no mail
    status, unknown, _l = await submit(http, "/password/forgot", "/password/forgot", {"email": "nobody@example.org"})
    strip = lambda html: re.sub(r'name="csrf_token" value="[^"]*"', "", html)  # noqa: E731
    assert status == 200 and strip(unknown) == strip(known)
    path = link.removeprefix(mail_node.url)
    status, _b, location = await submit(http, path, "/password/reset",
                                        {"token": path.split("token=")[1], "password": "a new long password"})
    assert (status, location) == (303, "/login")
    assert await login(mail_node.client(), "alice", "a new long password") == 303
    status, again, _l = await submit(http, path, "/password/reset",
                                     {"token": path.split("token=")[1], "password": "another long password"})
    assert status == 400 and 'role="alert"' in again  # single use
    assert await login(mail_node.client(), "alice", "another long password") != 303
    assert len(smtp.messages) == 1


async def test_password_reset_link_expires_after_an_hour(mail_node, smtp) -> None:
    member_with_email(mail_node, "alice", "fr")
    from node.services import account_email
    account_email.request_reset(mail_node.store, mail_node.config, "alice@example.org", "fr")
    mail_node.store.db.execute("UPDATE email_tokens SET expires_at = ?",
                               [(datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()])
    (reset,) = await received(smtp, "alice@example.org")
    token = re.search(r"token=(\S+)", body(reset)).group(1)
    with pytest.raises(InvalidInput):
        account_email.reset(mail_node.store, token, "a new long password")


async def test_a_mail_server_down_at_first_loses_nothing(node_factory) -> None:
    placeholder = socket.socket()
    placeholder.bind(("127.0.0.1", 0))  # reserved, not listening: connection refused
    port = placeholder.getsockname()[1]
    node = await node_factory(name="Mutualab", country="FR", city="Lille")
    await with_mail(node, port)
    member = member_with_email(node, "alice", "nl")
    notifications.notify(node.store, node.config, member, "event_cancelled", url=f"{node.url}/events/x",
                         event={"nl": "Fietsatelier"})
    # Given the server is down, the first attempt fails and is rescheduled
    assert await mail.send_due(node.store, node.config) == 1
    row = node.store.db.execute("SELECT state, attempts, last_error, next_attempt_at FROM mail_outbox").fetchone()
    assert row[0] == "queued" and row[1] == 1 and row[2]
    # When it is up, the retry (once due) delivers the mail
    placeholder.close()
    inbox = Inbox()
    server, _port = await start_smtp(inbox, port)
    try:
        later = datetime.fromisoformat(row[3]) + timedelta(seconds=1)
        assert await mail.send_due(node.store, node.config, now=later) == 1
        assert [m["Subject"] for m in inbox.messages] == ["Fietsatelier is geannuleerd"]
        assert mail_store.counts(node.store) == {"sent": 1}
    finally:
        server.close()
        await server.wait_closed()


async def test_unsubscribe_through_the_link_and_one_click_post(mail_node, smtp) -> None:
    alice = member_with_email(mail_node, "alice", "fr")
    bob = member_with_email(mail_node, "bob", "fr")
    url = notifications.unsubscribe_url(mail_node.config, alice["id"], "reminder")
    path = url.removeprefix(mail_node.url)
    anonymous = mail_node.client()
    # the link: a page with a button, no login; only the POST changes anything
    async with anonymous.get(path) as resp:
        assert resp.status == 200 and "<form" in await resp.text()
    assert notifications.channel(mail_node.store, alice["id"], "reminder") == "email"
    async with anonymous.post(path) as resp:
        assert resp.status == 200
    assert notifications.channel(mail_node.store, alice["id"], "reminder") == "app"
    # RFC 8058 one-click POST, as a mail client sends it (no cookie, no CSRF token)
    one_click = notifications.unsubscribe_url(mail_node.config, alice["id"], "event_cancelled").removeprefix(mail_node.url)
    async with mail_node.client().post(one_click, data={"List-Unsubscribe": "One-Click"}) as resp:
        assert resp.status == 200
    assert notifications.channel(mail_node.store, alice["id"], "event_cancelled") == "app"
    # the link is only good for its own member and kind
    token = path.rsplit("/", 1)[1]
    for forged in (f"/unsubscribe/{bob['id']}/reminder/{token}", f"/unsubscribe/{alice['id']}/registration/{token}",
                   f"/unsubscribe/{alice['id']}/nothing/{token}", f"/unsubscribe/x/reminder/{token}"):
        async with mail_node.client().post(forged) as resp:
            assert resp.status == 404, forged
    assert notifications.channel(mail_node.store, bob["id"], "reminder") == "email"
    assert notifications.channel(mail_node.store, alice["id"], "registration") == "email"
    # unsubscribed: in the app still, no more mail
    notifications.notify(mail_node.store, mail_node.config, alice, "reminder", event={"fr": "Atelier"})
    assert mail_store.counts(mail_node.store) == {}
    assert notifications_store.unread(mail_node.store, alice["id"]) == 1


async def test_header_injection_is_refused(mail_node, smtp) -> None:
    member = add_member(mail_node, "alice")
    http = mail_node.client()
    await login(http, "alice")
    for address in ("alice@example.org\r\nBcc: victim@example.org", "alice@example.org\nBcc: x@y.org", "Alice <a@b.org>"):
        status, page, _l = await submit(http, "/me/notifications", "/me/email", {"email": address})
        assert status == 400 and 'role="alert"' in page
    assert notifications_store.email_of(mail_node.store, member["id"]) is None
    assert mail_store.counts(mail_node.store) == {}
    with pytest.raises(InvalidInput):
        mail.compose(mail_node.config.mail, to="a@b.org", subject="Hi\r\nBcc: x@y.org", text="t", html="h", lang="en")


async def test_email_address_confirmed_by_link(mail_node, smtp) -> None:
    member = add_member(mail_node, "alice")
    http = mail_node.client()
    await login(http, "alice")
    status, _b, location = await submit(http, "/me/notifications", "/me/email", {"email": "alice@example.org"})
    assert (status, location) == (303, "/me/notifications")
    assert not notifications_store.email_of(mail_node.store, member["id"])["confirmed_at"]
    (confirm,) = await received(smtp, "alice@example.org")
    link = re.search(r"http://\S+/me/email/confirm\?token=\S+", body(confirm)).group(0)
    async with mail_node.client().get(link.removeprefix(mail_node.url)) as resp:
        assert resp.status == 200
    assert notifications_store.email_of(mail_node.store, member["id"])["confirmed_at"]
    async with mail_node.client().get(link.removeprefix(mail_node.url)) as resp:
        assert resp.status == 404  # single use


async def test_without_mail_the_node_works_and_the_admin_page_says_so(node) -> None:
    add_member(node, "boss", role="admin")
    member = member_with_email(node, "alice", "fr")
    notifications.notify(node.store, node.config, member, "reminder", event={"fr": "Atelier"})
    assert mail_store.counts(node.store) == {} and notifications_store.unread(node.store, member["id"]) == 1
    http = node.client()
    await login(http, "boss")
    async with http.get("/admin") as resp:
        assert "E-mail is off" in await resp.text()
    alice = node.client()
    await login(alice, "alice")
    async with alice.get("/") as resp:
        assert 'class="badge"' in await resp.text()
    async with alice.get("/notifications") as resp:
        assert resp.status == 200
    assert notifications_store.unread(node.store, member["id"]) == 0
