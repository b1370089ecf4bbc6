"""`coffee-node demo`: a local federation of several real nodes, in one command.

Each node is its own process on 127.0.0.1. The spaces follow each other through
the normal protocol (WebFinger, signed Follow, Accept); members are published as
Create(Person) activities; the command waits until every node holds the
opted-in members of all the others, prints where to look, and serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from node import config as config_mod
from node import i18n
from node.commands import Result, add_json_flag
from node.commands.mailcatcher import start_catcher
from node.errors import InvalidInput
from node.federation_runtime import federation_client
from node.services import announce, demo_seed
from node.services import follows as follows_service
from node.services import local_actors
from node.services.setup import init_node
from node.services.skills import load_skill_index
from node.storage import follows as follows_store
from node.storage.db import Store, connect

CONVERGE_TIMEOUT = 60.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="start a local demo network of federated nodes (Ctrl-C stops it)")
    p.add_argument("--nodes", type=int, default=5, help="how many spaces, 2 to 5 (default 5)")
    p.add_argument("--base-port", type=int, default=8101, help="first port; node i listens on base+i (default 8101)")
    p.add_argument("--data", default="demo-data", help="where the nodes' data dirs go (default ./demo-data)")
    p.add_argument("--reset", action="store_true", help="delete the existing demo data first (default: reuse it)")
    p.add_argument("--exit-when-ready", action="store_true", help="stop the nodes once converged (for tests and CI)")
    add_json_flag(p)
    p.set_defaults(func=cmd_demo)


@dataclass
class DemoNode:
    space: demo_seed.DemoSpace
    config: config_mod.Config
    store: Store
    process: subprocess.Popen | None = None


def say(text: str) -> None:
    print(text, flush=True)


def check_ports_free(base: int, count: int) -> None:
    """Refuse ports in use (often a demo still running): its nodes would answer instead of ours."""
    for port in range(base, base + count):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is fine, a listener is not
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                raise InvalidInput("Port %(port)s is already in use (is another demo still running?); "
                                   "stop it or choose --base-port.", port=port) from None


def prepare(args: argparse.Namespace) -> list[DemoNode]:
    if not 2 <= args.nodes <= len(demo_seed.SPACES):
        raise InvalidInput("--nodes must be between 2 and %(max)s.", max=len(demo_seed.SPACES))
    check_ports_free(args.base_port, args.nodes + 1)  # the last one is the mail catcher's
    data = Path(args.data).resolve()
    if args.reset and data.exists():
        shutil.rmtree(data)
        say(f"Deleted {data}")
    index = load_skill_index()
    nodes = []
    for i, space in enumerate(demo_seed.SPACES[: args.nodes]):
        port = args.base_port + i
        directory = data / space.slug
        if not (directory / config_mod.CONFIG_FILE).exists():
            init_node(directory, url=f"http://127.0.0.1:{port}", name=space.name, slug=space.slug,
                      country=space.country, city=space.city, languages=space.languages,
                      allow_private_network=True, port=port)
            _with_mail(directory, space.slug, mail_port(args))
            config = config_mod.load(directory, env={})
            store = connect(config.db_path)
            demo_seed.seed(store, config, space, index)
            demo_seed.seed_emails(store, space)
            say("  " + created_line(space, *demo_seed.member_counts(store)))
        else:
            config = config_mod.load(directory, env={})
            if config.port != port:
                raise InvalidInput("%(dir)s was created for port %(old)s; use --base-port or --reset.",
                                   dir=str(directory), old=config.port)
            store = connect(config.db_path)
            say(f"  reusing {space.name} in {directory}")
        nodes.append(DemoNode(space, config, store))
    return nodes


def created_line(space: demo_seed.DemoSpace, members: int, on_network: int) -> str:
    """What `prepare` says of a new node: the same counts as the final table, plurals by gettext."""
    text = i18n.translations(i18n.DEFAULT_LANGUAGE).ngettext(
        "created %(space)s (%(city)s, %(country)s) with %(num)s member, %(network)s of them on the network",
        "created %(space)s (%(city)s, %(country)s) with %(num)s members, %(network)s of them on the network",
        members)
    return text % {"space": space.name, "city": space.city, "country": space.country, "num": members,
                   "network": on_network}


def mail_port(args: argparse.Namespace) -> int:
    return args.base_port + args.nodes


def _with_mail(directory: Path, slug: str, port: int) -> None:
    """The demo's nodes send their mails to the local catcher."""
    toml = directory / config_mod.CONFIG_FILE
    toml.write_text(toml.read_text(encoding="utf-8") + f'\n[mail]\nhost = "127.0.0.1"\nport = {port}\n'
                    f'starttls = false\nfrom = "{slug}@demo.coffee.test"\n', encoding="utf-8")


def start(node: DemoNode) -> None:
    log = open(node.config.data_dir / "node.log", "ab")  # noqa: SIM115 - the process owns it
    node.process = subprocess.Popen(
        [sys.executable, "-m", "node", "serve", str(node.config.data_dir)],
        stdout=log, stderr=log, env=os.environ | {"COFFEE_LOG_FORMAT": "text"},
        start_new_session=True,  # Ctrl-C reaches us, and we stop the nodes cleanly
    )


async def wait_healthy(nodes: list[DemoNode], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        for node in nodes:
            while True:
                try:
                    async with http.get(f"{node.config.url}/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if node.process and node.process.poll() is not None:
                    raise InvalidInput("%(name)s stopped at start; see %(log)s", name=node.space.name,
                                       log=str(node.config.data_dir / "node.log"))
                if time.monotonic() > deadline:
                    raise InvalidInput("%(name)s did not start within %(s)s s.", name=node.space.name, s=timeout)
                await asyncio.sleep(0.1)


async def follow_all(nodes: list[DemoNode]) -> None:
    """Every space follows every other, as `coffee-node follow` does (the nodes deliver the Follows)."""
    for node in nodes:
        me = local_actors.space_id(node.config)
        async with federation_client(node.store, node.config) as (client, fetch):
            for other in nodes:
                target = local_actors.space_id(other.config)
                if other is node or follows_store.get(node.store, me, target):
                    continue
                remote = await follows_service.resolve(node.store, client, fetch,
                                                       f"acct:{other.config.slug}@{other.config.domain}")
                follows_service.follow(node.store, node.config, me, remote)


def accepted_follows(nodes: list[DemoNode]) -> int:
    return sum(node.store.db.execute("SELECT count(*) FROM follows WHERE state = 'accepted' AND follower = ?",
                                     [local_actors.space_id(node.config)]).fetchone()[0] for node in nodes)


def publish_members(nodes: list[DemoNode]) -> None:
    """Opted-in members announce themselves to the spaces now following theirs."""
    label = load_skill_index().label
    for node in nodes:
        for member in demo_seed.federated(node.store):
            announce.member_changed(node.store, node.config, None, member, label)


def holdings(nodes: list[DemoNode]) -> list[int]:
    """How many remote opted-in members each node holds."""
    return [node.store.db.execute("SELECT count(*) FROM actors WHERE type = 'Person'").fetchone()[0] for node in nodes]


async def converge(nodes: list[DemoNode]) -> list[int]:
    expected = [sum(len(demo_seed.federated(o.store)) for o in nodes if o is not n) for n in nodes]
    pairs = len(nodes) * (len(nodes) - 1)
    started = time.monotonic()
    while accepted_follows(nodes) < pairs:
        say(f"  follows accepted: {accepted_follows(nodes)}/{pairs}")
        await _tick(started)
    say(f"  follows accepted: {pairs}/{pairs}")
    created = sum(demo_seed.seed_events(n.store, n.config, n.space, date.today()) for n in nodes)
    if created:
        say(f"  published {created} events")
    publish_members(nodes)
    while (held := holdings(nodes)) != expected:
        say(f"  members received: {sum(held)}/{sum(expected)}")
        await _tick(started)
    say(f"  members received: {sum(expected)}/{sum(expected)}")
    events_expected = len(nodes) * (len(nodes) - 1)
    while (events := remote_events(nodes)) < events_expected:
        say(f"  events received: {events}/{events_expected}")
        await _tick(started)
    say(f"  events received: {events_expected}/{events_expected}")
    while (read := backfills_settled(nodes)) < pairs:  # stopping the demo must not cut a walk short
        say(f"  member lists read: {read}/{pairs}")
        await _tick(started)
    say(f"  member lists read: {pairs}/{pairs}")
    return expected


def backfills_settled(nodes: list[DemoNode]) -> int:
    """Followed spaces whose member list each node has finished reading (backfill done or given up)."""
    return sum(node.store.db.execute(
        "SELECT count(*) FROM backfill_jobs WHERE state IN ('done', 'failed')").fetchone()[0] for node in nodes)


def remote_events(nodes: list[DemoNode]) -> int:
    """Events of the other spaces in each node's network agenda."""
    return sum(node.store.db.execute("SELECT count(*) FROM events WHERE origin != 'local'").fetchone()[0]
               for node in nodes)


async def _tick(started: float) -> None:
    if time.monotonic() - started > CONVERGE_TIMEOUT:
        raise InvalidInput("The demo network did not converge within %(s)s s; see each node's node.log.",
                           s=int(CONVERGE_TIMEOUT))
    await asyncio.sleep(0.5)


def table(nodes: list[DemoNode], expected: list[int]) -> str:
    """One line per space (members: its people; on the network: those the other spaces see), then
    every member's login."""
    names = [f"{node.space.name} ({node.space.country})" for node in nodes]
    logins = [f"manager / {demo_seed.admin_password(node.space)}" for node in nodes]
    wide, login_wide = max(map(len, names)), max(map(len, logins))
    lines = [f"{'space':{wide}}  {'url':22}  {'admin login':{login_wide}}  members  on the network  remote members held"]
    for node, name, login, held in zip(nodes, names, logins, expected):
        members, on_network = demo_seed.member_counts(node.store)
        lines.append(f"{name:{wide}}  {node.config.url:22}  {login:{login_wide}}  {members:7}  {on_network:14}  {held}")
    lines += ["", "Member logins (username / password):"]
    for node in nodes:
        people = ", ".join(f"{user} / {password}" for user, password in demo_seed.member_logins(node.space))
        lines.append(f"  {node.space.name}: {people}")
    return "\n".join(lines)


def summary(node: DemoNode, held: int) -> dict[str, object]:
    """A node in the --json summary: the same counts and logins as the table."""
    members, on_network = demo_seed.member_counts(node.store)
    return {"space": node.space.name, "url": node.config.url, "members": members, "on_network": on_network,
            "remote_members": held, "admin": {"username": "manager", "password": demo_seed.admin_password(node.space)},
            "logins": [{"username": user, "password": password} for user, password in demo_seed.member_logins(node.space)]}


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM both stop the nodes cleanly, even when started as a background job
    (which inherits SIGINT as ignored)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)


def stop(nodes: list[DemoNode]) -> None:
    """A second Ctrl-C while the nodes shut down must not leave orphans behind."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    for node in nodes:
        if node.process and node.process.poll() is None:
            node.process.send_signal(signal.SIGTERM)
    for node in nodes:
        if node.process:
            try:
                node.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                node.process.kill()
        node.store.close()


def cmd_demo(args: argparse.Namespace) -> Result:
    """With --json, progress goes to stderr and stdout carries only the JSON summary."""
    if args.json:
        with contextlib.redirect_stdout(sys.stderr):
            return run_demo(args)
    return run_demo(args)


def run_demo(args: argparse.Namespace) -> Result:
    # Handlers first: a signal that lands while the nodes start, or right after the
    # "Press Ctrl-C" line, must still stop every child process through `finally`.
    _stop_on_signals()
    say(f"Preparing {args.nodes} nodes in {Path(args.data).resolve()} ...")
    nodes = prepare(args)
    mail_dir = Path(args.data).resolve() / "mail"
    catcher = start_catcher(mail_dir, mail_port(args))
    try:
        for node in nodes:
            start(node)
        say("Starting the nodes ...")
        asyncio.run(wait_healthy(nodes))
        say("Following each other over ActivityPub ...")
        asyncio.run(follow_all(nodes))
        expected = asyncio.run(converge(nodes))
        say("\nThe Coffee demo network is up:\n")
        say(table(nodes, expected))
        say("\nLogs: <data>/<space>/node.log")
        say(f"E-mails the nodes send (notifications, invitations, password resets) are caught on "
            f"127.0.0.1:{mail_port(args)} and saved in {mail_dir}/ (one .eml file each).")
        data = [summary(n, e) for n, e in zip(nodes, expected)]
        if args.exit_when_ready:
            return Result(data)
        try:  # the line is printed inside: a signal right after it still ends in a clean stop
            say("Press Ctrl-C to stop.")
            while all(node.process and node.process.poll() is None for node in nodes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            say("\nStopping ...")
        return Result(data)
    finally:
        stop(nodes)
        catcher.stop()
