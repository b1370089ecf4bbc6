"""A node whose data directory is on a full disk (a small tmpfs, mounted by the test as root).

It answers 503 with Retry-After to inboxes and to forms, says `degraded` on /healthz and
/metrics, the CLI gives one line, a restart while full still serves pages, and once space
returns it accepts again without a restart; everything it answered 202 to is kept.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils

from node.appkeys import DELIVERY
from node.config import load
from node.server import start
from node.services import announce
from node.storage import activities as activities_store
from node.storage import deliveries as deliveries_store
from tests.federation_network.fake_inbox import add_follower, start_fake_inbox
from tests.federation_network.helpers import deliver, eventually, follow, set_member
from tests.nodes import bind_socket_to, start_node
from tests.web import PASSWORD, add_member, login, submit


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path, name: str = "filler") -> Path:
    """Take every free block of the file system holding `directory`."""
    filler = directory / name
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
        try:
            out.close()
        except OSError:
            pass
    return filler


async def get_json(node, path: str) -> tuple[int, dict]:
    http = node.client()
    async with http.get(path) as resp:
        return resp.status, await resp.json(content_type=None)


async def metrics_line(node) -> str:
    http = node.client()
    async with http.get("/metrics") as resp:
        return next(line for line in (await resp.text()).splitlines() if line.startswith("coffee_storage_writable"))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "node", *args], capture_output=True, text=True, timeout=60)


def edit(sender, version: str) -> str:
    set_member(sender, "alice", display_name=version, visibility="public")
    return activities_store.page(sender.store, f"{sender.url}/@alice", public_only=True, limit=1, offset=0)[0]["id"]


async def test_a_full_disk_answers_503_serves_pages_and_recovers_without_restart(node_factory, small_disk) -> None:
    sender = await node_factory(name="Mutualab")
    full = await start_node(small_disk, name="ESCO", country="BE", city="Tournai")
    try:
        await follow(full, sender)
        add_member(full, "bob", role="admin")
        browser = full.client()
        assert await login(browser, "bob", PASSWORD) in (302, 303)
        accepted = [edit(sender, "Alice v0")]
        assert (await deliver(sender, full, accepted[0])).status == 202

        # Given the disk of the node's data directory is full
        full.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = fill(small_disk)

        # Then its inbox answers 503 with Retry-After and a JSON reason: the sender keeps the activity
        refused = edit(sender, "Alice v1")
        result = await deliver(sender, full, refused)
        assert result.status == 503 and result.retry_after == 120, result
        assert "disk is full" in result.error
        # and /healthz and /metrics say why
        status, health = await get_json(full, "/healthz")
        assert status == 200 and health["status"] == "degraded" and health["reason"], health
        assert (await metrics_line(full)).endswith(" 0")
        # and a form that writes says so in the page's language
        browser.headers["Accept-Language"] = "fr"  # type: ignore[index]
        status, body, _ = await submit(browser, "/me/password", "/me/password",
                                       {"current_password": PASSWORD, "new_password": "another long password",
                                        "confirm_password": "another long password"})
        assert status == 503 and "son disque est plein" in body
        # and the CLI prints one line, no traceback
        done = run_cli("member", "add", str(full.config.data_dir), "--username", "carol", "--name", "Carol")
        assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "disk" in done.stderr and "Traceback" not in done.stderr
        assert run_cli("member", "list", str(full.config.data_dir)).returncode == 0

        # When the node restarts while the disk is still full
        await full.stop()
        refill = fill(small_disk, "filler-2")  # what closing the database freed (its -shm, -wal) is taken too
        full.sock = bind_socket_to(full.config.port)
        full.runner = await start(load(full.config.data_dir, env={}), sock=full.sock)
        # Then it serves pages from a read-only database, and still refuses activities with 503
        assert full.store.read_only
        http = full.client()
        async with http.get("/") as resp:
            assert resp.status == 200
        assert (await deliver(sender, full, refused)).status == 503

        # When space returns
        filler.unlink()
        refill.unlink()
        # Then, without a restart, it is healthy again and takes the activity the sender retries
        async def healthy() -> bool:
            return (await get_json(full, "/healthz"))[1] == {"status": "ok"}

        await eventually(healthy, timeout=10)
        assert full.store.read_only is None
        assert (await metrics_line(full)).endswith(" 1")
        assert (await deliver(sender, full, refused)).status == 202
        accepted.append(refused)
        # And everything it answered 202 to is kept and processed
        await eventually(lambda: full.store.conn.execute(
            "SELECT count(*) FROM inbox WHERE state = 'queued'").fetchone()[0] == 0, timeout=10)
        kept = {r[0] for r in full.store.conn.execute("SELECT activity_id FROM inbox WHERE state = 'done'")}
        assert set(accepted) <= kept
        assert full.store.conn.execute("SELECT name FROM actors WHERE id = ?", [f"{sender.url}/@alice"]).fetchone()[0] == "Alice v1"
    finally:
        await full.stop()


async def test_deliveries_wait_while_they_could_not_be_marked_as_sent(node) -> None:
    # Given a delivery due to a follower, and a database that no longer takes writes
    fake = await start_fake_inbox()
    try:
        add_follower(node.store, f"{node.url}/", fake)
        announce.space_changed(node.store, node.config)
        writable = node.store.db
        node.store.db = sqlite_utils.Database(sqlite3.connect(f"{node.config.db_path.resolve().as_uri()}?mode=ro",
                                                              uri=True, isolation_level=None))
        worker = node.app[DELIVERY]
        # When the worker looks at the queue
        await worker.run_once(now=datetime.now(timezone.utc) + timedelta(minutes=1))
        # Then nothing is sent (it could not be marked, and would go again at every poll)
        assert fake.attempts == 0
        # And once writes work again, it goes once
        node.store.db.conn.close()
        node.store.db = writable
        await worker.run_once(now=datetime.now(timezone.utc) + timedelta(minutes=1))
        assert fake.attempts == 1 and deliveries_store.count_by_status(node.store) == {"delivered": 1}
    finally:
        await fake.stop()
