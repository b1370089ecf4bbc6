"""Real nodes for tests: `coffee-node init` in a temp dir, served on 127.0.0.1.

The socket is bound before the node is created so its public URL (and hence
its actor ids and signatures) carries the real port.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

from node.appkeys import STORE
from node.config import Config, load
from node.server import start
from node.services.setup import init_node
from node.storage.db import Store


def bind_socket(host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


@dataclass
class RunningNode:
    config: Config
    runner: web.AppRunner
    sock: socket.socket
    sessions: list[aiohttp.ClientSession] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.config.url

    @property
    def app(self) -> web.Application:
        return self.runner.app

    @property
    def store(self) -> Store:
        return self.app[STORE]

    def client(self) -> aiohttp.ClientSession:
        """A fresh 'browser': its own cookie jar (unsafe=True accepts cookies from an IP)."""
        session = aiohttp.ClientSession(base_url=self.url, cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.sessions.append(session)
        return session

    async def stop(self) -> None:
        for session in self.sessions:
            await session.close()
        self.sessions.clear()
        await self.runner.cleanup()

    async def restart(self) -> None:
        """Stop and start again on the same port and data dir (a process restart)."""
        await self.stop()
        await self.start_again()

    async def start_again(self) -> None:
        """Serve again on the same port and data dir after `stop()`."""
        self.sock = bind_socket_to(self.config.port)
        self.runner = await start(load(self.config.data_dir), sock=self.sock)


async def start_existing(data_dir: Path) -> RunningNode:
    """Serve a data dir made elsewhere (a restored backup) on the port of its URL."""
    config = load(data_dir, env={})
    sock = bind_socket_to(config.port)
    return RunningNode(config=config, runner=await start(config, sock=sock), sock=sock)


def bind_socket_to(port: int, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


async def start_node(
    base: Path,
    *,
    name: str = "Mutualab",
    country: str = "FR",
    city: str = "Lille",
    slug: str | None = None,
) -> RunningNode:
    sock = bind_socket()
    port = sock.getsockname()[1]
    data_dir = base / f"node-{port}"
    init_node(
        data_dir,
        url=f"http://127.0.0.1:{port}",
        name=name,
        country=country,
        city=city,
        slug=slug,
        allow_private_network=True,
        port=port,
    )
    config = load(data_dir, env={})
    runner = await start(config, sock=sock)
    return RunningNode(config=config, runner=runner, sock=sock)
