"""The indicators, one registry: each has a definition, a source and (once its feature exists) a function.

A feature that produces a figure (partnerships, opportunities, the network pass) plugs in with one
call, `provide("partnerships_started", count_partnerships)`, from its own module; until then the
indicator is published as not available on this node (`available: false`), never as zero.
A counting function takes `(store, period, now)` and returns `Rows`: one `(month, country, identity)`
per thing counted; the report counts distinct identities per month, per country and in total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable

from node.storage.db import Store

Row = tuple[str, str, object]  # (YYYY-MM, ISO country or '', identity of what is counted)
Counter = Callable[[Store, "Period", datetime], Iterable[Row]]


@dataclass(frozen=True)
class Period:
    """Whole months, both ends included; None is open."""

    start: str | None = None  # YYYY-MM
    end: str | None = None

    @property
    def key(self) -> str:
        return "total" if self.start is None and self.end is None else f"{self.start or ''}..{self.end or ''}"

    def holds(self, month: str) -> bool:
        return (self.start is None or month >= self.start) and (self.end is None or month <= self.end)


@dataclass(frozen=True)
class Indicator:
    key: str
    source: str  # where the number comes from, in English (published as the definition)
    identifying: bool  # a small count per country could point at a person: the small-count rule applies


@dataclass
class _Entry:
    indicator: Indicator
    count: Counter | None = None


_REGISTRY: dict[str, _Entry] = {}


def _(text: str) -> str:
    """Marks a definition for the catalogues (`make messages`); pages translate it, documents keep English."""
    return text


def declare(key: str, source: str, *, identifying: bool) -> None:
    _REGISTRY[key] = _Entry(Indicator(key, source, identifying))


def provide(key: str, count: Counter) -> Counter:
    """Plug the counting function of a declared indicator in (usable as a decorator: `@provides(key)`)."""
    _REGISTRY[key].count = count
    return count


def provides(key: str) -> Callable[[Counter], Counter]:
    return lambda count: provide(key, count)


def indicators() -> list[Indicator]:
    return [entry.indicator for entry in _REGISTRY.values()]


def counter(key: str) -> Counter | None:
    return _REGISTRY[key].count


def known(key: str) -> bool:
    return key in _REGISTRY


declare("members_registered", _("Active member accounts of this space, by the month they were created and by "
        "their country of residence when they gave it."), identifying=True)
declare("events_held", _("Events organised by this space, not cancelled or deleted, counted in the month they started "
        "once they have ended; by the country of their place (else the space's)."), identifying=False)
declare("cross_border_events_held", _("Events held (as above) flagged cross-border: organisers, place or accepted "
        "participants from more than one country."), identifying=False)
declare("participants", _("Accepted registrations to events held, by the participant's country."), identifying=True)
declare("companies_supported", _("Distinct companies in the support log (by name), by their country."), identifying=True)
declare("new_companies_supported", _("Distinct companies in the support log created less than three years before "
        "their support, by their country."), identifying=True)
declare("people_reached_by_support", _("Distinct people in the support log (a member, or a person by name), by their "
        "country."), identifying=True)
declare("support_actions", _("Entries of the support log (one support action each), by the beneficiary's country."),
        identifying=True)
# Counted by features not on this node yet: they plug their function in with provide().
declare("partnerships_started", _("Partnerships started (the partnerships feature)."), identifying=False)
declare("cross_border_partnerships_started", _("Partnerships started between spaces or companies of different "
        "countries (the partnerships feature)."), identifying=False)
declare("opportunities_posted", _("Opportunities posted (the opportunities feature)."), identifying=False)
declare("opportunities_filled", _("Opportunities filled (the opportunities feature)."), identifying=False)
declare("pass_visits", _("Network-pass visits hosted, by visitor country (the network pass)."), identifying=True)
declare("pass_hours_hosted", _("Hours hosted on network-pass visits, by visitor country (the network pass)."),
        identifying=True)

# The funders' indicators of the COFFEE project and the registry key each is measured by.
COFFEE_TARGETS = {
    "cross_border_events_held": 35,
    "partnerships_started": 48,
    "members_registered": 400,
    "companies_supported": 84,
    "new_companies_supported": 42,
    "people_reached_by_support": 100,
}
