"""Fixtures for interop tests: a running Fedify or bovine peer (see `peer.py`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.interop.peer import BovinePeer, FedifyPeer


@pytest.fixture
async def fedify_peer() -> AsyncIterator[FedifyPeer]:
    """One Fedify peer on a free 127.0.0.1 port, stopped after the test."""
    async with FedifyPeer.start() as peer:
        yield peer


@pytest.fixture
async def bovine_peer() -> AsyncIterator[BovinePeer]:
    """One bovine peer on a free 127.0.0.1 port, stopped after the test."""
    async with BovinePeer.start() as peer:
        yield peer
