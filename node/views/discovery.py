"""WebFinger, host-meta and NodeInfo: how other servers find our actors and what we are."""

from __future__ import annotations

import json

from aiohttp import web

from federation import nodeinfo, webfinger
from node import __version__, i18n
from node.appkeys import CONFIG, LANG, STORE
from node.errors import CoffeeError, InvalidInput, NotFound
from node.middlewares import json_error
from node.services import accounts, local_actors
from node.storage import members as members_store
from node.storage import space as space_store


CORS = {"Access-Control-Allow-Origin": "*"}


async def webfinger_view(request: web.Request) -> web.Response:
    """RFC 7033: every answer, errors included, is JSON that any origin may read (§5)."""
    try:
        body = _jrd(request)
    except CoffeeError as exc:
        message = exc.translated(i18n.translations(request[LANG]).gettext)
        response = json_error(exc.status, message, exc.field)
        response.headers.update(CORS)
        return response
    return web.json_response(body, content_type=webfinger.JRD_CONTENT_TYPE, headers=CORS)


def _jrd(request: web.Request) -> dict:
    config, store = request.app[CONFIG], request.app[STORE]
    resource = request.query.get("resource", "")
    if not resource or len(resource) > 500:
        raise InvalidInput("resource is required (acct:user@host).", field="resource")
    username = webfinger.parse_resource(resource, config.domain, root_name=config.slug)
    if username is None:
        raise NotFound("No such account here.")
    if username.lower() == config.slug:
        actor_id, profile = local_actors.space_id(config), f"{config.url}/"
        subject_name = config.slug
    else:
        member = members_store.get_by_username(store, username)
        if member is None or member["status"] != "active" or member["visibility"] != "public":
            raise NotFound("No such account here.")  # network members are found through the space
        actor_id = profile = local_actors.member_id(config, member["username"])
        subject_name = member["username"]
    jrd = webfinger.webfinger_response(f"acct:{subject_name}@{config.domain}", actor_id, profile,
                                       subscribe_template=f"{config.url}/authorize_interaction?uri={{uri}}")
    return webfinger.select_links(jrd, request.query.getall("rel", []))


async def host_meta(request: web.Request) -> web.Response:
    return web.Response(text=webfinger.host_meta_xml(request.app[CONFIG].url), content_type="application/xrd+xml")


async def nodeinfo_links(request: web.Request) -> web.Response:
    return web.json_response(nodeinfo.nodeinfo_links(request.app[CONFIG].url), headers=CORS)


async def nodeinfo_document(request: web.Request) -> web.Response:
    """NodeInfo 2.1, typed with its schema's profile as the protocol asks, readable from any origin."""
    config, store = request.app[CONFIG], request.app[STORE]
    space = space_store.get(store)
    local_posts = store.db.execute("SELECT count(*) FROM activities WHERE public = 1").fetchone()[0]
    doc = nodeinfo.nodeinfo_document(
        "coffee", __version__, users_total=accounts.federated_users(store),
        users_active_month=accounts.active_users(store, days=30),
        users_active_halfyear=accounts.active_users(store, days=180), local_posts=local_posts,
        open_registrations=False,
        metadata={"nodeName": space["name"], "spaceName": space["name"], "city": space["city"],
                  "country": space["country"], "languages": space["languages"],
                  "space": local_actors.space_id(config), "indicators": f"{config.url}/space/indicators"},
    )
    return web.Response(body=json.dumps(doc).encode(), headers={"Content-Type": nodeinfo.NODEINFO_21_CONTENT_TYPE, **CORS})
