"""Who may change a published item (an event, an opportunity): the rule is one, the words differ.

Local items belong to the member who created them and to the space's admins; a remote item
belongs to its origin, so nobody here may change it. The messages are passed as built errors
so that each caller keeps its own translated sentence.
"""

from __future__ import annotations

from typing import Any, Mapping

from node.errors import CoffeeError


def may_manage(member: Mapping[str, Any] | None, item: Mapping[str, Any], owner_column: str) -> bool:
    """Admins and the item's creator (`item[owner_column]`), for local items only."""
    if member is None or item["origin"] != "local":
        return False
    return member["role"] == "admin" or item[owner_column] == member["id"]


def live(item: dict[str, Any] | None, *, missing: CoffeeError, gone: CoffeeError) -> dict[str, Any]:
    """The item, or `missing` when unknown and `gone` once deleted."""
    if item is None:
        raise missing
    if item["deleted_at"]:
        raise gone
    return item


def managed(item: dict[str, Any], by: Mapping[str, Any] | None, owner_column: str, *,
            not_local: CoffeeError, not_allowed: CoffeeError) -> dict[str, Any]:
    """The local item `by` may change (`by=None`: the space itself, from the CLI)."""
    if item["origin"] != "local":
        raise not_local
    if by is not None and not may_manage(by, item, owner_column):
        raise not_allowed
    return item
