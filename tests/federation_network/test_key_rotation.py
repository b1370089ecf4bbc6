"""`coffee-node rotate-keys` beside a serving node: peers learn the new keys, the old ones stop working."""

from __future__ import annotations

import json
import stat

import aiohttp

from federation import httpsig, keys
from node.storage import actors as actors_store
from tests.federation_network.helpers import cli, eventually, follow, set_member


def held_pem(node, actor_id: str) -> str | None:
    """The public key `node` holds for a peer's actor."""
    actor = actors_store.get(node.store, actor_id)
    return actor["document"]["publicKey"]["publicKeyPem"] if actor else None


async def served_pem(node, path: str) -> str:
    async with node.client().get(path, headers={"Accept": "application/activity+json"}) as resp:
        return (await resp.json(content_type=None))["publicKey"]["publicKeyPem"]


async def test_rotated_keys_reach_the_network_and_the_old_ones_stop_working(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    await follow(lille, tournai)
    space, claire = f"{tournai.url}/", f"{tournai.url}/@claire"
    set_member(tournai, "claire", display_name="Claire", visibility="public")
    await eventually(lambda: actors_store.get(lille.store, claire))
    old_space_key = keys.load_private((tournai.config.keys_dir / "space.pem").read_bytes())
    old = {space: held_pem(lille, space), claire: held_pem(lille, claire)}
    old_application = await served_pem(tournai, "/actor")

    assert await cli("rotate-keys", str(tournai.config.data_dir), "--json") == 0

    # The serving node publishes the new keys at once, and the key files stay private.
    assert await served_pem(tournai, "/") != old[space]
    assert await served_pem(tournai, "/@claire") != old[claire]
    assert await served_pem(tournai, "/actor") != old_application
    for name in ("space.pem", "application.pem"):
        assert stat.S_IMODE((tournai.config.keys_dir / name).stat().st_mode) == 0o600
    # Lille learns them from the Updates, each signed with the new key it did not know yet.
    for actor_id, path in ((space, "/"), (claire, "/@claire")):
        new = await served_pem(tournai, path)
        await eventually(lambda actor_id=actor_id, new=new: held_pem(lille, actor_id) == new)

    # What Tournai sends next is accepted...
    set_member(tournai, "claire", display_name="Claire, after the rotation")
    await eventually(lambda: actors_store.get(lille.store, claire)["name"] == "Claire, after the rotation")
    # ...and a message signed with the old key (a leaked one) is refused and changes nothing.
    forged = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{tournai.url}/activities/forged",
              "type": "Update", "actor": space, "object": {"id": space, "type": "Organization", "name": "Hijacked"}}
    body = json.dumps(forged).encode()
    inbox = f"{lille.url}/inbox"
    headers = httpsig.sign_request("POST", inbox, {"Content-Type": "application/activity+json"}, body,
                                   key_id=f"{space}#main-key", private_key=old_space_key)
    async with aiohttp.ClientSession() as http, http.post(inbox, data=body, headers=headers) as resp:
        assert resp.status == 401
    assert actors_store.get(lille.store, space)["name"] == "ESCO Tournai"
