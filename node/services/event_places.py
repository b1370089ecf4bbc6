"""Events held in another space of the network: the spaces we follow, as places with an address.

A manager choosing "in another space of the network" picks one of the spaces this
space follows; its name, postal address and coordinates come from the space's own
actor document, so the event gets a real address and a map instead of a typed name.
"""

from __future__ import annotations

from typing import Any, Mapping

from node.config import Config
from node.errors import InvalidInput
from node.services import catalogue
from node.storage.db import Store

FIELD = "network_space"


def network_spaces(store: Store, config: Config) -> list[dict[str, Any]]:
    """The followed spaces as places: id, place fields, and a one-line `address` to show, by name."""
    places = [_place(space_id, catalogue.space_document(store, space_id))
              for space_id in catalogue.followed_spaces(store, config)]
    return sorted(places, key=lambda place: (place["place_name"] or place["id"]).casefold())


def resolve(store: Store, config: Config, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` (without the `network_space` choice) with the chosen network space's place filled in."""
    fields = {key: value for key, value in values.items() if key != FIELD}
    chosen = str(values.get(FIELD) or "").strip()
    if values.get("place_kind") != "network_space" or not chosen:
        return fields
    place = next((place for place in network_spaces(store, config) if place["id"] == chosen), None)
    if place is None:
        raise InvalidInput("Choose one of the spaces this space follows.", field=FIELD)
    return fields | {key: value for key, value in place.items() if key not in ("id", "address")}


def _place(space_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    facts = catalogue.space_facts(doc)
    address = doc.get("address") if isinstance(doc.get("address"), dict) else {}
    location = doc.get("location") if isinstance(doc.get("location"), dict) else {}
    street = _text(address.get("streetAddress"))
    postal_code = _text(address.get("postalCode"))
    place = {
        "id": space_id, "place_name": facts["name"], "street": street, "postal_code": postal_code,
        "city": facts["city"], "region": facts["region"], "country": facts["country"],
        "latitude": _number(location.get("latitude")), "longitude": _number(location.get("longitude")),
    }
    town = " ".join(part for part in (postal_code, facts["city"]) if part)
    place["address"] = ", ".join(part for part in (street, town, facts["country"]) if part)
    return place


def _text(value: Any) -> str:
    return value.strip()[:200] if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
