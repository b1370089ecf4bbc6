"""The network catalogue from the command line: re-read followed spaces now, see the backfill's progress.

`refresh` runs the backfill in this process (printing a line per page read), so it
works whether or not the node is serving; a job the running node is busy with is left
to it and reported as such.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from federation.errors import FederationError
from node.commands import Result, add_dir_arg, add_json_flag, open_node
from node.errors import InvalidInput, NotFound
from node.federation_runtime import federation_client
from node.services import backfill, catalogue
from node.services import follows as follows_service
from node.storage import members as members_store
from node.storage.db import Store


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("catalogue", help="the network catalogue: re-read followed spaces, backfill progress")
    catalogue_sub = parser.add_subparsers(dest="catalogue_command", metavar="ACTION", required=True)

    p = catalogue_sub.add_parser("refresh", help="re-index our members and re-read the members of followed spaces now")
    add_dir_arg(p)
    p.add_argument("space", nargs="?", metavar="SPACE",
                   help="only this followed space (actor URL or acct:space@host); default: every one")
    add_json_flag(p)
    p.set_defaults(func=cmd_refresh)

    p = catalogue_sub.add_parser("status", help="people in the catalogue, and each followed space's backfill")
    add_dir_arg(p)
    add_json_flag(p)
    p.set_defaults(func=cmd_status)



def _line(job: dict[str, Any]) -> str:
    text = (f"{job['space_id']}  {job['state']:7}  pages {job['pages_done']}  people {job['items_done']}"
            f"  rejected {job['items_rejected']}")
    text += f"  ({job['error']})" if job["error"] else ""
    if job["state"] == "failed":
        text += f"  next try {job['retry_at']}" if job["retry_at"] else "  no more automatic tries"
    return text


def _space_id(store: Store, followed: list[str], target: str) -> str:
    """A followed space named by actor URL or acct handle (matched against the stored actors)."""
    wanted = target.strip().removeprefix("acct:").removeprefix("@").lower()
    for space_id in followed:
        described = follows_service.describe(store, space_id)
        if wanted in (space_id.lower(), space_id.rstrip("/").lower(), described["handle"].lower()):
            return space_id
    raise NotFound("Not following %(space)s (see `coffee-node following`).", space=target)


def cmd_refresh(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (config, store):
        followed = catalogue.followed_spaces(store, config)
        spaces = [_space_id(store, followed, args.space)] if args.space else followed
        local = 0 if args.space else catalogue.reindex_local(store, config, members_store.select(store))
        progress = None if args.json else (lambda job: print(_line(job), flush=True))

        async def run() -> list[dict[str, Any]]:
            done = []
            async with federation_client(store, config) as (_client, fetch):
                for space_id in spaces:
                    job = backfill.restart(store, space_id)
                    if job is None:
                        print(f"{space_id}: the running node is reading it now", file=sys.stderr)
                        continue
                    while job is not None:  # a paused run (its time is up) is claimed again here
                        job = await backfill.run(store, config, fetch, job, progress=progress)
                        done.append(job)
                        job = backfill.claim(store, space_id=space_id) if job["state"] == "queued" else None
            return done

        try:
            jobs = asyncio.run(run())
        except FederationError as exc:
            raise InvalidInput("Cannot read the network: %(reason)s", reason=str(exc)) from exc
        finally:
            store.close()
        last = {job["space_id"]: job for job in jobs}
        text = f"Local members indexed: {local}.\n" if not args.space else ""
        text += "\n".join(_line(job) for job in last.values()) or "No followed space to read."
        return Result({"local": local, "jobs": list(last.values())}, text)


def cmd_status(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (_config, store):
        data = backfill.status(store)
        store.close()
        entries = data["entries"]
        lines = [f"People in the catalogue: {entries['local']} here, {entries['remote']} in followed spaces."]
        lines += [_line(job) for job in data["jobs"]] or ["No backfill yet: it starts when a followed space accepts."]
        return Result(data, "\n".join(lines))
