"""Docs that cannot drift: every command and setting is in the README."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from node.cli import build_parser
from node.config import ENV_OVERRIDES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def sub_commands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(action.choices)


def test_every_command_is_in_the_readme() -> None:
    missing = [name for name in sub_commands() if not re.search(rf"`[^`]*\b{re.escape(name)}\b", README)]
    assert not missing, f"README.md does not mention: {missing}"


def test_every_environment_variable_is_in_the_readme() -> None:
    missing = [name for name in ENV_OVERRIDES if name not in README]
    assert not missing, f"README.md does not mention: {missing}"


def test_every_federation_setting_is_in_the_readme() -> None:
    for setting in ("manual_approval", "trusted_spaces", "inbox_rate", "inbox_burst", "allow_private_network",
                    "ca_file", "host_overrides"):
        assert setting in README, setting
