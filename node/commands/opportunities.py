"""`opportunity add|list|close` and `partnerships`: the space's board and what came of it, from a terminal.

Opportunities published here are delivered by the running server's delivery worker.
Skills may be typed in any language the ESCO extract has (`--skill "webdesign"`,
`--skill "conception de sites web"`) or given as ESCO URIs.
"""

from __future__ import annotations

import argparse
from typing import Any

from node.commands import Result, add_dir_arg, add_json_flag, open_node
from node.errors import InvalidInput, NotFound
from node.services import opportunities as service
from node.services import partnerships as partnerships_service
from node.services.skills import load_skill_index, resolve_form_input
from node.storage import members as members_store
from node.storage import space as space_store


def register(sub: argparse._SubParsersAction) -> None:
    opportunity = sub.add_parser("opportunity", help="post, list or close opportunities (jobs, missions, requests...)")
    actions = opportunity.add_subparsers(dest="opportunity_command", metavar="ACTION", required=True)

    p = actions.add_parser("add", help="post an opportunity in a member's name")
    add_dir_arg(p)
    p.add_argument("--as", dest="username", required=True, metavar="USERNAME", help="the member who posts it")
    p.add_argument("--kind", required=True, choices=service.KINDS, help="job, internship, mission, request or offer")
    p.add_argument("--title", required=True, help="the title (in the first --language, else the space's language)")
    p.add_argument("--description", default="", help="plain text")
    p.add_argument("--skill", action="append", default=[], metavar="S",
                   help="a skill required: an ESCO URI or its name in any language (repeatable)")
    p.add_argument("--language", action="extend", nargs="+", default=[], metavar="L",
                   help="languages required, e.g. --language fr nl")
    p.add_argument("--expires", default="", metavar="DATE", help="last day it is open, e.g. 2026-12-31 (default: in 60 days)")
    p.add_argument("--jurisdiction", default="", help="ISO 3166 code whose rules apply: FR, BE-WAL, BE-BRU, BE-VLG...")
    p.add_argument("--contract", default="", choices=["", *service.CONTRACTS], help="cdi, cdd, stage, freelance, volunteer")
    p.add_argument("--remote", action="store_true", help="can be done remotely")
    add_json_flag(p)
    p.set_defaults(func=cmd_add)

    p = actions.add_parser("list", help="list the opportunities posted here, newest first")
    add_dir_arg(p)
    p.add_argument("uuid", nargs="?", metavar="UUID", help="show only this one")
    add_json_flag(p)
    p.set_defaults(func=cmd_list)

    p = actions.add_parser("close", help="close an opportunity (followers see it withdrawn or filled)")
    add_dir_arg(p)
    p.add_argument("uuid", metavar="UUID", help="the opportunity's id, as `opportunity list` shows it")
    p.add_argument("--filled", action="store_true", help="it was filled (default: withdrawn)")
    add_json_flag(p)
    p.set_defaults(func=cmd_close)

    p = sub.add_parser("partnerships", help="partnerships of the space's members, and how many started per month")
    add_dir_arg(p)
    add_json_flag(p)
    p.set_defaults(func=cmd_partnerships)


def _line(found: dict[str, Any]) -> str:
    title = next(iter(found["name_map"].values()))
    return f"{found['uuid']}  {found['kind']:<10} {found['status']:<9} until {found['expires_at'][:10]}  {title}"


def skill_uris(texts: list[str], lang: str) -> list[str]:
    """Each `--skill` as one ESCO concept, or an error naming the candidates."""
    index = load_skill_index()
    uris: list[str] = []
    for text in texts:
        uris, candidates, error = resolve_form_input(index, uris, text, lang)
        if error is not None:
            names = "; ".join(f"{hit.label} <{hit.uri}>" for hit in candidates[:5])
            raise InvalidInput("--skill %(text)s: %(reason)s %(names)s", field="skills", text=text, reason=error.message,
                               names=names)
    return uris


def cmd_add(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (config, store):
        member = members_store.get_by_username(store, args.username)
        if member is None or member["status"] != "active":
            raise NotFound("No active member %(username)s.", username=args.username)
        space = space_store.get(store)
        lang = (args.language or space["languages"] or ["en"])[0]
        values = {
            "kind": args.kind, "title": {lang: args.title},
            "description": {lang: args.description} if args.description else {},
            "skills": skill_uris(args.skill, lang), "languages": args.language, "expires": args.expires,
            "jurisdiction": args.jurisdiction, "contract": args.contract,
            "place_kind": "remote" if args.remote else "this_space",
        }
        found = service.create(store, config, values, load_skill_index(), by=member)
        return Result(service.public_view(found), f"Published {found['url']}\n{_line(found)}")


def cmd_list(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (_config, store):
        if args.uuid:
            found = [service.get(store, args.uuid)]
        else:
            found = [item for status in service.STATUSES for item in
                     service.board(store, service.BoardFilters(status=status), public_only=False, per_page=10_000)[0]
                     if item["origin"] == "local"]
            found.sort(key=lambda item: item["published_at"], reverse=True)
        text = "\n".join(_line(item) for item in found) or "No opportunities."
        return Result([service.public_view(item) for item in found], text)


def cmd_close(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (config, store):
        found = service.close(store, config, args.uuid, load_skill_index(),
                              status="filled" if args.filled else "withdrawn", by=None)
        return Result(service.public_view(found), f"Closed: {_line(found)}")


def cmd_partnerships(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (config, store):
        rows = [partnerships_service.view(row) for row in partnerships_service.all_local(store, config)]
        months = partnerships_service.monthly_counts(store, config)
    lines = [f"{row['uuid']}  {row['status']:<8} {row['kind']:<14} {(row['started_at'] or '')[:10]:<10} "
             f"{' + '.join(p['name'] + ' (' + p['country'] + ')' for p in row['parties'])}"
             + ("  [cross-border]" if row["cross_border"] else "") for row in rows]
    lines += [f"{m['month']}: {m['started']} started, {m['cross_border']} cross-border" for m in months]
    return Result({"partnerships": rows, "months": months}, "\n".join(lines) or "No partnerships.")
