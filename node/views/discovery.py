"""WebFinger, host-meta and NodeInfo: how other servers find our actors and what we are."""

from __future__ import annotations

from aiohttp import web

from federation import nodeinfo, webfinger
from node import __version__
from node.appkeys import CONFIG, STORE
from node.errors import InvalidInput, NotFound
from node.services import local_actors
from node.storage import members as members_store
from node.storage import space as space_store


async def webfinger_view(request: web.Request) -> web.Response:
    config, store = request.app[CONFIG], request.app[STORE]
    resource = request.query.get("resource", "")
    if not resource or len(resource) > 500:
        raise InvalidInput("resource is required (acct:user@host).", field="resource")
    username = webfinger.parse_resource(resource, config.domain)
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
    body = webfinger.webfinger_response(f"acct:{subject_name}@{config.domain}", actor_id, profile)
    return web.json_response(body, content_type="application/jrd+json", headers={"Access-Control-Allow-Origin": "*"})


async def host_meta(request: web.Request) -> web.Response:
    return web.Response(text=webfinger.host_meta_xml(request.app[CONFIG].url), content_type="application/xrd+xml")


async def nodeinfo_links(request: web.Request) -> web.Response:
    return web.json_response(nodeinfo.nodeinfo_links(request.app[CONFIG].url))


async def nodeinfo_document(request: web.Request) -> web.Response:
    config, store = request.app[CONFIG], request.app[STORE]
    space = space_store.get(store)
    federated = members_store.count(store, "status = 'active' AND visibility IN ('public', 'network')")
    local_posts = store.db.execute("SELECT count(*) FROM activities WHERE public = 1").fetchone()[0]
    doc = nodeinfo.nodeinfo_document(
        "coffee", __version__, users_total=federated, users_active_month=federated, local_posts=local_posts,
        open_registrations=False,
        metadata={"nodeName": space["name"], "spaceName": space["name"], "city": space["city"],
                  "country": space["country"], "languages": space["languages"],
                  "space": local_actors.space_id(config)},
    )
    return web.json_response(doc)
