"""`coffee-node`: every admin action, scriptable, with `--json` and one-line errors.

Each module of `node.commands` registers its sub-commands; a command returns a
`Result` (data for `--json`, text for people) or raises a CoffeeError, which
becomes a one-line reason on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Callable, Sequence

from node import __version__
from node.commands import COMMAND_MODULES, Result
from node.errors import CoffeeError
from node.storage.health import unwritable_reason


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coffee-node",
        description="Run and administer a Coffee node: one coworking space in a federated network.",
    )
    parser.add_argument("--version", action="version", version=f"coffee-node {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return report(args, args.func)


def report(args: argparse.Namespace, func: Callable[[argparse.Namespace], Result | None]) -> int:
    """Run one command: its result printed (text, or JSON with --json), a CoffeeError as one line, the exit code."""
    try:
        result = func(args)
    except CoffeeError as exc:
        print(f"coffee-node {args.command}: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        reason = unwritable_reason(exc)
        if reason is None:
            raise
        print(f"coffee-node {args.command}: cannot write to the database: {reason}", file=sys.stderr)
        return 1
    if result is None:
        return 0
    if getattr(args, "json", False):
        print(json.dumps(result.data, indent=2, ensure_ascii=False, default=str))
    elif result.text:
        print(result.text)
    return result.exit_code
