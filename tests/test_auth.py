"""Signing in and out, CSRF, password change, language choice: through real HTTP."""

from __future__ import annotations

import pytest
from yarl import URL

from node.storage import members as members_store
from tests.web import PASSWORD, add_member, csrf_from, login


async def test_login_logout_roundtrip(node) -> None:
    add_member(node)
    http = node.client()
    assert await login(http) == 303
    async with http.get("/me/password") as resp:
        assert resp.status == 200
        assert "Change password" in await resp.text()
    token = await csrf_from(http, "/me/password")
    async with http.post("/logout", data={"csrf_token": token}, allow_redirects=False) as resp:
        assert resp.status == 303
    async with http.get("/me/password", allow_redirects=False) as resp:
        assert resp.status == 303
        assert resp.headers["Location"].startswith("/login?next=")


async def test_login_failures_say_the_same_thing(node) -> None:
    add_member(node)
    add_member(node, "bob", status="suspended")
    http = node.client()
    for username, password in [("alice", "wrong password!"), ("nobody", PASSWORD), ("bob", PASSWORD)]:
        token = await csrf_from(http, "/login")
        async with http.post("/login", data={"username": username, "password": password, "csrf_token": token}) as resp:
            assert resp.status == 401
            assert "Unknown username or wrong password." in await resp.text()


async def test_post_without_csrf_token_is_rejected(node) -> None:
    add_member(node)
    http = node.client()
    await csrf_from(http, "/login")  # the session exists, the token is not sent
    async with http.post("/login", data={"username": "alice", "password": PASSWORD}) as resp:
        assert resp.status == 403
    async with http.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": "forged"}) as resp:
        assert resp.status == 403
    token = await csrf_from(http, "/login")
    async with http.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token},
                         headers={"Origin": "https://evil.example"}) as resp:
        assert resp.status == 403
    async with http.get("/me/password", allow_redirects=False) as resp:
        assert resp.status == 303  # still signed out


async def test_password_change_checks_current_and_length(node) -> None:
    add_member(node)
    http = node.client()
    await login(http)
    token = await csrf_from(http, "/me/password")
    form = {"csrf_token": token, "current_password": "not it", "new_password": "a new long password", "confirm_password": "a new long password"}
    async with http.post("/me/password", data=form) as resp:
        assert resp.status == 400
    form |= {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"}
    async with http.post("/me/password", data=form) as resp:
        assert resp.status == 400
        assert "at least 10 characters" in await resp.text()
    token = await csrf_from(http, "/me/password")
    form |= {"csrf_token": token, "new_password": "a new long password", "confirm_password": "a new long password"}
    async with http.post("/me/password", data=form) as resp:
        assert resp.status == 200
    assert await login(node.client(), password="a new long password") == 303
    assert await login(node.client(), password=PASSWORD) == 401


async def test_a_password_change_signs_out_every_other_session(node) -> None:
    """Sessions live in the cookie: without a per-member version, a stolen or forgotten one outlived the password."""
    alice = add_member(node)
    laptop, phone = node.client(), node.client()
    assert await login(laptop) == 303 and await login(phone) == 303
    old_cookie = laptop.cookie_jar.filter_cookies(URL(node.url))["coffee_session"].value
    token = await csrf_from(laptop, "/me/password")
    new = "a brand new passphrase"
    async with laptop.post("/me/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                  "new_password": new, "confirm_password": new}) as resp:
        assert resp.status == 200
    async with laptop.get("/me/password", allow_redirects=False) as resp:
        assert resp.status == 200  # the session that changed it goes on
    async with phone.get("/me/password", allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"].startswith("/login")
    replay = node.client()
    replay.cookie_jar.update_cookies({"coffee_session": old_cookie})
    async with replay.get("/me/password", allow_redirects=False) as resp:
        assert resp.status == 303  # the laptop's cookie from before the change is dead too
    after = members_store.get(node.store, alice["id"])
    phone_token = await csrf_from(phone, "/login")
    async with phone.post("/me/password", allow_redirects=False, data={
            "csrf_token": phone_token, "current_password": new, "new_password": "x" * 20, "confirm_password": "x" * 20}) as resp:
        assert resp.status == 303  # to the login page: nothing changed
    assert members_store.get(node.store, alice["id"]) == after
    assert await login(node.client(), password=new) == 303


async def test_open_redirect_is_refused(node) -> None:
    add_member(node)
    http = node.client()
    token = await csrf_from(http, "/login")
    async with http.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token,
                                         "next": "//evil.example/"}, allow_redirects=False) as resp:
        assert resp.headers["Location"] == "/"


# Browsers drop tabs and newlines from a Location and read a backslash as a slash: each of these is `//evil.example`.
OFF_SITE = ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\\evil.example", "/\\/evil.example",
            "\\/evil.example", "//evil.example", "/\t\\evil.example", " //evil.example", "https://evil.example/"]


@pytest.mark.parametrize("target", OFF_SITE)
async def test_next_with_tabs_newlines_or_backslashes_stays_on_site(node, target) -> None:
    add_member(node)
    http = node.client()
    async with http.get("/lang/fr", params={"next": target}, allow_redirects=False) as resp:
        assert (resp.status, resp.headers["Location"]) == (303, "/")
    token = await csrf_from(http, "/login")
    async with http.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token,
                                         "next": target}, allow_redirects=False) as resp:
        assert (resp.status, resp.headers["Location"]) == (303, "/")
    async with http.get("/login", params={"next": target}, allow_redirects=False) as resp:  # signed in: straight on
        assert (resp.status, resp.headers["Location"]) == (303, "/")


async def test_non_ascii_csrf_token_is_a_403_not_a_500(node) -> None:
    alice = add_member(node)
    http = node.client()
    token = await csrf_from(http, "/login")
    async with http.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": "jeton-é"}) as resp:
        assert resp.status == 403
    async with http.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token + "é"}) as resp:
        assert resp.status == 403
    assert await login(http) == 303
    async with http.post("/logout", json={}, headers={"X-CSRF-Token": "jeton-é"}) as resp:
        assert resp.status == 403
    async with http.get("/me/password", allow_redirects=False) as resp:
        assert resp.status == 200  # the session is untouched
    assert members_store.get(node.store, alice["id"]) == alice


async def test_language_from_header_and_switcher(node) -> None:
    http = node.client()
    async with http.get("/login", headers={"Accept-Language": "nl-BE,nl;q=0.9"}) as resp:
        assert '<html lang="nl">' in await resp.text()
    async with http.get("/lang/fr?next=/login", allow_redirects=True) as resp:
        assert '<html lang="fr">' in await resp.text()
    async with http.get("/login", headers={"Accept-Language": "nl"}) as resp:
        assert '<html lang="fr">' in await resp.text()  # the explicit choice wins and is remembered


async def test_unknown_page_is_a_friendly_404(node) -> None:
    async with node.client().get("/nope") as resp:
        assert resp.status == 404
        assert "This page does not exist." in await resp.text()
    async with node.client().get("/nope", headers={"Accept-Language": "nl-BE,nl;q=0.9"}) as resp:
        assert resp.status == 404
        assert "Deze pagina bestaat niet." in await resp.text()  # in the visitor's language
