"""Every space this node knows (itself, the spaces it follows, the ones they follow), as the network
map, the `/network` page and `/spaces.geojson` show them.

Remote spaces are read from their stored actor documents (name, address, `location`,
`spaceKind`, `welcomesNetwork`) and shown with their locally cached logo, never a
hot-linked one. A space without valid coordinates is listed but not placed.
"""

from __future__ import annotations

import math
from typing import Any

from node.config import Config
from node.i18n import pick
from node.services import catalogue, local_actors
from node.services.space import KINDS
from node.storage import catalogue as catalogue_store
from node.storage import pictures as pictures_store
from node.storage import space as space_store
from node.storage.db import Store


def _coordinate(value: Any, limit: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and -limit <= value <= limit else None


def initials(name: str) -> str:
    """'ESCO Tournai' → 'ET': what a card shows while a space has no (cached) logo."""
    return "".join(word[0] for word in name.split() if word[:1].isalnum())[:2].upper() or "?"


def _logo(row: dict[str, Any] | None, lang: str, name: str) -> dict[str, str] | None:
    if row is None or not row.get("file"):
        return None
    return {"url": f"/media/{row['file']}", "alt": pick(row["alt_map"], lang) or name}


def here(store: Store, config: Config, lang: str) -> dict[str, Any]:
    space = space_store.get(store)
    logo = next((p for p in pictures_store.own(store) if p["role"] == "logo"), None)
    return {
        "id": local_actors.space_id(config), "relation": "here", "name": space["name"], "kind": space["kind"],
        "street": space["street"], "postal_code": space["postal_code"], "city": space["city"],
        "country": space["country"], "latitude": space["latitude"], "longitude": space["longitude"],
        "welcomes_network": bool(space["welcomes_network"]), "url": f"{config.url}/",
        "logo": _logo(logo, lang, space["name"]), "initials": initials(space["name"]),
    }


def remote(space_id: str, doc: dict[str, Any], relation: str, logo: dict[str, Any] | None, lang: str,
           fallback: dict[str, Any] | None = None) -> dict[str, Any]:
    """A remote space from its actor document (checked, bounded), or from what discovery recorded."""
    facts = catalogue.space_facts(doc) if doc else {"name": "", "country": "", "region": "", "city": ""}
    fallback = fallback or {}
    address = doc.get("address") if isinstance(doc.get("address"), dict) else {}
    location = doc.get("location") if isinstance(doc.get("location"), dict) else {}
    latitude, longitude = _coordinate(location.get("latitude"), 90), _coordinate(location.get("longitude"), 180)
    if latitude is None or longitude is None:
        latitude = longitude = None
    kind = doc.get("spaceKind")
    url = doc.get("url") if isinstance(doc.get("url"), str) and doc["url"].startswith(("https://", "http://")) else space_id
    name = facts["name"] or fallback.get("name") or space_id
    return {
        "id": space_id, "relation": relation, "name": name, "kind": kind if kind in KINDS else "",
        "street": catalogue._text(address.get("streetAddress")), "postal_code": catalogue._text(address.get("postalCode")),
        "city": facts["city"] or fallback.get("city", ""), "country": facts["country"] or fallback.get("country", ""),
        "latitude": latitude, "longitude": longitude,
        "welcomes_network": doc.get("welcomesNetwork") is True, "url": url,
        "logo": _logo(logo, lang, name), "initials": initials(name),
    }


def spaces(store: Store, config: Config, lang: str) -> list[dict[str, Any]]:
    """This space first, then the followed spaces, then the discovered ones, each once."""
    logos = pictures_store.cached_logos(store)
    found = [here(store, config, lang)]
    seen = {found[0]["id"]}
    for space_id in catalogue.followed_spaces(store, config):
        if space_id not in seen:
            seen.add(space_id)
            found.append(remote(space_id, catalogue.space_document(store, space_id), "followed", logos.get(space_id), lang))
    for row in catalogue_store.discovered(store):
        if row["id"] not in seen:
            seen.add(row["id"])
            doc = catalogue.space_document(store, row["id"]) or row["document"]
            found.append(remote(row["id"], doc, "discovered", logos.get(row["id"]), lang, fallback=row))
    return found


def filtered(entries: list[dict[str, Any]], kind: str | None, country: str | None) -> list[dict[str, Any]]:
    return [e for e in entries if (not kind or e["kind"] == kind) and (not country or e["country"] == country)]


def by_country(entries: list[dict[str, Any]], country_name: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    """[(country name, its spaces by name)], countries by name; spaces without a country last."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        groups.setdefault(entry["country"], []).append(entry)
    ordered = sorted(groups, key=lambda code: (code == "", country_name(code) if code else ""))
    return [(country_name(code) if code else "", sorted(groups[code], key=lambda e: e["name"].casefold()))
            for code in ordered]


def geojson(entries: list[dict[str, Any]], base_url: str) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (RFC 7946: [longitude, latitude]) of the spaces that have coordinates."""
    features = []
    for entry in entries:
        if entry["latitude"] is None:
            continue
        features.append({
            "type": "Feature",
            "id": entry["id"],
            "geometry": {"type": "Point", "coordinates": [entry["longitude"], entry["latitude"]]},
            "properties": {
                "name": entry["name"], "kind": entry["kind"], "street": entry["street"],
                "postal_code": entry["postal_code"], "city": entry["city"], "country": entry["country"],
                "welcomes_network": entry["welcomes_network"], "url": entry["url"], "relation": entry["relation"],
                "logo": f"{base_url}{entry['logo']['url']}" if entry["logo"] else None,
            },
        })
    return {"type": "FeatureCollection", "features": features}
