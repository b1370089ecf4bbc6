"""The network map, `/network` and `/spaces.geojson`: every known space, placed when it has coordinates."""

from __future__ import annotations

import geojson
import pytest

from node import config as config_mod
from node.errors import InvalidInput
from node.services import network_map
from node.services import space as space_service
from node.storage import actors as actors_store
from node.storage import catalogue as catalogue_store
from node.storage import follows as follows_store
from tests.federation_network.helpers import eventually, follow


def remote_space(node, actor_id: str, **doc: object) -> None:
    """A space this node follows, as its stored (already verified) actor document says."""
    actors_store.upsert(node.store, {
        "id": actor_id, "type": "Organization", "preferred_username": "x", "name": doc.get("name", ""),
        "domain": actor_id.split("/")[2], "inbox": f"{actor_id}inbox", "shared_inbox": None, "outbox": None,
        "followers": None, "following": None, "url": actor_id, "public_key_id": None, "public_key_pem": None,
        "discoverable": 1, "indexable": 1, "document": {"id": actor_id, "type": "Organization", **doc},
        "fetched_at": "2026-01-01T00:00:00+00:00"})
    follows_store.put(node.store, f"{node.url}/", actor_id, f"{node.url}/follow/{actor_id}", "accepted")


async def test_spaces_geojson_is_valid_and_lists_every_space_with_coordinates(node) -> None:
    space_service.update_space(node.store, {"latitude": 50.6292, "longitude": 3.0573})
    remote_space(node, "https://esco.example/", name="ESCO Tournai", spaceKind="fablab", welcomesNetwork=True,
                 address={"addressLocality": "Tournai", "addressCountry": "BE"},
                 location={"type": "Place", "latitude": 50.6056, "longitude": 3.3889})
    remote_space(node, "https://nowhere.example/", name="No coordinates",
                 address={"addressLocality": "Gent", "addressCountry": "BE"})
    remote_space(node, "https://bad.example/", name="Out of range", location={"latitude": 123, "longitude": 3})
    async with node.client().get("/spaces.geojson") as resp:
        assert resp.status == 200 and resp.content_type == "application/geo+json"
        text = await resp.text()
    collection = geojson.loads(text)
    assert isinstance(collection, geojson.FeatureCollection) and collection.is_valid, collection.errors()
    placed = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in collection["features"]}
    assert placed == {"Mutualab": [3.0573, 50.6292], "ESCO Tournai": [3.3889, 50.6056]}
    tournai = next(f for f in collection["features"] if f["id"] == "https://esco.example/")
    assert tournai["properties"]["kind"] == "fablab" and tournai["properties"]["welcomes_network"] is True


async def test_map_lists_every_space_by_country_and_filters(node) -> None:
    space_service.update_space(node.store, {"latitude": 50.6292, "longitude": 3.0573})
    remote_space(node, "https://esco.example/", name="ESCO Tournai", spaceKind="fablab",
                 address={"streetAddress": "Rue de la Paix 1", "addressLocality": "Tournai", "addressCountry": "BE"},
                 location={"latitude": 50.6056, "longitude": 3.3889})
    remote_space(node, "https://nowhere.example/", name="Gent Hub", spaceKind="coworking",
                 address={"addressLocality": "Gent", "addressCountry": "BE"})
    http = node.client()
    for path in ("/map", "/network"):
        async with http.get(path) as resp:
            assert resp.status == 200
            html = await resp.text()
        for text in ("Mutualab", "ESCO Tournai", "Rue de la Paix 1", "Gent Hub", 'data-lat="50.6056"',
                     "/static/vendor/leaflet/leaflet.js", "tile.openstreetmap.org"):
            assert text in html, (path, text)
        assert 'data-id="https://nowhere.example/" data-name' in html  # listed, not placed
    async with http.get("/map", params={"country": "BE", "kind": "fablab"}) as resp:
        html = await resp.text()
    assert "ESCO Tournai" in html and "Gent Hub" not in html and 'data-id="https://esco.example/"' in html
    assert f'data-id="{node.url}/"' not in html


async def test_a_discovered_space_is_placed_from_the_document_discovery_fetched(node) -> None:
    catalogue_store.put_discovered(node.store, {
        "id": "https://gent.example/", "name": "Gent Hub", "country": "BE", "city": "Gent", "via": "https://esco.example/",
        "document": {"id": "https://gent.example/", "type": "Organization", "name": "Gent Hub", "spaceKind": "coworking",
                     "location": {"type": "Place", "latitude": 51.05, "longitude": 3.72}}})
    entry = next(e for e in network_map.spaces(node.store, node.config, "nl") if e["id"] == "https://gent.example/")
    assert (entry["relation"], entry["latitude"], entry["longitude"], entry["kind"]) == ("discovered", 51.05, 3.72, "coworking")
    async with node.client().get("/spaces.geojson") as resp:
        names = [f["properties"]["name"] for f in geojson.loads(await resp.text())["features"]]
    assert "Gent Hub" in names


def test_coordinates_out_of_range_are_refused_at_the_form(node) -> None:
    with pytest.raises(InvalidInput) as refused:
        space_service.update_space(node.store, {"latitude": 91, "longitude": 3})
    assert refused.value.field == "latitude"


async def test_followed_space_is_on_the_map_with_its_place(node_factory) -> None:
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO Tournai", slug="esco", country="BE", city="Tournai")
    space_service.update_space(tournai.store, {"latitude": 50.6056, "longitude": 3.3889, "kind": "fablab"})
    await follow(lille, tournai)
    entry = await eventually(lambda: next((e for e in network_map.spaces(lille.store, lille.config, "fr")
                                           if e["id"] == f"{tournai.url}/"), None))
    assert (entry["latitude"], entry["longitude"], entry["kind"]) == (50.6056, 3.3889, "fablab")


def test_the_tile_server_is_configurable_and_checked(tmp_path) -> None:
    base = config_mod.Config(data_dir=tmp_path, url="https://a.example", name="A", slug="a", country="BE", city="")
    (tmp_path / "node.toml").write_text(config_mod.to_toml(base).replace(
        config_mod.OSM_TILES, "https://tiles.example/{z}/{x}/{y}.png"), encoding="utf-8")
    assert config_mod.load(tmp_path, env={}).map_tile_url == "https://tiles.example/{z}/{x}/{y}.png"
    (tmp_path / "node.toml").write_text(config_mod.to_toml(base).replace(
        config_mod.OSM_TILES, "javascript:alert(1)"), encoding="utf-8")
    with pytest.raises(config_mod.ConfigError, match="tiles"):
        config_mod.load(tmp_path, env={})
