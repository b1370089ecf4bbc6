"""POST to an inbox: cap, media type, parse, signature, origin rules, durable row, 202.

Everything after the 202 (fetching, storing, answering) is the inbox worker's.
Every rejection is logged on one line with its reason and counted in metrics.
"""

from __future__ import annotations

import logging

from aiohttp import web

from federation import httpsig, inbox as rules
from federation.errors import (BlockedError, FederationError, FetchError, RateLimited, SignatureMismatch,
                               TooLargeError)
from node.appkeys import CONFIG, INBOX_WORKER, KEYS, METRICS, RATE, STORE
from node.middlewares import csrf_exempt
from node.services import inbound_rules, publication
from node.storage import domains as domains_store
from node.storage import inbox as inbox_store

log = logging.getLogger("coffee.inbox")


async def _read_capped(request: web.Request) -> bytes:
    rules.check_length(request.content_length)
    body = await request.content.read(rules.MAX_BODY_BYTES + 1)
    if len(body) > rules.MAX_BODY_BYTES:
        raise TooLargeError(f"body exceeds {rules.MAX_BODY_BYTES} bytes")
    return body


@csrf_exempt
async def post_inbox(request: web.Request) -> web.Response:
    config, store = request.app[CONFIG], request.app[STORE]
    recipient = inbound_rules.recipient_of(config, request.match_info.get("username"), request.path)
    actor = None
    try:
        rules.check_media_type(request.headers.get("Content-Type", ""))
        body = await _read_capped(request)
        doc = rules.parse(body)
        actor = rules.id_of(doc.get("actor"))
        domain = publication.domain_of(actor)
        if domain and domains_store.is_blocked(store, domain):
            raise BlockedError(f"domain {domain} is blocked")
        if not request.app[RATE].allow(domain or ""):
            raise RateLimited(f"too many activities from {domain}")
        if not any(h in request.headers for h in ("Signature", "Signature-Input", "Authorization")):
            raise SignatureMismatch("the request is not signed")
        try:
            signer = await httpsig.verify_request("POST", f"{config.url}{request.raw_path}", request.headers, body,
                                                  request.app[KEYS])
        except FetchError as exc:
            raise SignatureMismatch(f"cannot get the signing key: {exc}") from exc
        activity = rules.drop_foreign_embeds(rules.normalise(doc))
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
    stored = inbox_store.enqueue(store, activity_id=dedupe_id, actor=signer.owner, type_=activity["type"],
                                 recipient=recipient, document=activity, signer=signer.key_id)
    domains_store.record_success(store, publication.domain_of(signer.owner) or "")
    request.app[METRICS].inc("coffee_inbox_activities_total", result="accepted" if stored else "duplicate", reason="")
    if stored:
        request.app[INBOX_WORKER].wake()
    return web.json_response({"status": "accepted" if stored else "duplicate"}, status=202)
