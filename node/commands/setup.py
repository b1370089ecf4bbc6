"""`init` creates a node; `serve` runs it."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from node import config as config_mod
from node.commands import Result, add_dir_arg, add_json_flag
from node.errors import InvalidInput


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create a new node in DIR (config, database, keys)")
    add_dir_arg(p)
    p.add_argument("--url", required=True, help="public base URL, e.g. https://coffee.mutualab.org")
    p.add_argument("--name", required=True, help="the space's name")
    p.add_argument("--country", required=True, help="ISO 3166 alpha-2 country code (FR, BE, ...)")
    p.add_argument("--city", required=True, help="the space's city")
    p.add_argument("--slug", help="the space's handle (default: from the name)")
    p.add_argument("--languages", default="fr,nl,en", help="comma-separated content languages (default fr,nl,en)")
    p.add_argument(
        "--allow-private-network",
        action="store_true",
        help="allow talking to 127.0.0.1 and private addresses (tests and local demos only)",
    )
    p.add_argument("--port", type=int, help="port `serve` listens on (default: 8080 behind "
                   "the HTTPS proxy; an http:// URL with a port, as on a local test network, listens there)")
    add_json_flag(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("serve", help="run the node's web server")
    add_dir_arg(p)
    p.add_argument("--host", help="address to listen on (default from node.toml)")
    p.add_argument("--port", type=int, help="port to listen on (default from node.toml)")
    p.set_defaults(func=cmd_serve)


def cmd_init(args: argparse.Namespace) -> Result:
    from node.services.setup import init_node

    languages = tuple(x.strip() for x in args.languages.split(",") if x.strip())
    if not languages:
        raise InvalidInput("--languages must name at least one language")
    config = init_node(
        Path(args.dir),
        url=args.url,
        name=args.name,
        country=args.country,
        city=args.city,
        slug=args.slug,
        languages=languages,
        allow_private_network=args.allow_private_network,
        port=args.port,
    )
    data = {"dir": str(config.data_dir), "url": config.url, "slug": config.slug, "handle": f"{config.slug}@{config.domain}",
            "listen": f"{config.host}:{config.port}"}
    first_admin = (
        f"coffee-node member add {args.dir} --username yourname --name 'Your Name' --admin --password-file FILE"
    )
    data["first_admin"] = first_admin
    return Result(
        data,
        f"Created node {config.name!r} in {config.data_dir}\nHandle: {data['handle']}\n"
        f"Create the first admin (FILE holds the password on its first line):\n  {first_admin}\n"
        f"Start it with: coffee-node serve {args.dir}\n"
        f"It listens on http://{data['listen']} (plain HTTP; [server] in node.toml)"
        + (f": put your HTTPS proxy for {config.url} in front of it (see deploy/)." if config.url.startswith("https://")
           else "."),
    )


def cmd_serve(args: argparse.Namespace) -> Result | None:
    from dataclasses import replace

    from node.server import serve

    config = config_mod.load(args.dir)
    if args.host:
        config = replace(config, host=args.host)
    if args.port:
        config = replace(config, port=args.port)
    asyncio.run(serve(config))
    return None
