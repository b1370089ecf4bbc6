"""Follow from the page you are on (visitor side) and `/authorize_interaction` (home side)."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import CLIENT, CONFIG
from node.errors import CoffeeError
from node.render import render
from node.services import remote_interaction
from node.views.flash import error_text
from node.views.guards import login_required


async def remote_follow(request: web.Request) -> web.Response:
    """A visitor typed their handle under one of our actors: off to their home server to confirm."""
    form = await request.post()
    handle, actor = str(form.get("handle", ""))[:300], str(form.get("actor", ""))[:500]
    try:
        target = await remote_interaction.home_page_for(request.app[CLIENT], request.app[CONFIG], handle, actor)
    except CoffeeError as exc:
        return render(request, "remote_follow.html", {"error": error_text(request, exc), "handle": handle,
                                                      "actor": actor}, status=exc.status)
    raise web.HTTPSeeOther(target)


@login_required
async def authorize_interaction(request: web.Request) -> web.Response:
    """The member confirms following what the link names; the page never redirects by itself."""
    try:
        target = remote_interaction.interaction_target(request.query.get("uri", ""))
    except CoffeeError as exc:
        return render(request, "authorize_interaction.html", {"error": error_text(request, exc), "target": None},
                      status=exc.status)
    return render(request, "authorize_interaction.html", {"error": None, "target": target})
