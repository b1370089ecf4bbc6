"""Shared fixtures: real nodes on 127.0.0.1 with real SQLite files and keys."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable

import pytest

from tests.nodes import RunningNode, start_node

NodeFactory = Callable[..., Awaitable[RunningNode]]


@pytest.fixture
async def node_factory(tmp_path: Path) -> AsyncIterator[NodeFactory]:
    """`await node_factory(name=..., country=..., city=...)` starts one more node."""
    started: list[RunningNode] = []

    async def factory(**kwargs: object) -> RunningNode:
        node = await start_node(tmp_path, **kwargs)  # type: ignore[arg-type]
        started.append(node)
        return node

    yield factory
    for node in reversed(started):
        await node.stop()


@pytest.fixture
async def node(node_factory: NodeFactory) -> RunningNode:
    """One running node: Mutualab, Lille, FR."""
    return await node_factory()
