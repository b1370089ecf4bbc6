"""Activities sent twice after `kill -9` during a fan-out, for two delivery windows side by side.

A node process with N followers (personal inboxes spread over H receiver processes that
take `--latency-ms` to accept each activity, like a real inbox writing its row) publishes
one activity. When the receivers hold a third of the deliveries the node is killed with
SIGKILL, restarted, and left to finish. Every delivery the receivers had accepted but the
node had not yet marked as sent goes again: those are the duplicates. The node is run with
the old window (64 requests at once, 8 per domain) and the current defaults of
`DeliveryWorker`, in the same run (the machine is noisy); each `--runs` times.

Run: `.venv/bin/python bench/crash_resend_bench.py` (after `make install`).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.federation_bench import add_followers, free_port, spawn, wait_up  # noqa: E402
from node.config import load  # noqa: E402
from node.services import announce  # noqa: E402
from node.services.setup import init_node  # noqa: E402
from node.storage.db import connect  # noqa: E402
from node.workers import DeliveryWorker  # noqa: E402

OLD_WINDOW = (64, 8)

RECEIVER = """
import asyncio, json, sys
from aiohttp import web
latency = float(sys.argv[2]) / 1000
seen = {}
async def inbox(request):
    body = json.loads(await request.read())
    await asyncio.sleep(latency)  # verifying and storing, as a real inbox does before its 202
    key = (request.path, body["id"])
    seen[key] = seen.get(key, 0) + 1
    return web.Response(status=202)
async def stats(request):
    return web.json_response({"received": sum(seen.values()), "unique": len(seen)})
app = web.Application()
app.router.add_post("/users/{n}/inbox", inbox)
app.router.add_get("/stats", stats)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""

NODE = """
import sys
from node import workers
concurrency, per_domain = int(sys.argv[2]), int(sys.argv[3])
plain_init = workers.DeliveryWorker.__init__
def init(self, store, config, client, **_ignored):
    plain_init(self, store, config, client, concurrency=concurrency, per_domain=per_domain)
workers.DeliveryWorker.__init__ = init
from node.cli import main
sys.exit(main(["serve", sys.argv[1]]))
"""


def default_window() -> tuple[int, int]:
    params = inspect.signature(DeliveryWorker.__init__).parameters
    return params["concurrency"].default, params["per_domain"].default


async def totals(http: aiohttp.ClientSession, ports: list[int]) -> tuple[int, int]:
    received = unique = 0
    for port in ports:
        async with http.get(f"http://127.0.0.1:{port}/stats") as resp:
            data = await resp.json()
        received, unique = received + data["received"], unique + data["unique"]
    return received, unique


async def one_run(workdir: Path, window: tuple[int, int], followers: int, hosts: int, latency_ms: int) -> dict:
    ports = [free_port() for _ in range(hosts)]
    receivers = [spawn(RECEIVER, str(port), str(latency_ms)) for port in ports]
    node_port = free_port()
    config = init_node(workdir, url=f"http://127.0.0.1:{node_port}", name="Crash", country="BE", city="Mons",
                       allow_private_network=True, port=node_port)
    store = connect(config.db_path)
    add_followers(store, config.url, ports, followers)
    env = os.environ | {"COFFEE_LOG_FORMAT": "text"}

    def serve() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", NODE, str(config.data_dir), *map(str, window)], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    node = serve()
    try:
        for port in ports:
            await wait_up(f"http://127.0.0.1:{port}/stats")
        await wait_up(f"{config.url}/healthz")
        announce.space_changed(store, load(config.data_dir, env={}))  # as the CLI does, from another process
        async with aiohttp.ClientSession() as http:
            while (await totals(http, ports))[0] < followers // 3:
                await asyncio.sleep(0.005)
            node.send_signal(signal.SIGKILL)
            node.wait()
            at_kill = (await totals(http, ports))[1]
            node = serve()
            deadline = time.monotonic() + 60
            while store.conn.execute("SELECT count(*) FROM deliveries WHERE status = 'pending'").fetchone()[0]:
                if time.monotonic() > deadline:
                    raise RuntimeError("deliveries did not finish after the restart")
                await asyncio.sleep(0.05)
            received, unique = await totals(http, ports)
        if unique != followers:
            raise RuntimeError(f"only {unique}/{followers} inboxes got the activity")
        return {"at_kill": at_kill, "duplicates": received - unique}
    finally:
        node.terminate()
        node.wait()
        for proc in receivers:
            proc.terminate()
            proc.wait()
        store.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, default=300)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--latency-ms", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    windows = {"old (64 at once, 8 per domain)": OLD_WINDOW}
    current = default_window()
    windows[f"current ({current[0]} at once, {current[1]} per domain)"] = current
    with tempfile.TemporaryDirectory() as tmp:
        for number, (name, window) in enumerate(windows.items()):
            runs = [await one_run(Path(tmp) / f"{number}-{run}", window, args.followers, args.hosts,
                                  args.latency_ms) for run in range(args.runs)]
            dupes = [r["duplicates"] for r in runs]
            print(f"{name}: duplicates of {args.followers} after kill -9: {dupes} "
                  f"(median {statistics.median(dupes)}; delivered before the kill: {[r['at_kill'] for r in runs]})")


if __name__ == "__main__":
    asyncio.run(main())
