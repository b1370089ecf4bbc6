"""Issue 13: "follow from my space" (Mastodon's remote-interaction flow) on both sides, and bad follow input."""

from __future__ import annotations

from urllib.parse import quote

from yarl import URL

from node.storage import domains as domains_store
from node.storage import follows as follows_store
from tests.federation_network.attacker import start_attacker
from tests.federation_network.helpers import eventually, set_member
from tests.web import add_member, csrf_from, login, submit

SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"


def all_follows(node) -> list[tuple]:
    return node.store.db.execute("SELECT follower, followee, state, activity_id FROM follows ORDER BY id").fetchall()


async def test_webfinger_advertises_the_subscribe_template(node) -> None:
    set_member(node, "alice", visibility="public")
    async with node.client().get(f"/.well-known/webfinger?resource=acct:alice@{node.config.domain}") as resp:
        jrd = await resp.json(content_type=None)
    links = [link for link in jrd["links"] if link["rel"] == SUBSCRIBE]
    assert links == [{"rel": SUBSCRIBE, "template": f"{node.url}/authorize_interaction?uri={{uri}}"}]


async def test_a_visitor_follows_a_space_from_its_page_through_their_home_node(node_factory) -> None:
    switch = await node_factory(name="Switch", slug="switch", country="BE", city="Charleroi")
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    add_member(lille, "alice")
    set_member(lille, "alice", visibility="public")
    visitor = switch.client()  # Alice reads Switch's page, not signed in there

    # When she types her handle under "follow from my space"
    status, _body, location = await submit(visitor, "/", "/remote_follow",
                                           {"handle": f"alice@{lille.config.domain}", "actor": f"{switch.url}/"})
    # Then she is sent to her home node's confirmation page for Switch's actor
    assert status == 303 and location.startswith(f"{lille.url}/authorize_interaction?uri=")
    assert URL(location).query["uri"] == f"{switch.url}/"

    home = lille.client()
    await login(home, "alice")
    path = location.removeprefix(lille.url)
    async with home.get(path) as resp:
        page = await resp.text()
    assert resp.status == 200 and f"{switch.url}/" in page and 'action="/me/following"' in page
    assert all_follows(lille) == []  # nothing happens before she confirms
    status, _b, location = await submit(home, path, "/me/following", {"target": f"{switch.url}/"})
    assert (status, location) == (303, "/me/following")
    await eventually(lambda: (follows_store.get(lille.store, f"{lille.url}/@alice", f"{switch.url}/") or {}).get("state")
                     == "accepted")


async def test_remote_follow_bad_input(node_factory) -> None:
    switch = await node_factory(name="Switch", slug="switch", country="BE", city="Charleroi")
    visitor = switch.client()
    await visitor.get("/lang/fr")
    for handle, actor in (("not a handle", f"{switch.url}/"), ("nobody@127.0.0.1:9", f"{switch.url}/"),
                          ("alice@127.0.0.1:9", "https://evil.example/")):
        status, body, location = await submit(visitor, "/", "/remote_follow", {"handle": handle, "actor": actor})
        assert status == 400 and location is None  # never sent elsewhere
        assert "ClientConnectorError" not in body and 'role="alert"' in body


async def test_authorize_interaction_only_takes_http_uris_and_never_redirects(node) -> None:
    add_member(node, "alice")
    http = node.client()
    await login(http, "alice")
    await http.get("/lang/nl")
    for uri in ("javascript:alert(1)", "//evil.example/", "data:text/html,hi", ""):
        async with http.get(f"/authorize_interaction?uri={quote(uri)}", allow_redirects=False) as resp:
            body = await resp.text()
            assert resp.status == 400 and "Location" not in resp.headers
            assert "Alleen http(s)-adressen" in body
    async with http.get("/authorize_interaction?uri=https%3A%2F%2Fevil.example%2F", allow_redirects=False) as resp:
        assert resp.status == 200 and "Location" not in resp.headers  # a confirmation page, not a redirect
    anonymous = node.client()
    async with anonymous.get("/authorize_interaction?uri=https%3A%2F%2Fx.example%2F", allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"].startswith("/login?next=")


async def test_bad_follow_targets_get_a_clear_message_and_change_nothing(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    other = await node_factory(name="Switch", slug="switch", country="BE", city="Charleroi")
    add_member(lille, "alice")
    set_member(lille, "alice", visibility="public")
    domains_store.block(lille.store, "blocked.example", "spam")
    http = lille.client()
    await login(http, "alice")
    await http.get("/lang/fr")
    cases = {
        f"alice@{lille.config.domain}": "Vous ne pouvez pas vous suivre vous-même.",
        f"{lille.url}/@alice": "Vous ne pouvez pas vous suivre vous-même.",
        f"nobody@{lille.config.domain}": "Personne ici ne s’appelle nobody.",
        f"nobody@{other.config.domain}": f"ne connaît aucun compte nobody@{other.config.domain}",
        "bob@blocked.example": "blocked.example est bloqué par cet espace.",
        f"{other.url}/space/followers": "n’est ni un espace ni une personne que l’on peut suivre.",
        "ftp://x.example/": "n’est pas une adresse du réseau",
    }
    for target, message in cases.items():
        status, body, _l = await submit(http, "/me/following", "/me/following", {"target": target})
        assert status in (400, 404), (target, status)
        assert message in body, (target, body[body.find('role="alert"'):][:300])
        assert "Error" not in body[body.find('role="alert"'):][:300]
    assert all_follows(lille) == []


async def test_an_accept_signed_by_someone_else_changes_nothing(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    mallory = await start_attacker()
    try:
        add_member(lille, "alice")
        set_member(lille, "alice", visibility="public")
        alice = f"{lille.url}/@alice"
        # Alice asked to follow someone at a server that never answers
        row = follows_store.put(lille.store, alice, "https://quiet.example/@bob", f"{lille.url}/activities/f1", "pending")
        mallory.documents[mallory.actor] = mallory.actor_document()
        accept = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{mallory.base}/accept/1",
                  "type": "Accept", "actor": mallory.actor,
                  "object": {"id": row["activity_id"], "type": "Follow", "actor": alice, "object": "https://quiet.example/@bob"}}
        status = await mallory.post(f"{lille.url}/@alice/inbox", accept)
        assert status in (202, 401, 403)
        await eventually(lambda: not lille.store.db.execute("SELECT 1 FROM inbox WHERE state = 'queued'").fetchone())
        assert follows_store.get(lille.store, alice, "https://quiet.example/@bob")["state"] == "pending"
    finally:
        await mallory.stop()
