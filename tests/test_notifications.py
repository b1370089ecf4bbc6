"""Issue 13: in-app notifications, per-kind preferences, the public `notify` service other features use."""

from __future__ import annotations

import pytest

from node.services import notifications
from node.storage import notifications as notifications_store
from tests.web import add_member, login, submit


async def test_preferences_on_the_settings_page(node) -> None:
    member = add_member(node, "alice")
    http = node.client()
    await login(http, "alice")
    choices = {kind: "email" for kind in notifications.KINDS} | {"reminder": "off", "follow": "app"}
    status, _b, location = await submit(http, "/me/notifications", "/me/notifications", choices)
    assert (status, location) == (303, "/me/notifications")
    assert notifications.channel(node.store, member["id"], "reminder") == "off"
    assert notifications.notify(node.store, node.config, member, "reminder", event={"en": "Repair"}) is None
    assert notifications_store.unread(node.store, member["id"]) == 0  # off: nothing at all
    status, page, _l = await submit(http, "/me/notifications", "/me/notifications", choices | {"reminder": "loud"})
    assert status == 400 and 'role="alert"' in page
    assert notifications.channel(node.store, member["id"], "reminder") == "off"


async def test_a_local_follow_tells_the_followee(node) -> None:
    add_member(node, "bob")
    alice = add_member(node, "alice")
    http = node.client()
    await login(http, "bob")
    await submit(http, "/me/following", "/me/following", {"target": f"alice@{node.config.domain}"})
    (row,) = notifications.listing(node.store, alice["id"], "en")
    assert row["subject"] == "Bob follows you" and row["url"] == f"{node.url}/@bob"


async def test_notify_refuses_an_unknown_kind(node) -> None:
    member = add_member(node, "alice")
    with pytest.raises(ValueError):
        notifications.notify(node.store, node.config, member, "no-such-kind")
