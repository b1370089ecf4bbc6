"""`coffee-node indicators DIR [--network] [--from --to] [--json|--csv]`: the figures funders ask for."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from node.commands import Result, add_dir_arg, open_node
from node.federation_runtime import federation_client
from node.services.indicators import api, exports
from node.services.indicators.report import parse_period


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("indicators", help="the space's indicators (and the network's), as text, JSON or CSV")
    add_dir_arg(parser)
    parser.add_argument("--network", action="store_true",
                        help="also read the followed and discovered spaces' published indicators and add them up")
    parser.add_argument("--from", dest="start", metavar="YYYY-MM", help="first month (default: the beginning)")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM", help="last month (default: now)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print machine-readable JSON (as /api/indicators)")
    output.add_argument("--csv", action="store_true", help="print the CSV export")
    parser.set_defaults(func=cmd_indicators)


def cmd_indicators(args: argparse.Namespace) -> Result:
    period = parse_period(args.start, args.end)
    with open_node(args.dir) as (config, store):
        async def run() -> dict[str, Any]:
            if not args.network:
                return await api.indicators(store, config, period)
            async with federation_client(store, config) as (_client, fetch):
                return await api.indicators(store, config, period, fetch=fetch)

        data = asyncio.run(run())
    if args.csv:
        return Result(data, exports.to_csv(data).rstrip("\n"))
    return Result(data, _text(data))


def _value(item: dict[str, Any]) -> str:
    return str(item["total"]) if item.get("available") else "not available on this node yet"


def _text(data: dict[str, Any]) -> str:
    lines = [f"{item['indicator']}: {_value(item)}" for item in data["figures"]]
    if "network" in data:
        lines.append("network:")
        lines += [f"  {item['indicator']}: {_value(item)}" for item in data["network"]["totals"]]
        lines += [f"  {space['space']} {space['status']}" + (f" ({space['error']})" if space["error"] else "")
                  for space in data["network"]["spaces"][1:]]
    return "\n".join(lines)
