"""Sub-commands of `coffee-node`, one module per concern; each has `register(subparsers)`."""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

COMMAND_MODULES = [
    "node.commands.setup",
    "node.commands.ops",
    "node.commands.health",
    "node.commands.federation",
    "node.commands.demo",
    "node.commands.members",
    "node.commands.events",
    "node.commands.catalogue",
    "node.commands.indicators",
    "node.commands.opportunities",
]


@dataclass
class Result:
    """What a command produced: `data` for --json, `text` for a person."""

    data: Any
    text: str = ""
    exit_code: int = 0


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def add_dir_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="the node's data directory")


@contextmanager
def open_node(data_dir: str) -> Iterator[tuple[Any, Any]]:
    """The node's config and an open store for one command; the connection is closed after."""
    from node import config as config_mod
    from node.storage import db

    config = config_mod.load(data_dir)
    store = db.connect(config.db_path)
    try:
        yield config, store
    finally:
        store.close()
