"""POST to an inbox: cap, media type, parse, signature, origin rules, durable row, 202.

Everything after the 202 (fetching, storing, answering) is the inbox worker's.
Every rejection is logged on one line with its reason and counted in metrics.
"""

from __future__ import annotations

import logging
import sqlite3

from aiohttp import web

from federation import httpsig, inbox as rules, jsonld, origin
from federation.client import is_public_address, read_capped
from federation.errors import (BlockedError, FederationError, FetchError, MalformedError, RateLimited,
                               SignatureMismatch)
from node.appkeys import CONFIG, INBOX_WORKER, KEYS, METRICS, RATE, STORE
from node.middlewares import RETRY_AFTER_FULL_S, csrf_exempt
from node.services import inbound_rules
from node.storage import domains as domains_store
from node.storage import inbox as inbox_store
from node.storage.db import Store
from node.storage.health import unwritable_reason

log = logging.getLogger("coffee.inbox")


async def _read_capped(request: web.Request) -> bytes:
    rules.check_length(request.content_length)
    return await read_capped(request.content, rules.MAX_BODY_BYTES)


def source_address(request: web.Request) -> str:
    """The address the request came from: the connection's, or the proxy's last hop when a local proxy forwards.

    Only a non-public peer (the reverse proxy of deploy/) is trusted to say who it forwards for;
    anyone on the internet could write an X-Forwarded-For header.
    """
    remote = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and not is_public_address(remote):
        return forwarded.rsplit(",", 1)[-1].strip() or remote
    return remote


def _claimed_domain(actor: str | None) -> str | None:
    """The normalised domain of the claimed actor, checked against blocks before any key fetch.

    None when the actor is no http(s) URL: such a claim can never match a verified signer.
    A URL with userinfo is refused (400): it exists to read as another host.
    """
    if actor is None:
        return None
    try:
        origin.origin(actor)
    except MalformedError:
        return None
    return origin.domain_of(actor)


def _unavailable(request: web.Request, exc: sqlite3.Error) -> web.Response:
    """A full disk: 503 with Retry-After, so the sender keeps the activity and tries again."""
    reason = unwritable_reason(exc)
    if reason is None:
        raise exc
    log.warning("inbox.storage_unavailable", extra={"reason": reason, "path": request.path})
    request.app[METRICS].inc("coffee_inbox_activities_total", result="unavailable", reason="storage")
    return web.json_response({"error": f"cannot store activities now: {reason}", "status": 503}, status=503,
                             headers={"Retry-After": str(RETRY_AFTER_FULL_S)})


@csrf_exempt
async def post_inbox(request: web.Request) -> web.Response:
    config, store = request.app[CONFIG], request.app[STORE]
    recipient = inbound_rules.recipient_of(config, request.match_info.get("username"), request.path)
    actor = None
    try:
        rules.check_media_type(request.headers.get("Content-Type", ""))
        address = source_address(request)
        if not request.app[RATE].allow(f"address {address}"):
            raise RateLimited(f"too many activities from {address}")
        body = await _read_capped(request)
        doc = rules.parse(body)
        actor = rules.id_of(doc.get("actor"))
        _refuse_blocked(store, _claimed_domain(actor))
        if not any(h in request.headers for h in ("Signature", "Signature-Input", "Authorization")):
            raise SignatureMismatch("the request is not signed")
        try:
            signer = await httpsig.verify_request("POST", f"{config.url}{request.raw_path}", request.headers, body,
                                                  request.app[KEYS])
        except FetchError as exc:
            raise SignatureMismatch(f"cannot get the signing key: {exc}") from exc
        signer_domain = origin.domain_of(signer.owner)
        _refuse_blocked(store, signer_domain)
        if not request.app[RATE].allow(f"domain {signer_domain}"):
            raise RateLimited(f"too many activities from {signer_domain}")
        activity = rules.drop_foreign_embeds(jsonld.normalise(doc))
        dedupe_id = rules.check_origin(activity, signer)
        inbound_rules.check(store, config, activity, signer.owner)
    except FederationError as exc:
        reason = str(exc)
        log.info("inbox.rejected", extra={"status": exc.status, "reason": reason, "actor": actor, "path": request.path})
        request.app[METRICS].inc("coffee_inbox_activities_total", result="rejected", reason=type(exc).__name__)
        response = web.json_response({"error": reason}, status=exc.status)
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = "10"
        return response
    try:
        with store.transaction():  # the row and the sender's health together, or neither
            stored = inbox_store.enqueue(store, activity_id=dedupe_id, actor=signer.owner, type_=activity["type"],
                                         recipient=recipient, document=activity, signer=signer.key_id)
            domains_store.record_success(store, signer_domain)
    except sqlite3.Error as exc:
        return _unavailable(request, exc)
    request.app[METRICS].inc("coffee_inbox_activities_total", result="accepted" if stored else "duplicate", reason="")
    if stored:
        request.app[INBOX_WORKER].wake()
    return web.json_response({"status": "accepted" if stored else "duplicate"}, status=202)


def _refuse_blocked(store: Store, domain: str | None) -> None:
    if domain and domains_store.is_blocked(store, domain):
        raise BlockedError(f"domain {domain} is blocked")
