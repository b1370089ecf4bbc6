"""The network pages: an admin follows and approves through the web, blocks a domain; a member follows a space."""

from __future__ import annotations

import html

from federation.errors import UnsafeAddressError
from node import i18n
from node.services import follows as follows_service
from node.storage import domains as domains_store
from node.storage import members as members_store
from tests.federation_network.helpers import eventually, handle, peer
from tests.web import add_member, login, submit


def accepted(node, follower: str, followee: str) -> bool:
    row = node.store.db.execute("SELECT state FROM follows WHERE follower = ? AND followee = ?",
                                [follower, followee]).fetchone()
    return bool(row and row[0] == "accepted")


async def test_admin_follows_a_space_from_the_network_page(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    add_member(lille, "boss", role="admin")
    http = lille.client()
    assert await login(http, "boss") == 303
    status, _body, location = await submit(http, "/admin/federation", "/admin/federation/follow",
                                           {"target": handle(tournai)})
    assert (status, location) == (303, "/admin/federation")
    await eventually(lambda: accepted(lille, f"{lille.url}/", f"{tournai.url}/"))
    async with http.get("/admin/federation") as resp:
        page = await resp.text()
    assert "ESCO Tournai" in page and "accepted" in page


async def test_manual_approval_from_the_followed_side(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    toml = tournai.config.data_dir / "node.toml"
    toml.write_text(toml.read_text().replace("manual_approval = false", "manual_approval = true"))
    await tournai.restart()
    add_member(lille, "boss", role="admin")
    add_member(tournai, "chef", role="admin")
    lille_http, tournai_http = lille.client(), tournai.client()
    await login(lille_http, "boss")
    await login(tournai_http, "chef")
    await submit(lille_http, "/admin/federation", "/admin/federation/follow", {"target": handle(tournai)})
    await eventually(lambda: tournai.store.db.execute(
        "SELECT 1 FROM follows WHERE follower = ? AND state = 'pending'", [f"{lille.url}/"]).fetchone())
    async with tournai_http.get("/admin/federation") as resp:
        assert "Follow requests wait for your approval." in await resp.text()
    # the admins hear of it (issue 13): "Mutualab asks to follow you", linking to the approval page
    from node.services import notifications
    from node.storage import members as members_store
    chef = members_store.get_by_username(tournai.store, "chef")
    (told,) = notifications.listing(tournai.store, chef["id"], "en")
    assert told["subject"] == "Mutualab asks to follow you" and told["url"] == f"{tournai.url}/admin/federation"
    status, _b, _l = await submit(tournai_http, "/admin/federation", "/admin/federation/answer",
                                  {"follower": f"{lille.url}/", "decision": "accept"})
    assert status == 303
    await eventually(lambda: accepted(lille, f"{lille.url}/", f"{tournai.url}/"))


async def test_blocks_from_the_page_and_access_rules(node) -> None:
    add_member(node, "boss", role="admin")
    add_member(node, "alice")
    admin, member, anonymous = node.client(), node.client(), node.client()
    await login(admin, "boss")
    await login(member, "alice")
    status, _b, _l = await submit(admin, "/admin/federation", "/admin/federation/block", {"domain": "spam.example", "reason": "spam"})
    assert status == 303 and domains_store.is_blocked(node.store, "spam.example")
    status, body, _l = await submit(admin, "/admin/federation", "/admin/federation/block", {"domain": "https://x.example/"})
    assert status == 400 and "not a URL" in body
    async with member.get("/admin/federation") as resp:
        assert resp.status == 403
    async with anonymous.get("/admin/federation", allow_redirects=False) as resp:
        assert resp.status == 303
    async with admin.post("/admin/federation/unblock", data={"domain": "spam.example"}) as resp:
        assert resp.status == 403  # no CSRF token
    assert domains_store.is_blocked(node.store, "spam.example")


async def test_a_member_follows_a_space_from_home(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    await peer(lille, tournai)  # Tournai may read a `network` profile of Lille's (to check her Follow's signature)
    member = add_member(lille, "alice")
    http = lille.client()
    await login(http, "alice")
    status, body, _l = await submit(http, "/me/following", "/me/following", {"target": handle(tournai)})
    assert status == 400 and "visible to the network" in body  # a local member has no public actor
    members_store.update(lille.store, member["id"], visibility="network")
    status, _b, location = await submit(http, "/me/following", "/me/following", {"target": handle(tournai)})
    assert (status, location) == (303, "/me/following")
    await eventually(lambda: accepted(lille, f"{lille.url}/@alice", f"{tournai.url}/"))


async def test_removing_or_suspending_a_member_removes_them_from_other_nodes(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    from node.storage import actors as actors_store
    from tests.federation_network.helpers import follow, set_member

    await follow(lille, tournai)
    add_member(tournai, "chef", role="admin")
    for username in ("bram", "ines"):
        set_member(tournai, username, visibility="public")
        await eventually(lambda u=username: actors_store.get(lille.store, f"{tournai.url}/@{u}"))
    http = tournai.client()
    await login(http, "chef")
    bram = members_store.get_by_username(tournai.store, "bram")
    ines = members_store.get_by_username(tournai.store, "ines")
    status, _b, _l = await submit(http, "/admin/members", f"/admin/members/{bram['id']}/suspend")
    assert status == 303
    status, _b, _l = await submit(http, f"/admin/members/{ines['id']}/remove", f"/admin/members/{ines['id']}/remove")
    assert status == 303
    await eventually(lambda: actors_store.get(lille.store, f"{tournai.url}/@bram") is None)
    await eventually(lambda: actors_store.get(lille.store, f"{tournai.url}/@ines") is None)
    async with tournai.client().get("/@ines", headers={"Accept": "application/activity+json"}) as resp:
        assert resp.status == 410


async def test_profile_and_space_edits_from_the_web_reach_followers(node_factory) -> None:
    from node.storage import actors as actors_store
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    await peer(lille, tournai)  # Bram's `network` profile reaches Lille only if they are peers
    add_member(tournai, "bram")
    add_member(tournai, "chef", role="admin")
    bram_http, chef_http = tournai.client(), tournai.client()
    await login(bram_http, "bram")
    await login(chef_http, "chef")

    form = {"display_name": "Bram Peeters", "visibility": "network", "languages": "nl"}
    status, body, _l = await submit(bram_http, "/me/edit", "/me/edit", form)
    assert status == 303, body[:500]
    stored = await eventually(lambda: actors_store.get(lille.store, f"{tournai.url}/@bram"))
    assert stored["name"] == "Bram Peeters"

    status, _b, _l = await submit(bram_http, "/me/edit", "/me/edit", form | {"visibility": "local"})
    assert status == 303
    await eventually(lambda: actors_store.get(lille.store, f"{tournai.url}/@bram") is None)

    space_form = {"name": "ESCO Tournai coworking", "country": "BE", "city": "Tournai", "kind": "coworking",
                  "languages": "fr", "currency": "EUR"}
    status, body, _l = await submit(chef_http, "/admin/space", "/admin/space", space_form)
    assert status == 303, body[:300]
    await eventually(lambda: (actors_store.get(lille.store, f"{tournai.url}/") or {}).get("name") == "ESCO Tournai coworking")


FOLLOW_ERRORS = {
    # target (with {node} for the node's own host) → (French, Dutch) words of the sentence shown
    "mutualab": ("Vérifiez l’adresse : elle a la forme nom@hôte", "Controleer het adres: het ziet eruit als naam@host"),
    "nobody@127.0.0.1:1": ("ne répond pas", "antwoordt niet"),
    "ghost@{node}": ("ne connaît aucun compte", "kent geen account"),
}
TECHNICAL = ("not a handle", "HTTP 404", "ClientConnector", "Cannot connect", "refusing", "Error")


async def test_follow_errors_are_sentences_in_the_page_language(node_factory) -> None:
    """Issue 10, bug 3: raw English exceptions (`not a handle: 'mutualab'`, `HTTP 404`, `ClientConnectorError`)
    were shown inside French and Dutch pages."""
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    add_member(lille, "boss", role="admin")
    for lang, column in (("fr", 0), ("nl", 1)):
        http = lille.client()
        http.cookie_jar.update_cookies({"lang": lang})
        assert await login(http, "boss") == 303
        for target, words in FOLLOW_ERRORS.items():
            status, body, _location = await submit(http, "/admin/federation", "/admin/federation/follow",
                                                   {"target": target.format(node=lille.config.domain)})
            text = html.unescape(body)
            assert status == 400 and words[column] in text, (lang, target)
            assert not any(word in text for word in TECHNICAL), (lang, target)


def test_a_private_address_is_explained_not_quoted() -> None:
    error = follows_service.unreachable("space@10.0.0.7", UnsafeAddressError("refusing 10.0.0.7: not a public address"))
    fr = error.translated(i18n.translations("fr").gettext)
    assert "10.0.0.7" in fr and "réseau privé" in fr and "refusing" not in fr


async def test_the_admin_follow_form_refuses_a_person(node_factory) -> None:
    """A space follows spaces: a member's handle (a Person) is refused and nothing is stored or sent."""
    from tests.federation_network.helpers import set_member, settled

    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    set_member(tournai, "claire", display_name="Claire", visibility="public")
    add_member(lille, "boss", role="admin")
    http = lille.client()
    assert await login(http, "boss") == 303
    await settled(lille, tournai)
    tables = ("follows", "activities", "deliveries")
    before = {t: lille.store.conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    for target in (f"acct:claire@{tournai.config.domain}", f"{tournai.url}/@claire"):
        status, body, _l = await submit(http, "/admin/federation", "/admin/federation/follow", {"target": target})
        assert status == 400 and "is not a space" in body, target
    await settled(lille, tournai)
    assert {t: lille.store.conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables} == before
    assert tournai.store.conn.execute("SELECT count(*) FROM follows").fetchone()[0] == 0
    async with http.get("/admin/federation") as resp:
        assert "Claire" not in await resp.text()
