"""A tiny Prometheus registry: labelled counters, and gauges read from the database at scrape time.

Counters live in memory on the app (`app[METRICS]`) and restart from zero with
the process, which Prometheus' `rate()` expects. Gauges come from collectors
called on each scrape of `/metrics`, so they are never stale and cost nothing
between scrapes. No dependency: the text format is a few lines.

For other features (anything holding the app):

    metrics = app[METRICS]
    metrics.inc("coffee_inbox_activities_total", result="rejected", reason="signature")
    metrics.counter("coffee_x_total", "What it counts.", ("label",))   # declare a new counter
    metrics.register_collector(fn)   # fn(conn: sqlite3.Connection) -> Iterable[Gauge]
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from node import __version__
from node.storage import health, stats
from node.storage.db import Store

Labels = Mapping[str, str]


@dataclass(frozen=True)
class Gauge:
    """One gauge family as a collector sees it at scrape time."""

    name: str
    help: str
    samples: Sequence[tuple[Labels, float]]


Collector = Callable[[sqlite3.Connection], Iterable[Gauge]]

STANDARD_COUNTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "coffee_http_requests_total": (
        "HTTP requests answered, by method, route template and status.",
        ("method", "route", "status"),
    ),
    "coffee_inbox_activities_total": (
        "Activities received on an inbox, by result (accepted, rejected, duplicate, unavailable) and reason.",
        ("result", "reason"),
    ),
}


class Registry:
    """Counters by name and label values, plus the collectors that produce gauges."""

    def __init__(self) -> None:
        self._counters: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._values: dict[str, dict[tuple[str, ...], float]] = {}
        self._collectors: list[Collector] = []

    def counter(self, name: str, help: str, labels: Sequence[str] = ()) -> None:
        """Declare a counter; declaring it again with the same labels is harmless."""
        known = self._counters.get(name)
        if known is not None and known[1] != tuple(labels):
            raise ValueError(f"counter {name} already declared with labels {known[1]}")
        self._counters[name] = (help, tuple(labels))
        self._values.setdefault(name, {})

    def inc(self, name: str, **labels: str) -> None:
        """Add one to counter `name` for these label values (all of its labels, no others)."""
        try:
            label_names = self._counters[name][1]
        except KeyError:
            raise ValueError(f"unknown counter {name}; declare it with counter()") from None
        if set(labels) != set(label_names):
            raise ValueError(f"counter {name} takes labels {label_names}, got {tuple(labels)}")
        key = tuple(str(labels[label]) for label in label_names)
        series = self._values[name]
        series[key] = series.get(key, 0) + 1

    def register_collector(self, collector: Collector) -> None:
        self._collectors.append(collector)

    def render(self, conn: sqlite3.Connection) -> str:
        """The Prometheus text exposition format (version 0.0.4)."""
        lines: list[str] = []
        for name, (help, label_names) in sorted(self._counters.items()):
            samples = [(dict(zip(label_names, key, strict=True)), value) for key, value in sorted(self._values[name].items())]
            lines += _family(name, "counter", help, samples)
        for collector in self._collectors:
            for gauge in collector(conn):
                lines += _family(gauge.name, "gauge", gauge.help, gauge.samples)
        return "\n".join(lines) + "\n"


def _family(name: str, kind: str, help: str, samples: Iterable[tuple[Labels, float]]) -> list[str]:
    lines = [f"# HELP {name} {_escape(help, quote=False)}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        label_text = ",".join(f'{key}="{_escape(str(val))}"' for key, val in labels.items())
        number = int(value) if float(value).is_integer() else value
        lines.append(f"{name}{{{label_text}}} {number}" if label_text else f"{name} {number}")
    return lines


def _escape(text: str, quote: bool = True) -> str:
    text = text.replace("\\", "\\\\").replace("\n", "\\n")
    return text.replace('"', '\\"') if quote else text


def core_gauges(conn: sqlite3.Connection) -> Iterable[Gauge]:
    """Build info and members; the delivery and catalogue gauges once their tables exist."""
    yield Gauge("coffee_build_info", "The running Coffee version (always 1).", [({"version": __version__}, 1)])
    members = stats.members_by_visibility(conn)
    yield Gauge(
        "coffee_members_total",
        "Member accounts of this space, by profile visibility.",
        [({"visibility": visibility}, count) for visibility, count in members.items()],
    )
    queue = stats.deliveries_by_status(conn)
    if queue is not None:
        yield Gauge(
            "coffee_delivery_queue",
            "Outbound deliveries by state (pending, failed, delivered...).",
            [({"state": state}, count) for state, count in sorted(queue.items())],
        )
    backlog = stats.undelivered_by_domain(conn)
    if backlog is not None:
        yield Gauge(
            "coffee_delivery_failures",
            "Outbound deliveries that failed, by recipient domain.",
            [
                ({"domain": domain}, by_status[stats.FAILED])
                for domain, by_status in backlog.items()
                if stats.FAILED in by_status
            ],
        )
    entries = stats.catalogue_entries(conn)
    if entries is not None:
        yield Gauge("coffee_catalogue_entries", "Entries in the network catalogue index.", [({}, entries)])


def storage_gauge(store: Store, data_dir: Path) -> Gauge:
    """1 while the node can write, 0 with the reason as a label (the same check as `/healthz`)."""
    reason = health.status(store, data_dir)
    return Gauge("coffee_storage_writable", "Whether the node can write to its database (0: see the reason label).",
                 [({"reason": reason or ""}, 0 if reason else 1)])


def node_registry() -> Registry:
    """The registry every node starts with: the standard counters and the core gauges."""
    registry = Registry()
    for name, (help, labels) in STANDARD_COUNTERS.items():
        registry.counter(name, help, labels)
    registry.register_collector(core_gauges)
    return registry
