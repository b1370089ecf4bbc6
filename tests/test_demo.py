"""The README's main command, end to end: `coffee-node demo` with a smaller network."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from node.commands.demo import created_line
from node.services import demo_seed
from node.storage.db import connect


def consecutive_free_ports(count: int) -> int:
    """A base port whose next `count` ports are free right now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count >= 65535:
            continue
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sock.bind(("127.0.0.1", port))
                sockets.append(sock)
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free port range")


def test_demo_brings_up_federated_nodes_that_hold_each_others_members(tmp_path: Path) -> None:
    base = consecutive_free_ports(4)  # three nodes and the mail catcher
    run = subprocess.run(
        [sys.executable, "-m", "node", "demo", "--nodes", "3", "--base-port", str(base), "--data", str(tmp_path),
         "--exit-when-ready", "--json"],
        capture_output=True, text=True, timeout=240,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "The Coffee demo network is up" in run.stderr
    assert f"caught on 127.0.0.1:{base + 3} and saved in {tmp_path / 'mail'}/" in run.stderr
    summary = json.loads(run.stdout)
    assert [row["url"] for row in summary] == [f"http://127.0.0.1:{base + i}" for i in range(3)]
    # What it says is true (issue 10, bug 11): Mutualab has three members, Louise (local) is not on the network.
    assert "created Mutualab (Lille, FR) with 3 members, 2 of them on the network" in run.stderr
    assert "created ESCO Tournai (Tournai, BE) with 2 members, 2 of them on the network" in run.stderr
    assert [(row["members"], row["on_network"]) for row in summary] == [(3, 2), (2, 2), (2, 2)]
    table_row = next(line for line in run.stderr.splitlines() if line.startswith("Mutualab (FR)"))
    assert table_row.split()[-3:] == ["3", "2", "4"]  # members, on the network, remote members held
    assert {"username": "louise", "password": "demo-louise-coffee"} in summary[0]["logins"]
    assert "  Mutualab: camille / demo-camille-coffee, yanis / demo-yanis-coffee, louise / demo-louise-coffee" in run.stderr
    # Every node holds the opted-in (public and network) members of the two others, and no local one.
    for node_dir in sorted(p for p in tmp_path.iterdir() if p.is_dir() and p.name != "mail"):
        store = connect(node_dir / "coffee.db")
        held = {row[0] for row in store.conn.execute("SELECT id FROM actors WHERE type = 'Person'")}
        assert held, node_dir
        assert not any(h.endswith("/@louise") for h in held)  # Louise chose `local`
        assert all(not h.startswith(f"http://127.0.0.1:{base + i}/") or node_dir.name != name
                   for i, name in enumerate(["mutualab", "escotournai", "connexion"]) for h in held)
        # ... and the two other spaces' events in its network agenda; Mutualab's (held in Tournai) is cross-border.
        remote = store.conn.execute("SELECT organiser_name, cross_border FROM events WHERE origin != 'local'").fetchall()
        assert len(remote) == 2, node_dir
        event_text = json.loads(store.conn.execute("SELECT content_map FROM events WHERE origin = 'local'").fetchone()[0])
        space_text = json.loads(store.conn.execute("SELECT description_map FROM space").fetchone()[0])
        assert event_text and set(event_text.values()).isdisjoint(space_text.values())  # its own description
        if node_dir.name != "mutualab":
            assert ("Mutualab", 1) in [tuple(row) for row in remote]
        store.close()
    # Running it again reuses the data.
    again = subprocess.run(
        [sys.executable, "-m", "node", "demo", "--nodes", "3", "--base-port", str(base), "--data", str(tmp_path),
         "--exit-when-ready"], capture_output=True, text=True, timeout=240)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert "reusing Mutualab" in again.stdout


def test_demo_refuses_ports_already_in_use(tmp_path: Path) -> None:
    import socket as socket_mod

    base = consecutive_free_ports(2)
    with socket_mod.socket() as busy:
        busy.bind(("127.0.0.1", base + 1))
        busy.listen()
        run = subprocess.run([sys.executable, "-m", "node", "demo", "--nodes", "2", "--base-port", str(base),
                              "--data", str(tmp_path), "--exit-when-ready"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert f"Port {base + 1} is already in use" in run.stderr
    assert not any(tmp_path.iterdir())  # nothing created


def _signal_demo_after(tmp_path: Path, marker: str) -> tuple[int, int]:
    """Start a 2-node demo, SIGTERM it as soon as `marker` is printed; (exit code, base port)."""
    base = consecutive_free_ports(2)
    proc = subprocess.Popen([sys.executable, "-m", "node", "demo", "--nodes", "2", "--base-port", str(base),
                             "--data", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if marker in line or not line:
            break
    assert any(marker in line for line in lines), "".join(lines)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=30)
    proc.stdout.close()
    return code, base


def _assert_nodes_gone(base: int, data: Path) -> None:
    """No `serve` process for this data directory survives, and the ports are free again."""
    survivors = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:  # the process ended while we looked
            continue
        if b"serve" in args and any(arg.startswith(str(data).encode()) for arg in args):
            survivors.append(cmdline.parent.name)
    assert survivors == [], survivors
    for port in (base, base + 1):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))


def test_a_signal_stops_the_demo_and_its_nodes(tmp_path: Path) -> None:
    code, base = _signal_demo_after(tmp_path, "Press Ctrl-C")
    assert code == 0
    _assert_nodes_gone(base, tmp_path)


def test_a_signal_while_the_nodes_start_leaves_no_node_behind(tmp_path: Path) -> None:
    code, base = _signal_demo_after(tmp_path, "Starting the nodes")
    assert code == 130  # interrupted before the network was up
    _assert_nodes_gone(base, tmp_path)


def test_the_demo_counts_people_with_plural_forms() -> None:
    switch = next(space for space in demo_seed.SPACES if space.slug == "switch")
    assert created_line(switch, 1, 1) == "created Switch Coworking (Charleroi, BE) with 1 member, 1 of them on the network"
    assert created_line(switch, 0, 0) == "created Switch Coworking (Charleroi, BE) with 0 members, 0 of them on the network"


async def test_the_demo_mail_catcher_saves_what_it_receives(tmp_path: Path) -> None:
    import aiosmtplib

    from node.commands.mailcatcher import start_catcher
    from tests.nodes import bind_socket

    probe = bind_socket()
    port = probe.getsockname()[1]
    probe.close()
    catcher = start_catcher(tmp_path / "mail", port)
    try:
        await aiosmtplib.send("Subject: hello\r\n\r\nbody\r\n", sender="a@demo.test", recipients=["b@demo.test"],
                              hostname="127.0.0.1", port=port, start_tls=False)
    finally:
        catcher.stop()
    (saved,) = (tmp_path / "mail").glob("*.eml")
    assert saved.name == "0001-b@demo.test.eml" and b"Subject: hello" in saved.read_bytes()
