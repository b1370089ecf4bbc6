"""Drive independent ActivityPub peers from pytest: Fedify (`peer.mjs`, TypeScript on Node)
and bovine (`bovine_peer/peer.py`, Python, in its own virtualenv).

Coffee must federate with implementations it did not write. Each peer runs its library
unmodified in its own process; this module starts that process on 127.0.0.1 and talks to
its plain-JSON control API (`/_control/...`). `ControlledPeer` holds what both share (the
process, the control calls both answer, waiting for an activity); `FedifyPeer` and
`BovinePeer` add how each one starts and the calls only it has.

    async with FedifyPeer.start() as peer:
        await peer.follow(f"acct:mutualab@127.0.0.1:{port}")
        accept = await peer.wait_for(lambda a: a["type"] == "Accept")

Every failure carries the tail of the peer's stderr (one line per HTTP request, delivery,
signature check and inbox event), which is usually where the reason is.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
PEER_JS = HERE / "peer.mjs"
BOVINE_PEER = HERE / "bovine_peer" / "peer.py"
BOVINE_PYTHON = HERE / "bovine_peer" / ".venv" / "bin" / "python"
SETUP_HINT = ("run `bash tests/setup_tools.sh` (it runs `npm ci` in tests/interop and makes the bovine "
              "peer's virtualenv in tests/interop/bovine_peer/.venv)")

Activity = dict[str, Any]


class PeerError(AssertionError):
    """The peer refused a control call; `status` and `error` come from its JSON answer.

    An AssertionError so that an interop failure reads as a test failure, not a crash.
    """

    def __init__(self, message: str, *, status: int | None = None, error: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error = error


class ControlledPeer:
    """One running peer process: its URLs, its log, and the control calls every peer answers."""

    label = "peer"

    def __init__(self, process: asyncio.subprocess.Process, ready: dict[str, Any],
                 stderr_lines: list[str]) -> None:
        self.process = process
        self.url: str = ready["url"]
        self.port: int = ready["port"]
        self.actor_id: str = ready["actor"]
        self.ready = ready
        self._stderr_lines = stderr_lines
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))

    @classmethod
    def command(cls, port: int, username: str, scratch: Path, **options: Any) -> tuple[list[str], Path]:
        """The command line that starts this kind of peer, and its working directory (`scratch`
        is an empty directory removed when the peer stops)."""
        raise NotImplementedError

    # -- life cycle -------------------------------------------------------------------

    @classmethod
    @contextlib.asynccontextmanager
    async def start(cls, port: int | None = None, *, username: str = "peer", timeout: float = 60.0,
                    **options: Any) -> AsyncIterator[Any]:
        """Spawn a peer on 127.0.0.1 (a free port unless `port` is given); kill it on exit.

        The peer binds first and then prints its port, so there is no race for a port.
        """
        scratch = tempfile.TemporaryDirectory(prefix=f"{cls.label}-peer-")
        args, cwd = cls.command(port or 0, username, Path(scratch.name), **options)
        process = await asyncio.create_subprocess_exec(
            *args, cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        stderr_lines: list[str] = []
        reader = asyncio.create_task(_collect(process.stderr, stderr_lines))
        peer: ControlledPeer | None = None
        try:
            ready = await _read_ready(process, stderr_lines, timeout, cls.label)
            peer = cls(process, ready, stderr_lines)
            await peer._wait_healthy(timeout)
            yield peer
        finally:
            if peer is not None:
                await peer._http.close()
            await _stop(process)
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            scratch.cleanup()

    async def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                health = await self._call("GET", "health")
                if health.get("ok") is True:
                    return
            except (aiohttp.ClientError, PeerError):
                pass
            if time.monotonic() > deadline:
                raise PeerError(f"{self.label} peer at {self.url} never became healthy\n{self.log_tail()}")
            await asyncio.sleep(0.1)

    # -- diagnostics -------------------------------------------------------------------

    @property
    def stderr(self) -> str:
        """Everything the peer logged so far."""
        return "\n".join(self._stderr_lines)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the peer's log, for assertion messages."""
        tail = "\n".join(self._stderr_lines[-lines:])
        return f"--- {self.label} peer log ({self.url}), last {lines} lines ---\n{tail}"

    @property
    def handle(self) -> str:
        """`acct:peer@127.0.0.1:PORT`, what WebFinger resolves to `actor_id`."""
        return f"acct:{self.actor_id.rsplit('/', 1)[-1]}@{self.url.removeprefix('http://')}"

    # -- control API ---------------------------------------------------------------------

    async def _call(self, method: str, name: str, body: dict[str, Any] | None = None,
                    *, expect: int = 200) -> Any:
        async with self._http.request(method, f"{self.url}/_control/{name}", json=body) as resp:
            text = await resp.text()
            try:
                data = json.loads(text)
            except ValueError:
                data = {"error": text}
        if resp.status != expect:
            error = data.get("error") if isinstance(data, dict) else None
            raise PeerError(f"{self.label} peer: {method} /_control/{name} -> {resp.status}: {error or text}"
                            f"\n{self.log_tail()}", status=resp.status, error=error)
        return data

    async def health(self) -> dict[str, Any]:
        """`{"ok": true, "actor": ..., ...}`."""
        return await self._call("GET", "health")

    async def follow(self, target: str) -> dict[str, Any]:
        """Look `target` (acct: handle or actor URL) up with the peer's library and send it a Follow."""
        return await self._call("POST", "follow", {"target": target})

    async def subscribe_template(self, handle: str) -> str:
        """The remote-interaction template `handle`'s WebFinger advertises, read by the peer's library."""
        return (await self._call("POST", "subscribe-template", {"handle": handle}))["template"]

    async def unfollow(self, target: str) -> dict[str, Any]:
        """Send Undo(Follow) for an earlier `follow(target)`."""
        return await self._call("POST", "unfollow", {"target": target})

    async def lookup(self, uri: str) -> dict[str, Any]:
        """The peer's reading of `uri`: a summary built by its own parser.

        Raises PeerError (status 422, `.error` = the peer's reason) if it cannot read it.
        """
        return await self._call("POST", "lookup", {"uri": uri})

    async def inbox(self) -> list[Activity]:
        """Verified inbound activities: type, id, actor, object {id, type}, signature, json, raw."""
        return await self._call("GET", "inbox")

    async def state(self) -> dict[str, Any]:
        """Followers, followed actors (pending/accepted/rejected) and the Follow policy."""
        return await self._call("GET", "state")

    async def reset(self) -> None:
        """Forget recorded activities and request logs (not followers)."""
        await self._call("POST", "reset")

    async def wait_for(self, predicate: Callable[[Activity], bool], timeout: float = 10.0,
                       interval: float = 0.1) -> Activity:
        """Poll the inbox until an activity satisfies `predicate`; return the first one."""
        deadline = time.monotonic() + timeout
        while True:
            activities = await self.inbox()
            for activity in activities:
                if predicate(activity):
                    return activity
            if time.monotonic() > deadline:
                seen = [f"{a['type']} {a['id']} from {a['actor']}" for a in activities] or ["nothing"]
                raise AssertionError(f"{self.label} peer received no matching activity in {timeout} s; "
                                     f"it received: {'; '.join(seen)}\n{self.log_tail()}")
            await asyncio.sleep(interval)


class FedifyPeer(ControlledPeer):
    """`node peer.mjs`: Fedify (`@fedify/fedify`, pinned in package-lock.json)."""

    label = "Fedify"

    @classmethod
    def command(cls, port: int, username: str, scratch: Path, *,
                first_knock: str = "rfc9421") -> tuple[list[str], Path]:
        return [_require_node(), str(PEER_JS), "--host", "127.0.0.1", "--port", str(port),
                "--username", username, "--first-knock", first_knock], HERE

    @property
    def fedify_version(self) -> str:
        return self.ready["fedify"]

    async def send(self, type: str | None = None, to: str | None = None,
                   object: dict[str, Any] | str | None = None, *, inbox: str | None = None,
                   activity: dict[str, Any] | None = None,
                   prefer_shared_inbox: bool = False) -> dict[str, Any]:
        """Have Fedify sign and deliver an activity from the peer's actor.

        `to` is an actor URL, an acct: handle, a bare inbox URL or "followers". Either
        `type` and `object` (a JSON object is completed with id, attributedTo and to) or a
        whole `activity`. The answer lists the HTTP requests Fedify made (`requests`), so
        its double-knocking (RFC 9421, then draft-cavage after a 4xx/5xx) is visible.
        """
        body: dict[str, Any] = {"to": to, "preferSharedInbox": prefer_shared_inbox}
        if type is not None:
            body["type"] = type
        if object is not None:
            body["object"] = object
        if inbox is not None:
            body["inbox"] = inbox
        if activity is not None:
            body["activity"] = activity
        return await self._call("POST", "send", body)

    async def requests(self) -> list[dict[str, Any]]:
        """Federated HTTP requests the peer answered, with status and error text."""
        return await self._call("GET", "requests")

    async def outgoing(self) -> list[dict[str, Any]]:
        """HTTP requests the peer made, with signature scheme and status."""
        return await self._call("GET", "outgoing")

    async def configure(self, *, on_follow: str) -> dict[str, Any]:
        """How the peer answers Follows: "accept" (default), "reject" or "ignore"."""
        return await self._call("POST", "config", {"onFollow": on_follow})


class BovinePeer(ControlledPeer):
    """`bovine_peer/peer.py` in its own virtualenv: bovine (pinned in bovine_peer/requirements.txt).

    Its inbox list has, per activity: type, id, actor, object {id, type}, `inbox` (the URL it
    was posted to: the shared `/inbox` or the actor's own), `signer` (the actor bovine's
    signature checker vouched for) and `raw`. `lookup` answers bovine's parse: `data` (after
    its JSON-LD compaction), `keys` for actors, `attributedTo` for objects.
    """

    label = "bovine"

    @classmethod
    def command(cls, port: int, username: str, scratch: Path) -> tuple[list[str], Path]:
        if not BOVINE_PYTHON.exists():
            raise RuntimeError(f"the bovine peer's virtualenv is missing: {SETUP_HINT}")
        # bovine writes its JSON-LD context cache (an SQLite file) in its working directory
        return [str(BOVINE_PYTHON), str(BOVINE_PEER), "--host", "127.0.0.1", "--port", str(port),
                "--username", username], scratch

    @property
    def version(self) -> str:
        return self.ready["version"]

    async def send_note(self, to: str, content: str) -> dict[str, Any]:
        """Create(Note) from the peer's actor to `to` (an actor URL or acct: handle), at its own inbox."""
        return await self._call("POST", "send", {"to": to, "content": content})



# -- process plumbing ----------------------------------------------------------------------

def _require_node() -> str:
    """The `node` executable; a clear failure (never a skip) if the peer cannot run."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError(f"Node.js is not installed; the interop tests need it: {SETUP_HINT}")
    if not (HERE / "node_modules" / "@fedify" / "fedify").is_dir():
        raise RuntimeError(f"tests/interop/node_modules is missing (Fedify is not installed): {SETUP_HINT}")
    return node


async def _collect(stream: asyncio.StreamReader | None, lines: list[str]) -> None:
    """Keep reading stderr: it is the log, and an unread pipe would block the peer."""
    if stream is None:
        return
    while line := await stream.readline():
        lines.append(line.decode("utf-8", "replace").rstrip("\n"))


async def _read_ready(process: asyncio.subprocess.Process, stderr_lines: list[str],
                      timeout: float, label: str) -> dict[str, Any]:
    """The peer's one stdout line, `{"ready": true, "port": ..., "url": ..., ...}`."""
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), timeout)
    except TimeoutError:
        line = b""
    if not line:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 1)
        await asyncio.sleep(0.1)  # let the stderr reader catch the last lines
        raise RuntimeError(f"{label} peer did not start within {timeout} s "
                           f"(exit code {process.returncode}):\n" + "\n".join(stderr_lines[-40:]))
    ready = json.loads(line)
    if ready.get("ready") is not True:
        raise RuntimeError(f"unexpected first line from the {label} peer: {line!r}")
    return ready


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 5)
    except TimeoutError:
        process.kill()
        await process.wait()
