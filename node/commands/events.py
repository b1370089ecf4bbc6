"""`event add|list|cancel` and `import-events`: the space's agenda, from a terminal.

Like the web form, `--cohost acct:space@host` is resolved over the network
(WebFinger, then the space's actor) for its name and country; an unreachable
cohost is an error, not a guess. Events published here are delivered by the
running server's delivery worker.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from node.commands import Result, add_dir_arg, add_json_flag, open_node
from node.errors import InvalidInput
from node.federation_runtime import federation_client
from node.services import events as events_service
from node.services import ics_import, local_actors
from node.storage import space as space_store
from node.timeutil import now

IMPORT_EPILOG = """\
Export the calendar as .ics (Google Calendar: Settings > Import & export; Nextcloud:
the calendar's menu > Export; Outlook: Save calendar) and import it:

  coffee-node import-events DIR agenda.ics

- Events from now to --horizon-days ahead are imported; recurring ones are expanded
  into one event per occurrence (at most 500 in all).
- Importing the same file again updates the events instead of doubling them: each
  occurrence is known by its UID and original start. Events deleted here stay deleted.
- Times keep their time zone. Times without one ("floating") and all-day events are
  read in the space's zone, from its country (BE: Europe/Brussels, FR: Europe/Paris),
  unless the file names one (X-WR-TIMEZONE, as Google writes it).
- LOCATION becomes the place (a web address: an online event); no LOCATION: the space.
- Imported events take no registrations until you open them on their page; a
  re-import keeps what you set here (registration, capacity, category, languages, cohosts).
- Events the file gets wrong (no UID, no start, a broken repeat rule, no title) are
  listed with their UID and title and skipped; the others are imported.
"""

PLACE_HELP = (
    'this (the space itself; the default, unless --online-url alone makes the event online-only) '
    'or "Name, Street, Postal City, CC", e.g. "ESCO, Rue de la Tannerie 1, 7500 Tournai, BE"'
)


def register(sub: argparse._SubParsersAction) -> None:
    event = sub.add_parser("event", help="add, list or cancel the space's events")
    event_sub = event.add_subparsers(dest="event_command", metavar="ACTION", required=True)

    p = event_sub.add_parser("add", help="publish an event organised by the space")
    add_dir_arg(p)
    p.add_argument("--title", required=True, help="the event's name (in the first --language)")
    p.add_argument("--description", default="", help="what happens, plain text")
    p.add_argument("--start", required=True, help="local start time, e.g. 2026-10-24T10:00 (in --tz)")
    p.add_argument("--end", required=True, help="local end time, e.g. 2026-10-24T12:00 (in --tz)")
    p.add_argument("--tz", help="IANA time zone of those times (default: the space's, e.g. Europe/Brussels)")
    p.add_argument("--place", help=PLACE_HELP)
    p.add_argument("--online-url", default="", help="where to join online (alone: an online-only event)")
    p.add_argument("--category", default="", help="FEP-8a8e category, e.g. WORKSHOPS_SKILL_SHARING, NETWORKING")
    p.add_argument("--language", action="extend", nargs="+", default=[], metavar="L",
                   help="languages spoken, e.g. --language fr nl (default: the space's first language)")
    p.add_argument("--capacity", type=int, help="number of places (default: no limit)")
    p.add_argument("--registration", default="open", choices=events_service.REGISTRATION_MODES,
                   help="open (default), approval, external (needs --external-url) or none")
    p.add_argument("--external-url", default="", help="registration page on another site")
    p.add_argument("--cohost", action="append", default=[], metavar="acct:space@host",
                   help="a co-hosting space (repeatable), looked up over the network")
    add_json_flag(p)
    p.set_defaults(func=cmd_add)

    p = event_sub.add_parser("list", help="list the space's events, soonest first")
    add_dir_arg(p)
    p.add_argument("--upcoming", action="store_true", help="only events not over yet")
    add_json_flag(p)
    p.set_defaults(func=cmd_list)

    p = event_sub.add_parser("cancel", help="cancel an event (it stays listed, marked cancelled)")
    add_dir_arg(p)
    p.add_argument("uuid", metavar="UUID", help="the event's id, as `event list` shows it")
    add_json_flag(p)
    p.set_defaults(func=cmd_cancel)

    p = sub.add_parser(
        "import-events",
        help="import the events of an .ics export (Google Calendar, Nextcloud, Outlook); re-importing updates them",
        epilog=IMPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_dir_arg(p)
    p.add_argument("file", metavar="FILE.ics", type=Path, help="the iCalendar file")
    p.add_argument("--horizon-days", type=int, default=ics_import.DEFAULT_HORIZON_DAYS,
                   help=f"expand recurring events this many days ahead (default {ics_import.DEFAULT_HORIZON_DAYS}, "
                        f"at most {ics_import.MAX_HORIZON_DAYS}; at most {ics_import.MAX_OCCURRENCES} events in all)")
    add_json_flag(p)
    p.set_defaults(func=cmd_import)


def parse_place(value: str | None, online_url: str) -> dict[str, Any]:
    """`this` or "Name, Street, Postal City, CC" as event fields; no --place with a URL: online only."""
    if value is None:
        return {"place_kind": "online_only" if online_url else "this_space"}
    if value.strip().lower() == "this":
        return {"place_kind": "this_space"}
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 4 or not all(parts):
        raise InvalidInput("--place is %(help)s", field="place", help=PLACE_HELP)
    name, street, locality, country = parts
    postal, _, city = locality.partition(" ") if locality[:1].isdigit() else ("", "", locality)
    return {"place_kind": "address", "place_name": name, "street": street, "postal_code": postal,
            "city": city.strip(), "country": country}


def _line(event: dict[str, Any]) -> str:
    start, _end = events_service.local_times(event)
    name = next(iter(event["name_map"].values()))
    flags = [event["status"]] if event["status"] != "confirmed" else []
    if event["cross_border"]:
        flags.append("cross-border")
    suffix = f"  [{', '.join(flags)}]" if flags else ""
    return f"{event['uuid']}  {start:%Y-%m-%d %H:%M} {event['timezone']}  {name}{suffix}"


def cmd_add(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (config, store):
        space = space_store.get(store)
        languages = args.language or (space["languages"] or ["en"])[:1]
        values: dict[str, Any] = {
            "name": {languages[0]: args.title},
            "description": {languages[0]: args.description} if args.description else {},
            "start": args.start, "end": args.end, "timezone": args.tz,
            **parse_place(args.place, args.online_url),
            "online_url": args.online_url, "category": args.category, "languages": languages,
            "capacity": args.capacity, "registration": args.registration, "external_url": args.external_url,
            "cohosts": asyncio.run(_resolved(store, config, args.cohost)) if args.cohost else [],
        }
        event = events_service.create_event(store, config, values, by=None)
        return Result(events_service.public_view(event), f"Published {event['url']}\n{_line(event)}")


async def _resolved(store: Any, config: Any, cohosts: list[str]) -> list[dict[str, str]]:
    async with federation_client(store, config) as (client, fetch):
        return await events_service.resolve_cohosts(store, client, fetch, cohosts)


def cmd_list(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (config, store):
        filters = events_service.AgendaFilters(
            space=local_actors.space_id(config), start_from=now() if args.upcoming else None,
        )
        found = events_service.all_events(store, filters, limit=10_000)
        text = "\n".join(_line(event) for event in found) or "No events."
        return Result([events_service.public_view(event) for event in found], text)


def cmd_cancel(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (config, store):
        event = events_service.cancel_event(store, config, args.uuid, by=None)
        return Result(events_service.public_view(event), f"Cancelled: {_line(event)}")


def cmd_import(args: argparse.Namespace) -> Result:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise InvalidInput("cannot read %(path)s: %(reason)s", path=str(args.file), reason=exc.strerror or str(exc)) from None
    with open_node(args.dir) as (config, store):
        report = ics_import.import_ics(store, config, data, horizon_days=args.horizon_days)
    lines = [f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
             f"{len(report.skipped)} skipped."]
    lines += [f"skipped {item['uid'] or '(no UID)'} {item['summary']!r}: {item['reason']}" for item in report.skipped]
    if report.truncated:
        lines.append(f"Only the first {ics_import.MAX_OCCURRENCES} events were imported; use a shorter --horizon-days.")
    return Result(report.as_dict(), "\n".join(lines))
