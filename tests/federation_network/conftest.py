"""Fixtures of the multi-node tests."""

from __future__ import annotations

from typing import AsyncIterator

import pytest

from tests.federation_network.attacker import Attacker, start_attacker


@pytest.fixture
async def attacker() -> AsyncIterator[Attacker]:
    """Mallory's server on another origin: real keys, a Person actor, forged claims on demand."""
    mallory = await start_attacker()
    yield mallory
    await mallory.stop()
