"""Federation from the command line: follow spaces, answer follow requests, block domains, watch deliveries.

Commands write to the database; a running node's workers deliver what they queue
(they look for new rows every second), so these work while the node serves.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime, timezone
from typing import Any

from node import config as config_mod
from node import delivery_policy
from node.commands import Result, add_dir_arg, add_json_flag, open_node
from node.errors import NotFound
from node.federation_runtime import federation_client
from node.services import follows as follows_service
from node.services import domain_blocks, local_actors
from node.storage import deliveries as deliveries_store
from node.storage import domains as domains_store
from node.storage import follows as follows_store
from node.storage import members as members_store
from node.storage.db import Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("follow", help="follow a space (acct:space@host or an actor URL)")
    add_dir_arg(p)
    p.add_argument("target", help="acct:space@host, @space@host or https://host/ actor URL")
    p.add_argument("--as", dest="as_member", metavar="USERNAME", help="follow as this member instead of the space")
    add_json_flag(p)
    p.set_defaults(func=cmd_follow)

    p = sub.add_parser("unfollow", help="stop following an actor (sends Undo)")
    add_dir_arg(p)
    p.add_argument("target", help="the actor URL (see `coffee-node following`)")
    p.add_argument("--as", dest="as_member", metavar="USERNAME")
    add_json_flag(p)
    p.set_defaults(func=cmd_unfollow)

    for name, helptext, func in (("followers", "who follows the space (accepted and pending)", cmd_followers),
                                 ("following", "whom the space follows", cmd_following)):
        p = sub.add_parser(name, help=helptext)
        add_dir_arg(p)
        add_json_flag(p)
        p.set_defaults(func=func)

    for name, accept in (("approve", True), ("reject", False)):
        p = sub.add_parser(name, help=f"{name} a pending follow request (see `coffee-node followers`)")
        add_dir_arg(p)
        p.add_argument("follower", help="the follower's actor URL")
        add_json_flag(p)
        p.set_defaults(func=cmd_answer, accept=accept)

    p = sub.add_parser("block", help="refuse everything from a domain (403) and stop delivering to it")
    add_dir_arg(p)
    p.add_argument("domain")
    p.add_argument("--reason", default="")
    add_json_flag(p)
    p.set_defaults(func=cmd_block)

    p = sub.add_parser("unblock", help="lift a domain block")
    add_dir_arg(p)
    p.add_argument("domain")
    add_json_flag(p)
    p.set_defaults(func=cmd_unblock)

    p = sub.add_parser("blocks", help="list blocked domains")
    add_dir_arg(p)
    add_json_flag(p)
    p.set_defaults(func=cmd_blocks)

    p = sub.add_parser("deliveries", help="the delivery queue per domain: counts, pending rows with attempts, "
                                          "next try and last error, and the retry schedule")
    add_dir_arg(p)
    p.add_argument("--domain", help="only this recipient domain (host[:port])")
    add_json_flag(p)
    p.set_defaults(func=cmd_deliveries)



def _local_actor(config: config_mod.Config, store: Store, username: str | None) -> str:
    if username is None:
        return local_actors.space_id(config)
    member = members_store.get_by_username(store, username)
    if member is None or member["status"] != "active":
        raise NotFound("No active member %(username)s.", username=username)
    return local_actors.member_id(config, member["username"])


def cmd_follow(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (config, store):
        follower = _local_actor(config, store, args.as_member)

        async def run() -> tuple[dict[str, Any], dict[str, Any]]:
            async with federation_client(store, config) as (client, fetch):
                return await follows_service.follow_target(store, config, client, fetch, follower, args.target)

        remote, row = asyncio.run(run())
        data = {"follower": follower, "followee": remote["id"], "name": remote["name"], "state": row["state"]}
        return Result(data, f"Follow request sent to {remote['name'] or remote['id']} ({remote['id']}); "
                            "it becomes active when they accept.")


def cmd_unfollow(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (config, store):
        follower = _local_actor(config, store, args.as_member)
        follows_service.unfollow(store, config, follower, args.target)
        return Result({"follower": follower, "unfollowed": args.target}, f"Unfollowed {args.target}.")


def _rows(store: Store, rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [follows_service.describe(store, row[key]) | {"state": row["state"], "since": row["created_at"]} for row in rows]


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(none)"
    return "\n".join(f"{r['state']:9} {r['handle'] or '-':35} {r['id']}" for r in rows)


def cmd_followers(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (config, store):
        space = local_actors.space_id(config)
        rows = list(store.db.query("SELECT * FROM follows WHERE followee = ? ORDER BY state, id", [space]))
        data = _rows(store, rows, "follower")
        return Result(data, _table(data))


def cmd_following(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (config, store):
        data = _rows(store, follows_store.following(store, local_actors.space_id(config), state=None), "followee")
        return Result(data, _table(data))


def cmd_answer(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (config, store):
        row = follows_store.get(store, args.follower, local_actors.space_id(config))
        if row is None:
            raise NotFound("No follow request from %(actor)s.", actor=args.follower)
        follows_service.answer(store, config, row, accept=args.accept)
        state = "accepted" if args.accept else "rejected"
        return Result({"follower": args.follower, "state": state}, f"{args.follower}: {state}.")


def cmd_block(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (_config, store):
        domain = domain_blocks.block(store, args.domain, args.reason)
        return Result({"blocked": domain}, f"Blocked {domain}.")


def cmd_unblock(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (_config, store):
        domain = domain_blocks.unblock(store, args.domain)
        return Result({"unblocked": domain}, f"Unblocked {domain}.")


def cmd_blocks(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (_config, store):
        rows = domains_store.blocked(store)
        data = [{"domain": r["domain"], "reason": r["block_reason"], "since": r["blocked_at"]} for r in rows]
        return Result(data, "\n".join(f"{d['domain']}  {d['reason']}" for d in data) or "(none)")


def cmd_deliveries(args: argparse.Namespace) -> Result:
    domain = args.domain.strip().lower() if args.domain else None
    with open_node(args.dir) as (_config, store):
        domains = deliveries_store.summary(store, domain)
        rows = deliveries_store.pending(store, domain)
    now = datetime.now(timezone.utc)
    for summary in domains:
        summary["pending_rows"] = [row for row in rows if row["domain"] == summary["domain"]]
    lines = []
    for summary in domains:
        lines.append(f"{summary['domain']:30} pending={summary['pending']} failed={summary['failed']} "
                     f"delivered={summary['delivered']}"
                     + (f"  last error: {summary['last_error']}" if summary["last_error"] else ""))
        lines += [f"  {row['activity_type'] or '?':8} {row['inbox']}  attempts={row['attempts']}/{delivery_policy.MAX_ATTEMPTS}"
                  f"  next try {row['next_attempt_at']} ({_until(row['next_attempt_at'], now)})"
                  + (f"  last error: {row['last_error']}" if row["last_error"] else "")
                  for row in summary["pending_rows"]]
    schedule = delivery_policy.backoff_in_words()
    text = "\n".join(lines) if lines else "(no deliveries)"
    return Result({"domains": domains, "schedule": schedule}, f"{text}\n\n{schedule}")


def _until(moment: str, now: datetime) -> str:
    wait = datetime.fromisoformat(moment) - now
    return "due now" if wait.total_seconds() <= 0 else f"in {delivery_policy.duration(wait)}"

