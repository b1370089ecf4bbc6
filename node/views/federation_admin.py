"""Federation for admins and members: who follows us, whom we follow, blocks, the delivery queue.

Admins act for the space (`/admin/federation`); a member on the network follows
remote spaces from their home node (`/me/following`). Both call the same services
as `coffee-node follow/approve/block`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.appkeys import CLIENT, CONFIG, DELIVERY, FETCH, STORE, USER
from node.errors import CoffeeError, InvalidInput
from node.render import render, translate
from node.services import follows as follows_service
from node.services import domain_blocks, local_actors, personal_follows, publication
from node.storage import deliveries as deliveries_store
from node.storage import domains as domains_store
from node.storage import follows as follows_store
from node.views.flash import error_text, flash, take_flash
from node.views.guards import admin_required, login_required


def _rows(store: Any, rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [follows_service.describe(store, row[key]) | {"state": row["state"], "since": row["created_at"]} for row in rows]


def _admin_context(request: web.Request) -> dict[str, Any]:
    store, config = request.app[STORE], request.app[CONFIG]
    space = local_actors.space_id(config)
    followers = list(store.db.query("SELECT * FROM follows WHERE followee = ? ORDER BY state = 'pending' DESC, id", [space]))
    return {
        "followers": _rows(store, followers, "follower"),
        "following": _rows(store, follows_store.following(store, space, state=None), "followee"),
        "blocks": domains_store.blocked(store),
        "deliveries": deliveries_store.summary(store),
        "manual_approval": config.manual_approval,
        "notice": take_flash(request),
    }


@admin_required
async def page(request: web.Request) -> web.Response:
    return render(request, "admin/federation.html", _admin_context(request) | {"error": None})


async def _form(request: web.Request, *names: str) -> list[str]:
    form = await request.post()
    return [str(form.get(name, "")).strip() for name in names]


def _done(request: web.Request, notice: str, target: str = "/admin/federation") -> web.HTTPSeeOther:
    request.app[DELIVERY].wake()
    flash(request, notice)
    return web.HTTPSeeOther(target)


async def _follow(request: web.Request, follower: str, target: str) -> dict[str, Any]:
    if not target or len(target) > 500:
        raise InvalidInput("Say whom to follow: acct:space@host or an actor URL.", field="target")
    remote, _row = await follows_service.follow_target(request.app[STORE], request.app[CONFIG], request.app[CLIENT],
                                                       request.app[FETCH], follower, target)
    return remote


@admin_required
async def follow(request: web.Request) -> web.Response:
    (target,) = await _form(request, "target")
    try:
        remote = await _follow(request, local_actors.space_id(request.app[CONFIG]), target)
    except CoffeeError as exc:
        return render(request, "admin/federation.html", _admin_context(request) | {"error": error_text(request, exc)},
                      status=exc.status)
    raise _done(request, translate(request, "Follow request sent to %(name)s.", name=remote["name"] or remote["id"]))


@admin_required
async def unfollow(request: web.Request) -> web.Response:
    (actor,) = await _form(request, "actor")
    follows_service.unfollow(request.app[STORE], request.app[CONFIG], local_actors.space_id(request.app[CONFIG]), actor)
    raise _done(request, translate(request, "You no longer follow %(actor)s.", actor=actor))


@admin_required
async def answer(request: web.Request) -> web.Response:
    follower, decision = await _form(request, "follower", "decision")
    row = follows_store.get(request.app[STORE], follower, local_actors.space_id(request.app[CONFIG]))
    if row is None or decision not in ("accept", "reject"):
        raise InvalidInput("No such follow request.")
    follows_service.answer(request.app[STORE], request.app[CONFIG], row, accept=decision == "accept")
    raise _done(request, translate(request, "Accepted %(actor)s.", actor=follower) if decision == "accept"
                else translate(request, "Rejected %(actor)s.", actor=follower))


@admin_required
async def block(request: web.Request) -> web.Response:
    domain, reason = await _form(request, "domain", "reason")
    try:
        domain = domain_blocks.block(request.app[STORE], domain, reason[:200])
    except InvalidInput as exc:
        return render(request, "admin/federation.html", _admin_context(request) | {
            "error": error_text(request, exc)}, status=400)
    raise _done(request, translate(request, "Blocked %(domain)s.", domain=domain))


@admin_required
async def unblock(request: web.Request) -> web.Response:
    (domain,) = await _form(request, "domain")
    domain = domain_blocks.unblock(request.app[STORE], domain)
    raise _done(request, translate(request, "Unblocked %(domain)s.", domain=domain))


# --- a member's own follows ------------------------------------------------------------------

def _member_actor(request: web.Request) -> str:
    return local_actors.member_id(request.app[CONFIG], request[USER]["username"])


def _member_context(request: web.Request) -> dict[str, Any]:
    store = request.app[STORE]
    return {"following": _rows(store, follows_store.following(store, _member_actor(request), state=None), "followee"),
            "on_network": request[USER]["visibility"] in publication.NETWORK_VISIBILITIES,
            "notice": take_flash(request)}


@login_required
async def my_following(request: web.Request) -> web.Response:
    return render(request, "my_following.html", _member_context(request) | {"error": None})


@login_required
async def my_follow(request: web.Request) -> web.Response:
    (target,) = await _form(request, "target")
    app = request.app
    try:
        row = await personal_follows.follow(app[STORE], app[CONFIG], app[CLIENT], app[FETCH], request[USER], target)
    except CoffeeError as exc:
        return render(request, "my_following.html", _member_context(request) | {"error": error_text(request, exc)},
                      status=exc.status)
    name = follows_service.describe(app[STORE], row["followee"])["name"] or row["followee"]
    raise _done(request, translate(request, "Follow request sent to %(name)s.", name=name), "/me/following")


@login_required
async def my_unfollow(request: web.Request) -> web.Response:
    (actor,) = await _form(request, "actor")
    personal_follows.unfollow(request.app[STORE], request.app[CONFIG], request[USER], actor)
    raise _done(request, translate(request, "You no longer follow %(actor)s.", actor=actor), "/me/following")
