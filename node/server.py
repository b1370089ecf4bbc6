"""Running a node: serve until SIGTERM or Ctrl-C, then shut down cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import ssl

from aiohttp import web

from node.app import create_app
from node.config import Config
from node.logs import setup_logging

log = logging.getLogger("coffee.server")


async def start(config: Config, sock: socket.socket | None = None,
                ssl_context: ssl.SSLContext | None = None) -> web.AppRunner:
    """Start the app on `sock` (a pre-bound socket, for tests) or config.host:port.

    TLS normally ends at the reverse proxy; `ssl_context` serves HTTPS directly (tests).
    """
    runner = web.AppRunner(create_app(config), access_log=None, handle_signals=False)
    await runner.setup()
    site: web.BaseSite
    if sock is not None:
        site = web.SockSite(runner, sock, ssl_context=ssl_context)
    else:
        site = web.TCPSite(runner, config.host, config.port, ssl_context=ssl_context)
    await site.start()
    return runner


async def serve(config: Config) -> None:
    setup_logging(config.log_format)
    runner = await start(config)
    log.info("node.started", extra={"url": config.url, "listen": f"{config.host}:{config.port}"})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        log.info("node.stopping", extra={"url": config.url})
        await runner.cleanup()
