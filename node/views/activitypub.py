"""ActivityPub reads: actors and collections, on the same URLs as the HTML pages.

`negotiate(html, ap)` picks the ActivityPub handler when the client asks for
`application/activity+json` or `application/ld+json`; both answers say
`Vary: Accept` so caches keep them apart.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any, Awaitable, Callable

from aiohttp import web

from federation import collections, httpsig
from federation.errors import FederationError
from node.appkeys import CONFIG, KEYS, SKILLS, STORE
from node.errors import Gone, InvalidInput, NotFound
from node.services import local_actors, publication

log = logging.getLogger("coffee.activitypub")
AP_TYPES = ("application/activity+json", "application/ld+json")
CONTENT_TYPE = "application/activity+json"
MAX_PAGE = 10_000
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def wants_activitypub(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return any(kind in accept for kind in AP_TYPES)


def ap_response(doc: dict[str, Any], status: int = 200) -> web.Response:
    body = json.dumps(doc, ensure_ascii=False)
    response = web.Response(text=body, status=status, content_type=CONTENT_TYPE, charset="utf-8")
    response.headers["Vary"] = "Accept"
    return response


def negotiate(html_handler: Handler, ap_handler: Handler) -> Handler:
    """One URL, two representations (the page for people, the JSON-LD for servers)."""

    @functools.wraps(html_handler)
    async def handler(request: web.Request) -> web.StreamResponse:
        if wants_activitypub(request):
            try:
                return await ap_handler(request)
            except Gone:
                return ap_response(_tombstone(request), status=410)
        response = await html_handler(request)
        response.headers.add("Vary", "Accept")
        return response

    return handler


def _tombstone(request: web.Request) -> dict[str, Any]:
    config = request.app[CONFIG]
    object_id = f"{config.url}{request.path}"
    doc = publication.tombstone_for(request.app[STORE], object_id)
    return doc or {"id": object_id, "type": "Tombstone"}


async def signed_viewer_domain(request: web.Request) -> str | None:
    """The domain of a verified signed GET, or None for anonymous / unverifiable fetches."""
    if "Signature" not in request.headers and "Signature-Input" not in request.headers:
        return None
    config = request.app[CONFIG]
    try:
        signer = await httpsig.verify_request(request.method, f"{config.url}{request.raw_path}", request.headers,
                                              None, request.app[KEYS])
    except FederationError as exc:
        log.info("fetch.signature_rejected", extra={"path": request.path, "reason": str(exc)})
        return None
    return publication.domain_of(signer.owner)


def page_number(request: web.Request) -> int | None:
    raw = request.query.get("page")
    if raw is None:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise InvalidInput("page must be a number from 1 to %(max)s.", field="page", max=MAX_PAGE)
    return int(raw)


def paged(collection_id: str, number: int | None, items: list[Any]) -> dict[str, Any]:
    """Collection head without ?page, the page's slice with it."""
    if number is None:
        return collections.collection(collection_id, len(items))
    start = (number - 1) * collections.PAGE_SIZE
    return collections.page(collection_id, number, items[start:start + collections.PAGE_SIZE], len(items))


# --- actors -------------------------------------------------------------------------------

async def space_actor(request: web.Request) -> web.Response:
    return ap_response(publication.space_doc(request.app[STORE], request.app[CONFIG]))


async def member_actor(request: web.Request) -> web.Response:
    store, config = request.app[STORE], request.app[CONFIG]
    member = publication.federated_member(store, config, request.match_info["username"],
                                          await signed_viewer_domain(request))
    return ap_response(publication.member_doc(store, config, member, request.app[SKILLS].label))


async def application_actor(request: web.Request) -> web.Response:
    return ap_response(publication.application_doc(request.app[STORE], request.app[CONFIG]))


# --- collections --------------------------------------------------------------------------

def _actor_for(request: web.Request) -> str:
    """The local actor a collection URL belongs to (`/space/...` or `/@user/...`)."""
    config = request.app[CONFIG]
    username = request.match_info.get("username")
    if username is None:
        return local_actors.space_id(config)
    return local_actors.member_id(config, username)


async def _check_member(request: web.Request) -> None:
    username = request.match_info.get("username")
    if username is not None:
        publication.federated_member(request.app[STORE], request.app[CONFIG], username,
                                     await signed_viewer_domain(request))


async def outbox(request: web.Request) -> web.Response:
    await _check_member(request)
    actor_id = _actor_for(request)
    number = page_number(request)
    collection_id = f"{local_actors.collection_base(request.app[CONFIG], actor_id)}/outbox"
    if number is None:
        _items, total = publication.outbox_items(request.app[STORE], actor_id, offset=0, limit=0)
        return ap_response(collections.collection(collection_id, total))
    items, total = publication.outbox_items(request.app[STORE], actor_id,
                                            offset=(number - 1) * collections.PAGE_SIZE, limit=collections.PAGE_SIZE)
    return ap_response(collections.page(collection_id, number, items, total))


async def followers(request: web.Request) -> web.Response:
    await _check_member(request)
    actor_id = _actor_for(request)
    collection_id = f"{local_actors.collection_base(request.app[CONFIG], actor_id)}/followers"
    return ap_response(paged(collection_id, page_number(request), publication.follower_ids(request.app[STORE], actor_id)))


async def following(request: web.Request) -> web.Response:
    await _check_member(request)
    actor_id = _actor_for(request)
    collection_id = f"{local_actors.collection_base(request.app[CONFIG], actor_id)}/following"
    return ap_response(paged(collection_id, page_number(request), publication.following_ids(request.app[STORE], actor_id)))


async def space_members(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    ids = publication.member_ids(request.app[STORE], config, await signed_viewer_domain(request))
    return ap_response(paged(f"{config.url}/space/members", page_number(request), ids))


async def not_html(request: web.Request) -> web.Response:
    """Collections and the Application actor exist only as ActivityPub documents."""
    raise NotFound("This address is for ActivityPub servers.")
