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
