"""Invitations through real HTTP: an admin invites in one browser, the invitee joins in another."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from node.services import invitations
from node.storage import members as members_store
from node.timeutil import now
from tests.web import add_member, csrf_from, login, submit

NEW_PASSWORD = "my own new password"
LINK = re.compile(r'id="invite-url"[^>]*value="([^"]+)"')


async def invite_through_admin(http, username: str = "bea", name: str = "Béa Dupont") -> str:
    status, page, _ = await submit(http, "/admin/invitations", "/admin/invitations",
                                   {"username": username, "display_name": name, "role": "member"})
    assert status == 200, page
    match = LINK.search(page)
    assert match, "the one-time link is shown after inviting"
    return html.unescape(match.group(1))


async def accept(http, path: str, password: str = NEW_PASSWORD, confirm: str | None = None,
                 visibility: str = "local") -> tuple[int, str, str | None]:
    """Fill in the invitation page at `path` (its own CSRF token) and submit it."""
    return await submit(http, path, path, {"password": password, "confirm_password": confirm or password,
                                           "visibility": visibility})


async def test_invite_accept_and_sign_in_in_separate_browsers(node) -> None:
    add_member(node, "ada", role="admin")
    admin_browser = node.client()
    await login(admin_browser, "ada")
    url = await invite_through_admin(admin_browser)
    assert url.startswith(f"{node.url}/invite/")

    invitee = node.client()
    path = url.removeprefix(node.url)
    async with invitee.get(path) as resp:
        page = await resp.text()
        assert resp.status == 200
        assert "bea" in page and "Mutualab" in page and 'type="password"' in page
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert "no-store" in resp.headers["Cache-Control"]
    status, _, location = await accept(invitee, path)
    assert (status, location) == (303, "/me/edit?welcome=1")
    async with invitee.get("/me/password", allow_redirects=False) as resp:
        assert resp.status == 200  # signed in by accepting

    assert members_store.get_by_username(node.store, "bea")["status"] == "active"
    assert await login(node.client(), "bea", NEW_PASSWORD) == 303
    async with admin_browser.get("/admin/invitations") as resp:
        page = await resp.text()
        assert path not in page  # shown once, never again
        assert "No invitation is waiting" in page


async def test_a_used_link_is_refused(node) -> None:
    _member, token, _url = invitations.invite(node.store, node.config, username="bea")
    first = node.client()
    assert (await accept(first, f"/invite/{token}"))[0] == 303
    second = node.client()
    async with second.get(f"/invite/{token}") as resp:
        assert resp.status == 400
        assert "already used" in await resp.text()
    status, page, _ = await submit(second, "/login", f"/invite/{token}",
                                   {"password": "another password!", "confirm_password": "another password!"})
    assert status == 400 and "already used" in page
    assert await login(node.client(), "bea", "another password!") == 401


async def test_an_expired_link_is_refused(node) -> None:
    member, token, _url = invitations.invite(node.store, node.config, username="bea")
    node.store.db.execute("UPDATE invitations SET expires_at = ? WHERE member_id = ?",
                          [(now() - timedelta(seconds=1)).isoformat(timespec="seconds"), member["id"]])
    http = node.client()
    async with http.get(f"/invite/{token}") as resp:
        assert resp.status == 400
        text = await resp.text()
        assert "expired" in text and 'type="password"' not in text
    status, _, _ = await submit(http, "/login", f"/invite/{token}",
                                {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert status == 400
    assert members_store.get(node.store, member["id"])["status"] == "invited"


async def test_an_unknown_link_is_not_found(node) -> None:
    async with node.client().get("/invite/not-a-real-token") as resp:
        assert resp.status == 404
        assert "not valid" in await resp.text()
        assert resp.headers["Referrer-Policy"] == "no-referrer"


async def test_a_refused_password_keeps_the_link_usable(node) -> None:
    _member, token, _url = invitations.invite(node.store, node.config, username="bea")
    http = node.client()
    status, page, _ = await accept(http, f"/invite/{token}", NEW_PASSWORD, "something else entirely")
    assert status == 400 and "The two passwords differ." in page
    status, page, _ = await accept(http, f"/invite/{token}", "short")
    assert status == 400 and "at least 10 characters" in page
    assert (await accept(http, f"/invite/{token}"))[0] == 303


async def test_accepting_needs_the_csrf_token(node) -> None:
    _member, token, _url = invitations.invite(node.store, node.config, username="bea")
    http = node.client()
    await csrf_from(http, f"/invite/{token}")
    form = {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    async with http.post(f"/invite/{token}", data=form, allow_redirects=False) as resp:
        assert resp.status == 403
    assert members_store.get_by_username(node.store, "bea")["status"] == "invited"


async def test_the_invitation_page_asks_who_may_see_the_profile_with_the_three_choices_explained(node) -> None:
    """Issue 10, bug 14: a new member was left at "this space only" without being told what it means
    for the network catalogue."""
    _member, token, _url = invitations.invite(node.store, node.config, username="bea")
    http = node.client()
    http.cookie_jar.update_cookies({"lang": "fr"})
    async with http.get(f"/invite/{token}") as resp:
        page = html.unescape(await resp.text())
    for code in ("public", "network", "local"):
        assert f'name="visibility" value="{code}"' in page and f'id="visibility-{code}-help"' in page
    assert 'value="local" checked' in page  # what the space chose, until the person decides
    assert "catalogue" in page and "Tout le monde sur le web" in page and "Rien ne quitte ce serveur" in page
    status, page, _location = await submit(http, f"/invite/{token}", f"/invite/{token}",
                                           {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD, "visibility": "everyone"})
    assert status == 400 and members_store.get_by_username(node.store, "bea")["status"] == "invited"
    assert (await accept(http, f"/invite/{token}", visibility="network"))[0] == 303
    bea = members_store.get_by_username(node.store, "bea")
    assert (bea["status"], bea["visibility"]) == ("active", "network")
