"""Finding spaces without a central server: through the spaces we follow, and trusted spaces."""

from __future__ import annotations

from node.appkeys import DISCOVERY
from node.storage import catalogue as catalogue_store
from node.storage import follows as follows_store
from tests.federation_network.helpers import cli, eventually, follow, handle, settled
from tests.web import add_member, login, submit


def follows(node, followee) -> str | None:
    row = node.store.conn.execute("SELECT state FROM follows WHERE follower = ? AND followee = ?",
                                  [f"{node.url}/", f"{followee.url}/"]).fetchone()
    return row[0] if row else None


async def test_spaces_followed_by_followed_spaces_are_listed_and_followed_with_one_click(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    mons = await node_factory(name="Co-nnexion", slug="connexion", country="BE", city="Mons")
    await follow(tournai, mons)
    await follow(lille, tournai)  # its backfill wakes the discovery, which reads Tournai's `following`
    await eventually(lambda: catalogue_store.discovered(lille.store))
    (found,) = catalogue_store.discovered(lille.store)
    assert (found["id"], found["name"], found["country"], found["city"], found["via"]) == (
        f"{mons.url}/", "Co-nnexion", "BE", "Mons", f"{tournai.url}/")

    add_member(lille, "boss", role="admin")
    http = lille.client()
    async with http.get("/spaces") as resp:
        page = await resp.text()
    assert "Co-nnexion" in page and 'action="/spaces/follow"' not in page  # follow buttons are for admins
    assert await login(http, "boss") == 303
    status, _body, location = await submit(http, "/spaces", "/spaces/follow", {"actor": f"{mons.url}/"})
    assert (status, location) == (303, "/spaces")
    await eventually(lambda: follows(lille, mons) == "accepted")
    async with http.get("/spaces") as resp:
        page = await resp.text()
    assert "Follow request sent to Co-nnexion." in page and 'value="' + f"{mons.url}/" + '"' not in page


async def test_a_trusted_space_is_followed_with_the_spaces_it_follows(node_factory) -> None:
    roubaix = await node_factory(name="La Coroutine", slug="coroutine", country="FR", city="Roubaix")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    mons = await node_factory(name="Co-nnexion", slug="connexion", country="BE", city="Mons")
    await follow(tournai, mons)
    toml = roubaix.config.data_dir / "node.toml"
    toml.write_text(toml.read_text().replace("trusted_spaces = []", f'trusted_spaces = ["{handle(tournai)}"]'))
    await roubaix.restart()
    await eventually(lambda: follows(roubaix, tournai) == "accepted")
    await eventually(lambda: follows(roubaix, mons) == "accepted")


async def test_a_space_no_longer_followed_by_anyone_we_follow_is_forgotten(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    mons = await node_factory(name="Co-nnexion", slug="connexion", country="BE", city="Mons")
    await follow(tournai, mons)
    await follow(lille, tournai)
    await eventually(lambda: catalogue_store.discovered(lille.store))

    await mons.stop()  # Mons is down: while Tournai still lists it, Lille keeps it
    await settled(lille, tournai)
    lille.app[DISCOVERY].wake()
    await settled(lille, tournai)  # idle again only once the woken discovery has run to its end
    assert [row["id"] for row in catalogue_store.discovered(lille.store)] == [f"{mons.url}/"]

    assert await cli("unfollow", str(tournai.config.data_dir), f"{mons.url}/") == 0  # Tournai stops following it
    lille.app[DISCOVERY].wake()
    await eventually(lambda: catalogue_store.discovered(lille.store) == [])


async def test_the_spaces_page_is_linked_and_shows_follow_states_to_admins_only(node_factory) -> None:
    """Issue 10, bug 10: /spaces was linked from nowhere and told anonymous visitors "acceptée"."""
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    await follow(lille, tournai)
    follows_store.put(lille.store, f"{lille.url}/", "https://waiting.example/", "https://x.example/a/1", "pending")
    visitor = lille.client()
    visitor.cookie_jar.update_cookies({"lang": "fr"})
    for path in ("/", "/catalogue"):
        async with visitor.get(path) as resp:
            assert 'href="/spaces"' in await resp.text(), path
    async with visitor.get("/spaces") as resp:
        page = await resp.text()
    assert "ESCO Tournai" in page
    assert "acceptée" not in page and "attente" not in page and "waiting.example" not in page

    add_member(lille, "boss", role="admin")
    admin = lille.client()
    admin.cookie_jar.update_cookies({"lang": "fr"})
    assert await login(admin, "boss") == 303
    async with admin.get("/spaces") as resp:
        page = await resp.text()
    assert "acceptée" in page and "waiting.example" in page
