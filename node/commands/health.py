"""`health`: does the node in DIR answer `/healthz` on the address its configuration gives?

The container's HEALTHCHECK runs it, so a node moved to another port (node.toml or
COFFEE_PORT) stays healthy where a probe of a fixed port would call it dead. It runs
there as `python -m node.commands.health DIR`: the same code without loading every
other command, which matters for a probe repeated every 30 seconds.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from node.commands import Result, add_dir_arg, add_json_flag

PROBE_TIMEOUT = 4.0
# A node listening on every address answers on loopback.
WILDCARD_HOSTS = ("", "0.0.0.0", "::")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("health", help="exit 0 when the node in DIR answers /healthz on its configured address")
    add_arguments(p)
    p.set_defaults(func=cmd_health)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dir_arg(parser)
    parser.add_argument("--host", help="ask this address instead (when `serve --host` overrode node.toml)")
    parser.add_argument("--port", type=int, help="ask this port instead (when `serve --port` overrode node.toml)")
    add_json_flag(parser)


def local_healthz_url(host: str, port: int) -> str:
    host = "127.0.0.1" if host in WILDCARD_HOSTS else host
    return f"http://[{host}]:{port}/healthz" if ":" in host else f"http://{host}:{port}/healthz"


def cmd_health(args: argparse.Namespace) -> Result:
    from node import config as config_mod
    from node.services.healthz import get_healthz

    config = config_mod.load(args.dir)
    probe = get_healthz(local_healthz_url(args.host or config.host, args.port or config.port), PROBE_TIMEOUT, direct=True)
    healthy = probe.status == 200
    if probe.status is None:
        text = f"unhealthy: {probe.url} is not reachable ({probe.reason})"
    else:
        text = f"{'healthy' if healthy else 'unhealthy'}: {probe.url} answered HTTP {probe.status}"
    return Result({"healthy": healthy, "url": probe.url, "status": probe.status, "reason": probe.reason},
                  text, exit_code=0 if healthy else 1)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m node.commands.health DIR`, answered like `coffee-node health DIR`."""
    from node.cli import report

    parser = argparse.ArgumentParser(prog="coffee-node health", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    args.command = "health"
    return report(args, cmd_health)


if __name__ == "__main__":
    sys.exit(main())
