"""What `/api/indicators`, the CLI and the exports show: the node's figures, optionally the network's."""

from __future__ import annotations

from typing import Any

from node.config import Config
from node.services import local_actors
from node.services.indicators import network as network_service
from node.services.indicators.registry import Period
from node.services.indicators.report import own_figures
from node.services.indicators.targets import targets_for
from node.storage.db import Store


async def indicators(store: Store, config: Config, period: Period, *, fetch: network_service.Fetch | None = None,
                     ) -> dict[str, Any]:
    """Public aggregates; with `fetch`, the network part (each space, its status and date, the sums)."""
    data: dict[str, Any] = {
        "space": local_actors.space_id(config), "from": period.start, "to": period.end,
        "figures": own_figures(store, period), "targets": targets_for(store, period),
    }
    if fetch is not None:
        data["network"] = await network_service.network(store, config, fetch, period)
    return data


_COUNT = {"type": "integer", "minimum": 0}
_MONTHLY = {"type": "array", "items": {"type": "object", "required": ["month", "value"],
                                       "properties": {"month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
                                                      "value": _COUNT}}}
_FIGURE = {
    "type": "object", "required": ["indicator", "available"],
    "description": "One indicator. `available: false` (no numbers): counted by a feature this node does not have yet.",
    "properties": {
        "indicator": {"type": "string"}, "available": {"type": "boolean"},
        "definition": {"type": "string", "description": "Where the number comes from."},
        "total": _COUNT, "monthly": _MONTHLY,
        "byCountry": {"type": "array", "description": "In indicators that count people or companies, a country "
                      "with 1 or 2 has `fewerThan: 3` instead of `value`.",
                      "items": {"type": "object", "required": ["country"],
                                "properties": {"country": {"type": "string"}, "value": _COUNT,
                                               "fewerThan": {"const": 3}, "hiddenSpaces": _COUNT}}},
        "bySpace": {"type": "array", "items": {"type": "object", "properties": {
            "space": {"type": "string"}, "name": {"type": "string"}, "value": _COUNT}}},
    },
}
SCHEMA = {
    "type": "object", "required": ["space", "from", "to", "figures", "targets"],
    "properties": {
        "space": {"type": "string", "format": "uri"},
        "from": {"type": ["string", "null"]}, "to": {"type": ["string", "null"]},
        "figures": {"type": "array", "items": _FIGURE},
        "targets": {"type": "object", "additionalProperties": _COUNT},
        "network": {"type": "object", "required": ["spaces", "totals"], "properties": {
            "spaces": {"type": "array", "items": {"type": "object", "required": ["space", "status"], "properties": {
                "space": {"type": "string"}, "name": {"type": "string"}, "country": {"type": "string"},
                "status": {"enum": ["own", "verified", "unverified", "failed"]}, "error": {"type": "string"},
                "checked_at": {"type": ["string", "null"]}, "verified_at": {"type": ["string", "null"]},
                "url": {"type": "string"}, "figures": {"type": ["array", "null"], "items": _FIGURE}}}},
            "totals": {"type": "array", "items": _FIGURE}}},
    },
}
