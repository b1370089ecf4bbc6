"""Running `coffee-node` commands in tests: a node directory without a server, and captured output."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.cli import main
from node.services.setup import init_node


def make_node_dir(base: Path) -> Path:
    """An initialised node (Mutualab, Lille) that no server is running."""
    data_dir = base / "mutualab"
    init_node(data_dir, url="https://lille.test", name="Mutualab", country="FR", city="Lille")
    return data_dir


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `coffee-node ARGV...`."""
    capsys.readouterr()
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err
