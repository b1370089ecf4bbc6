"""Targets per indicator and period, and progress towards them.

A target's period is whole months (open ends allowed, as the programme's overall targets are);
progress is shown against the figure of the period on screen when a target has that same period,
else against the open-ended (programme) target.
"""

from __future__ import annotations

from typing import Any

from node.errors import InvalidInput
from node.services.indicators.registry import COFFEE_TARGETS, Period, known
from node.services.indicators.report import parse_period
from node.storage import indicators as indicators_store
from node.storage.db import Store


def set_target(store: Store, indicator: str, value: Any, start: str | None = None, end: str | None = None) -> None:
    if not known(indicator):
        raise InvalidInput("Unknown indicator: %(name)s.", field="indicator", name=indicator)
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise InvalidInput("A target is a whole number, 0 or more.", field="target")
    period = parse_period(start, end)
    indicators_store.set_target(store, indicator, period.start or "", period.end or "", int(text))


def set_coffee_targets(store: Store) -> None:
    """The COFFEE programme's targets (the demo sets them)."""
    for indicator, value in COFFEE_TARGETS.items():
        set_target(store, indicator, value)


def targets_for(store: Store, period: Period) -> dict[str, int]:
    """indicator -> the target that applies to `period` (same period, else the open-ended one)."""
    found: dict[str, int] = {}
    wanted = (period.start or "", period.end or "")
    for row in indicators_store.targets(store):
        same = (row["period_from"], row["period_to"]) == wanted
        if same or ((row["period_from"], row["period_to"]) == ("", "") and row["indicator"] not in found):
            found[row["indicator"]] = row["target"]
    return found


def progress(figures: list[dict[str, Any]], targets: dict[str, int]) -> dict[str, dict[str, int]]:
    """indicator -> {value, target, percent (capped at 100 for the bar)} for indicators with a target."""
    out = {}
    for item in figures:
        target = targets.get(item["indicator"])
        if target and item.get("available"):
            out[item["indicator"]] = {"value": item["total"], "target": target,
                                      "percent": min(100, round(100 * item["total"] / target))}
    return out
