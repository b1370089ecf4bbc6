"""Production-like URLs over real TLS: https://lille.test and https://tournai.test on 127.0.0.1.

A CA made by the test signs each node's certificate; the nodes trust it (`ca_file`)
and resolve the test host names to 127.0.0.1 (`host_overrides`), so WebFinger,
signed fetches and deliveries run over HTTPS with signatures covering real hosts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from federation.client import ClientSettings, FederationClient
from node.config import load
from node.server import start
from node.services.setup import init_node
from node.storage import actors as actors_store
from tests.federation_network.helpers import eventually, follow, set_member
from tests.nodes import RunningNode, bind_socket
from tests.tls import CertificateAuthority

HOSTS = {"lille.test": ("Mutualab", "FR", "Lille"), "tournai.test": ("ESCO Tournai", "BE", "Tournai")}


async def start_https_node(base: Path, ca: CertificateAuthority, host: str, overrides: dict[str, str]) -> RunningNode:
    name, country, city = HOSTS[host]
    sock = bind_socket()
    port = sock.getsockname()[1]
    data = base / host
    init_node(data, url=f"https://{host}:{port}", name=name, country=country, city=city, allow_private_network=True,
              port=port)
    table = ", ".join(f'"{h}" = "{ip}"' for h, ip in overrides.items())
    with (data / "node.toml").open("a", encoding="utf-8") as toml:
        toml.write(f'ca_file = "{ca.bundle}"\nhost_overrides = {{ {table} }}\n')
    config = load(data, env={})
    runner = await start(config, sock=sock, ssl_context=ca.server_context(host))
    return RunningNode(config=config, runner=runner, sock=sock)


@pytest.fixture
async def https_network(tmp_path: Path):
    ca = CertificateAuthority.create(tmp_path / "ca")
    overrides = {host: "127.0.0.1" for host in HOSTS}
    nodes = [await start_https_node(tmp_path, ca, host, overrides) for host in HOSTS]
    yield ca, nodes
    for node in nodes:
        await node.stop()


async def test_two_nodes_federate_over_https(https_network) -> None:
    ca, (lille, tournai) = https_network
    assert lille.url.startswith("https://lille.test:")
    await follow(lille, tournai)  # WebFinger and every fetch over HTTPS, signatures over the real Host
    set_member(tournai, "bram", display_name="Bram Peeters", visibility="public")
    stored = await eventually(lambda: actors_store.get(lille.store, f"{tournai.url}/@bram"))
    assert stored["inbox"].startswith("https://tournai.test:")

    # A client that trusts the CA reads the actor with the exact-id check on the https URL.
    settings = ClientSettings(allow_private_network=True, ca_file=ca.bundle, host_overrides={"tournai.test": "127.0.0.1"})
    async with FederationClient(settings) as client:
        doc = await client.get_object(f"{tournai.url}/@bram", signer=None)
    assert doc["id"] == f"{tournai.url}/@bram"


async def test_a_client_without_the_ca_is_refused(https_network) -> None:
    _ca, (_lille, tournai) = https_network
    settings = ClientSettings(allow_private_network=True, host_overrides={"tournai.test": "127.0.0.1"})
    from federation.errors import FetchError

    async with FederationClient(settings) as client:
        with pytest.raises(FetchError):
            await client.get_object(f"{tournai.url}/", signer=None)
