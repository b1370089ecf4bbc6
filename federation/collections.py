"""Paginated OrderedCollections (outbox, followers, following, members)."""

from __future__ import annotations

from typing import Any

from federation.documents import omit_empty
from federation.jsonld import COFFEE_CONTEXT

PAGE_SIZE = 50


def collection(collection_id: str, total: int) -> dict[str, Any]:
    """The collection head: its size and a link to the first page (items are paged)."""
    doc: dict[str, Any] = {"@context": COFFEE_CONTEXT, "id": collection_id, "type": "OrderedCollection",
                           "totalItems": total}
    if total:
        doc["first"] = f"{collection_id}?page=1"
    return omit_empty(doc)


def page(collection_id: str, number: int, items: list[Any], total: int, size: int = PAGE_SIZE) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": COFFEE_CONTEXT,
        "id": f"{collection_id}?page={number}",
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "totalItems": total,
        "orderedItems": items,
    }
    if number * size < total:
        doc["next"] = f"{collection_id}?page={number + 1}"
    if number > 1:
        doc["prev"] = f"{collection_id}?page={number - 1}"
    return omit_empty(doc)
