"""Running a node: serve until SIGTERM or Ctrl-C, then shut down cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import ssl

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from node.app import create_app
from node.config import Config
from node.logs import setup_logging

log = logging.getLogger("coffee.server")


class _JsonErrorHandler(RequestHandler):
    """A connection whose unreadable requests (a URL over aiohttp's 8190-byte line limit, a bad
    header) are answered in the API's documented JSON error format, not aiohttp's plain text.

    These requests never reach the app (no route, no middleware, headers possibly unread), so
    the message is English and carries no `field`.
    """

    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        super().handle_error(request, status, exc, message)  # logs it; raises if part of an answer went out
        text = ("The request could not be read: its address or a header is too long or malformed."
                if status < 500 else "Something went wrong on our side. The error was logged.")
        response = web.json_response({"error": text, "status": status}, status=status)
        response.force_close()
        return response


class _JsonErrorServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _JsonErrorHandler(self, loop=self._loop, **self._kwargs)


class _Runner(web.AppRunner):
    """aiohttp's AppRunner, with the connection handler above (aiohttp has no option for it)."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _JsonErrorServer
        return server


async def start(config: Config, sock: socket.socket | None = None,
                ssl_context: ssl.SSLContext | None = None) -> web.AppRunner:
    """Start the app on `sock` (a pre-bound socket, for tests) or config.host:port.

    TLS normally ends at the reverse proxy; `ssl_context` serves HTTPS directly (tests).
    """
    runner = _Runner(create_app(config), access_log=None, handle_signals=False)
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
