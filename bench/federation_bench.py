"""Federation throughput, measured side by side on this machine.

1. Inbox: the same load generator (64 concurrent connections, pre-signed requests)
   posts to (a) a plain aiohttp handler that answers 202 and (b) a real node's
   shared inbox (signature verification, origin rules, durable row, 202), each
   served by its own process. Prints requests/second and the ratio (target ≥ 15 %).
2. Fan-out: a node with 1,000 followers (1,000 distinct inboxes on 10 receiver
   processes' ports) publishes one activity; prints the time until every inbox has
   it (target < 3 s on loopback).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from federation import httpsig, keys  # noqa: E402
from federation.jsonld import COFFEE_CONTEXT  # noqa: E402
from node.services.setup import init_node  # noqa: E402

PLAIN_SERVER = """
import sys
from aiohttp import web
async def inbox(request):
    await request.read()
    return web.json_response({"status": "accepted"}, status=202)
app = web.Application()
app.router.add_post("/inbox", inbox)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""

ACTOR_SERVER = """
import json, sys
from aiohttp import web
doc = json.loads(open(sys.argv[2]).read())
async def actor(request):
    return web.json_response(doc, content_type="application/activity+json")
app = web.Application()
app.router.add_get("/users/bench", actor)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""

RECEIVER_SERVER = """
import sys
from aiohttp import web
count = 0
async def inbox(request):
    global count
    await request.read()
    count += 1
    return web.Response(status=202)
async def seen(request):
    return web.json_response({"count": count})
app = web.Application()
app.router.add_post("/users/{n}/inbox", inbox)
app.router.add_get("/count", seen)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_up(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(url) as resp:
                    if resp.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def spawn(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def load(requests: list[tuple[str, dict[str, str], bytes]], concurrency: int) -> tuple[float, int]:
    """POST every request once with `concurrency` workers; return (seconds, accepted count)."""
    queue = list(reversed(requests))
    accepted = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        async def worker() -> None:
            nonlocal accepted
            while queue:
                url, headers, body = queue.pop()
                async with http.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    accepted += resp.status == 202
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, accepted


def signed_requests(inbox: str, actor: str, key, count: int) -> list[tuple[str, dict[str, str], bytes]]:
    out = []
    for i in range(count):
        body = json.dumps({"@context": COFFEE_CONTEXT, "id": f"{actor}/likes/{i}", "type": "Like", "actor": actor,
                           "object": inbox.rsplit("/", 1)[0] + "/"}).encode()
        headers = httpsig.sign_request("POST", inbox, {"Content-Type": "application/activity+json"}, body,
                                       key_id=f"{actor}#main-key", private_key=key)
        out.append((inbox, headers, body))
    return out


async def bench_inbox(workdir: Path, count: int, concurrency: int) -> dict[str, float]:
    key = keys.generate_rsa()
    actor_port, plain_port, node_port = free_port(), free_port(), free_port()
    actor = f"http://127.0.0.1:{actor_port}/users/bench"
    doc_path = workdir / "actor.json"
    doc_path.write_text(json.dumps({"@context": COFFEE_CONTEXT, "id": actor, "type": "Service",
                                    "preferredUsername": "bench", "inbox": f"{actor}/inbox",
                                    "publicKey": {"id": f"{actor}#main-key", "owner": actor,
                                                  "publicKeyPem": keys.public_pem(key)}}))
    config = init_node(workdir / "node", url=f"http://127.0.0.1:{node_port}", name="Bench", country="BE",
                       city="Mons", allow_private_network=True, port=node_port)
    toml = config.data_dir / "node.toml"
    toml.write_text(toml.read_text().replace("inbox_rate = 50.0", "inbox_rate = 0"))  # measure, don't throttle
    procs = [spawn(ACTOR_SERVER, str(actor_port), str(doc_path)), spawn(PLAIN_SERVER, str(plain_port)),
             subprocess.Popen([sys.executable, "-m", "node", "serve", str(config.data_dir)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=os.environ | {"COFFEE_LOG_FORMAT": "text"})]
    try:
        await wait_up(f"http://127.0.0.1:{plain_port}/nope")
        await wait_up(f"{config.url}/healthz")
        await wait_up(actor)
        node_inbox = f"{config.url}/inbox"
        warm = signed_requests(node_inbox, actor, key, 50)
        await load(warm, 4)  # fetch and cache the key, warm both servers
        await load([(f"http://127.0.0.1:{plain_port}/inbox", h, b) for _, h, b in warm], 4)
        results = {}
        for name, url in (("plain", f"http://127.0.0.1:{plain_port}/inbox"), ("node", node_inbox),
                          ("plain_again", f"http://127.0.0.1:{plain_port}/inbox")):
            # fresh ids each run (the node deduplicates); the plain handler gets the same bytes
            requests = signed_requests(node_inbox, actor, key, count + 100)[100:]
            if name.startswith("plain"):
                requests = [(url, h, b) for _, h, b in requests]
            seconds, accepted = await load(requests, concurrency)
            if accepted != len(requests):
                raise RuntimeError(f"{name}: only {accepted}/{len(requests)} accepted")
            results[name] = len(requests) / seconds
        return results
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()


def add_followers(store, space_url: str, ports: list[int], followers: int) -> None:
    """`followers` remote actors, each with its own inbox, spread over the receivers' ports, follow the space."""
    from node.services.remote_actors import actor_row
    from node.storage import actors as actors_store
    from node.storage import follows as follows_store

    pem = keys.public_pem(keys.generate_rsa())
    with store.transaction():
        for i in range(followers):
            base = f"http://127.0.0.1:{ports[i % len(ports)]}/users/{i}"
            actors_store.upsert(store, actor_row({"id": base, "type": "Organization", "inbox": f"{base}/inbox",
                                                  "publicKey": {"id": f"{base}#k", "owner": base, "publicKeyPem": pem}}))
            follows_store.put(store, base, f"{space_url}/", f"{base}/follow", "accepted")


async def bench_fanout(workdir: Path, followers: int, hosts: int) -> float:
    from node.app import create_app
    from node.appkeys import DELIVERY, STORE
    from node.config import load as load_config
    from node.services import announce

    ports = [free_port() for _ in range(hosts)]
    receivers = [spawn(RECEIVER_SERVER, str(port)) for port in ports]
    node_port = free_port()
    config = init_node(workdir / "fanout", url=f"http://127.0.0.1:{node_port}", name="Fanout", country="FR",
                       city="Lille", allow_private_network=True, port=node_port)
    runner = None
    try:
        for port in ports:
            await wait_up(f"http://127.0.0.1:{port}/count")
        from aiohttp import web

        runner = web.AppRunner(create_app(load_config(config.data_dir, env={})))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", node_port).start()
        store = runner.app[STORE]
        add_followers(store, config.url, ports, followers)
        started = time.perf_counter()
        announce.space_changed(store, config)
        runner.app[DELIVERY].wake()
        async with aiohttp.ClientSession() as http:
            while True:
                total = 0
                for port in ports:
                    async with http.get(f"http://127.0.0.1:{port}/count") as resp:
                        total += (await resp.json())["count"]
                if total >= followers:
                    return time.perf_counter() - started
                if time.perf_counter() - started > 60:
                    raise RuntimeError(f"only {total}/{followers} delivered after 60 s")
                await asyncio.sleep(0.02)
    finally:
        if runner is not None:
            await runner.cleanup()
        for proc in receivers:
            proc.terminate()
            proc.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--followers", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inbox = await bench_inbox(Path(tmp), args.requests, args.concurrency)
        plain = (inbox["plain"] + inbox["plain_again"]) / 2
        print(f"inbox: plain aiohttp handler {plain:,.0f} req/s (runs: {inbox['plain']:,.0f}, {inbox['plain_again']:,.0f})")
        print(f"inbox: node, signed + verified + stored {inbox['node']:,.0f} req/s")
        print(f"inbox: ratio node/plain = {inbox['node'] / plain:.1%} (target >= 15%)")
        seconds = await bench_fanout(Path(tmp), args.followers, hosts=10)
        print(f"fan-out: one activity to {args.followers} follower inboxes on 10 hosts in {seconds:.2f} s (target < 3 s)")


if __name__ == "__main__":
    asyncio.run(main())
