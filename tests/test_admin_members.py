"""Admin pages for people through real HTTP: access, CSRF, suspension, roles, removal, invitations."""

from __future__ import annotations

import re

import pytest

from node.services import invitations, profiles, space
from node.storage import members as members_store
from tests.web import add_member, login, submit

ADMIN_PAGES = ["/admin", "/admin/members", "/admin/invitations", "/admin/members/1/remove"]


@pytest.fixture
async def admin_http(node):
    """A browser signed in as `ada`, the node's admin."""
    add_member(node, "ada", role="admin")
    http = node.client()
    assert await login(http, "ada") == 303
    return http


async def test_anonymous_visitors_are_sent_to_sign_in(node) -> None:
    http = node.client()
    for path in ADMIN_PAGES:
        async with http.get(path, allow_redirects=False) as resp:
            assert resp.status == 303, path
            assert resp.headers["Location"].startswith("/login?next=")


async def test_members_who_are_not_admins_get_403(node) -> None:
    add_member(node, "ada", role="admin")
    bea = add_member(node, "bea")
    http = node.client()
    await login(http, "bea")
    for path in ADMIN_PAGES:
        async with http.get(path) as resp:
            assert resp.status == 403, path
            assert "Only the space&#39;s admins" in await resp.text()
    status, _, _ = await submit(http, "/me/password", f"/admin/members/{bea['id']}/make-admin")
    assert status == 403
    status, _, _ = await submit(http, "/me/password", "/admin/invitations", {"username": "eve"})
    assert status == 403
    assert members_store.get(node.store, bea["id"])["role"] == "member"
    assert members_store.get_by_username(node.store, "eve") is None


async def test_dashboard_counts_members(node, admin_http) -> None:
    add_member(node, "bea", status="suspended")
    invitations.invite(node.store, node.config, username="cid")
    async with admin_http.get("/admin") as resp:
        page = await resp.text()
        assert resp.status == 200
        assert "Suspended" in page and "1 invitation waiting" in page
        assert 'href="/admin/space"' in page and 'href="/admin/members"' in page


async def test_members_table_lists_everyone_with_actions(node, admin_http) -> None:
    add_member(node, "bea")
    async with admin_http.get("/admin/members") as resp:
        page = await resp.text()
    assert "Bea" in page and "ada" in page
    assert page.count('name="csrf_token"') >= 5  # sign-out, and one per action button
    assert "/remove" in page


async def test_admin_action_without_csrf_token_is_rejected(node, admin_http) -> None:
    bea = add_member(node, "bea")
    async with admin_http.post(f"/admin/members/{bea['id']}/suspend", data={}) as resp:
        assert resp.status == 403
    async with admin_http.post(f"/admin/members/{bea['id']}/suspend", data={"csrf_token": "forged"}) as resp:
        assert resp.status == 403
    assert members_store.get(node.store, bea["id"])["status"] == "active"


async def test_suspension_ends_the_members_session_at_once(node, admin_http) -> None:
    bea = add_member(node, "bea")
    bea_http = node.client()
    await login(bea_http, "bea")
    async with bea_http.get("/me/password", allow_redirects=False) as resp:
        assert resp.status == 200
    status, _, location = await submit(admin_http, "/admin/members", f"/admin/members/{bea['id']}/suspend")
    assert (status, location) == (303, "/admin/members")
    async with bea_http.get("/me/password", allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"].startswith("/login")
    async with admin_http.get("/admin/members") as resp:
        assert "bea is suspended and signed out." in await resp.text()
    async with admin_http.get("/admin/members") as resp:
        assert "bea is suspended" not in await resp.text()  # the notice is shown once
    status, _, _ = await submit(admin_http, "/admin/members", f"/admin/members/{bea['id']}/reactivate")
    assert status == 303
    assert await login(node.client(), "bea") == 303


async def test_roles_change_but_the_last_admin_stays(node, admin_http) -> None:
    ada = members_store.get_by_username(node.store, "ada")
    bea = add_member(node, "bea")
    status, page, _ = await submit(admin_http, "/admin/members", f"/admin/members/{ada['id']}/make-member")
    assert status == 409 and "last active admin" in page
    status, page, _ = await submit(admin_http, "/admin/members", f"/admin/members/{ada['id']}/suspend")
    assert status == 409 and "last active admin" in page
    status, _, _ = await submit(admin_http, "/admin/members", f"/admin/members/{bea['id']}/make-admin")
    assert status == 303
    assert members_store.get(node.store, bea["id"])["role"] == "admin"
    status, _, _ = await submit(admin_http, "/admin/members", f"/admin/members/{ada['id']}/make-member")
    assert status == 303
    async with admin_http.get("/admin", allow_redirects=False) as resp:
        assert resp.status == 403  # ada is a member now


async def test_removal_asks_first_and_refuses_the_last_admin(node, admin_http) -> None:
    ada = members_store.get_by_username(node.store, "ada")
    bea = add_member(node, "bea")
    async with admin_http.get(f"/admin/members/{bea['id']}/remove") as resp:
        page = await resp.text()
        assert resp.status == 200 and "cannot be undone" in page
    assert members_store.get(node.store, bea["id"]) is not None  # looking at the page removes nothing
    status, _, location = await submit(admin_http, f"/admin/members/{bea['id']}/remove", f"/admin/members/{bea['id']}/remove")
    assert (status, location) == (303, "/admin/members")
    assert members_store.get(node.store, bea["id"]) is None
    status, page, _ = await submit(admin_http, f"/admin/members/{ada['id']}/remove", f"/admin/members/{ada['id']}/remove")
    assert status == 409 and "last active admin" in page
    assert members_store.get(node.store, ada["id"]) is not None
    async with admin_http.get("/admin/members/999/remove") as resp:
        assert resp.status == 404


async def test_invitation_form_reports_bad_usernames(node, admin_http) -> None:
    add_member(node, "bea")
    for username, status_code, reason in [("admin", 400, "reserved"), ("BEA", 409, "already taken"),
                                           ("no way", 400, "1 to 30 characters"), ("mutualab", 400, "reserved")]:
        status, page, _ = await submit(admin_http, "/admin/invitations", "/admin/invitations",
                                       {"username": username, "display_name": "X", "role": "member"})
        assert status == status_code and reason in page, username
        assert f'value="{username}"' in page  # the form keeps what was typed
        assert 'id="invite-url"' not in page


async def test_pending_invitations_can_be_renewed_and_withdrawn(node, admin_http) -> None:
    member, token, _url = invitations.invite(node.store, node.config, username="cid", display_name="Cid")
    async with admin_http.get("/admin/invitations") as resp:
        page = await resp.text()
        assert "cid" in page and "Cid" in page and token not in page
    status, page, _ = await submit(admin_http, "/admin/invitations", f"/admin/invitations/{member['id']}/renew")
    assert status == 200 and 'id="invite-url"' in page and token not in page
    async with node.client().get(f"/invite/{token}") as resp:
        assert resp.status == 404  # the earlier link stopped working
    status, _, location = await submit(admin_http, "/admin/invitations", f"/admin/invitations/{member['id']}/revoke")
    assert (status, location) == (303, "/admin/invitations")
    assert members_store.get(node.store, member["id"]) is None
    async with admin_http.get("/admin/invitations") as resp:
        assert "The invitation of cid was withdrawn." in await resp.text()


FORM_LIMITS = [  # (page, field, the service's limit)
    ("/admin/invitations", "display_name", profiles.MAX_LENGTHS["display_name"]),
    ("/me/edit", "display_name", profiles.MAX_LENGTHS["display_name"]),
    ("/me/edit", "organisation", profiles.MAX_LENGTHS["organisation"]),
    ("/admin/space", "name", space.MAX_LENGTHS["name"]),
    ("/admin/space", "region", space.MAX_LENGTHS["region"]),
]


async def test_each_text_field_has_one_limit_shown_in_its_form(admin_http) -> None:
    """Issue 10, bug 5: the invitation's name took 100 characters in the form and the server refused
    more than 80; the space's name was cut at 120 by the browser without a word."""
    for page, field, limit in FORM_LIMITS:
        async with admin_http.get(page) as resp:
            html = await resp.text()
        tag = re.search(rf'<input id="{field}" name="{field}"[^>]*>', html)
        assert tag and f'maxlength="{limit}"' in tag.group(0), (page, field, tag and tag.group(0))
        assert f'aria-describedby="{field}-limit"' in tag.group(0), (page, field)
        assert f'<p class="help" id="{field}-limit">At most {limit} characters.</p>' in html, (page, field)
    limit = profiles.MAX_LENGTHS["display_name"]
    status, _body, _location = await submit(admin_http, "/admin/invitations", "/admin/invitations",
                                            {"username": "longname", "display_name": "é" * limit, "role": "member"})
    assert status == 200  # the longest name the form lets through is accepted
    status, body, _location = await submit(admin_http, "/admin/invitations", "/admin/invitations",
                                           {"username": "toolong", "display_name": "é" * (limit + 1), "role": "member"})
    assert status == 400 and f"at most {limit} characters" in body
