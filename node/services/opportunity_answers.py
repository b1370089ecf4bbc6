"""Answering an opportunity from one's home node: a private message to the poster only.

The answer is a `Create(Note)` whose `inReplyTo` is the opportunity and whose only recipient
is the poster (no Public, no followers, no cc): it is stored in `opportunity_answers` on both
nodes and never in a collection, feed, catalogue, search result or API. The activity itself is
kept in `activities` (deliveries send it from there) with `public = 0`, which outboxes skip.
One answer per person and opportunity: answering again replaces the message (same Note id).
A peer's answer to something closed or expired, addressed to more than the poster, or past the
per-actor rate limit is ignored and logged.
"""

from __future__ import annotations

import logging
import uuid as uuid_mod
from datetime import timedelta
from typing import Any, Mapping

from node.config import Config
from node.errors import InvalidInput, NotFound, PermissionDenied
from node.services import fields as check
from node.services import local_actors, outbox, publication
from node.services.actor_documents import paragraphs
from node.services.event_documents import _plain
from node.storage import opportunities as opportunities_store
from node.storage import space as space_store
from node.storage.db import Store
from node.timeutil import now

log = logging.getLogger("coffee.opportunities")

MAX_MESSAGE = 2_000
RATE_WINDOW = timedelta(hours=1)
RATE_LIMIT = 20  # answers one remote actor may send us per hour


def answerable(found: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if found is None or found["deleted_at"]:
        raise NotFound("No such opportunity.")
    if found["status"] != "open" or found["expires"] <= now():
        raise InvalidInput("This opportunity is closed: it no longer takes answers.", field="opportunity")
    return found


def answer(store: Store, config: Config, uuid: str, member: Mapping[str, Any], message: Any,
           profile_url: Any = "") -> dict[str, Any]:
    """A member answers; a peer's opportunity gets a Create(Note) addressed to its poster alone."""
    found = answerable(opportunities_store.get_by_uuid(store, uuid))
    text = check.text(message, field="message", max_len=MAX_MESSAGE, required=True, multiline=True)
    link = check.url(profile_url, field="profile_url")
    answerer = local_actors.member_id(config, member["username"])
    if found["poster_id"] == answerer:
        raise InvalidInput("This is your own opportunity.", field="opportunity")
    remote = found["origin"] != "local"
    if remote and member["visibility"] not in publication.NETWORK_VISIBILITIES:
        raise PermissionDenied("Show your profile to the network first: the poster must be able to see who answers.")
    existing = opportunities_store.answer_of(store, found["id"], answerer)
    note_id = existing["note_id"] if existing else f"{config.url}/answers/{uuid_mod.uuid4()}"
    space = space_store.get(store)
    with store.transaction():
        row = opportunities_store.upsert_answer(store, found["id"], answerer, {
            "direction": "sent" if remote else "received", "answerer_name": member["display_name"] or member["username"],
            "answerer_country": space["country"], "answerer_space": local_actors.space_id(config),
            "note_id": note_id, "message": text, "profile_url": link,
        })
        if remote:
            note = {"id": note_id, "type": "Note", "attributedTo": answerer, "inReplyTo": found["ap_id"],
                    "to": [found["poster_id"]], "content": paragraphs(text) + (f'<p><a href="{link}">{link}</a></p>' if link else ""),
                    "source": {"content": text, "mediaType": "text/plain"}, "url": link}
            outbox.publish(store, config, {"type": "Create", "object": note, "to": [found["poster_id"]]},
                           actor_id=answerer, recipients=[found["poster_id"]])
    return row


def private_to(activity: Mapping[str, Any], note: Mapping[str, Any], poster: str) -> bool:
    """Addressed to the poster and nobody else, on the activity and on the Note."""
    for doc in (activity, note):
        if set(outbox.audience(doc)) - {poster}:
            return False
    return poster in outbox.audience(note) or poster in outbox.audience(activity)


def receive(store: Store, config: Config, activity: Mapping[str, Any], note: Mapping[str, Any], *,
            actor: Mapping[str, Any], country: str) -> str:
    """A peer's member answered one of our opportunities; returns what happened (for the log)."""
    found = opportunities_store.get_by_ap_id(store, note.get("inReplyTo") or "")
    if found is None or found["origin"] != "local":
        return "not ours"
    if not private_to(activity, note, found["poster_id"]):
        return "not private"
    try:
        answerable(found)
    except (InvalidInput, NotFound):
        return "closed"
    since = (now() - RATE_WINDOW).isoformat(timespec="seconds")
    if opportunities_store.recent_answers_from(store, actor["id"], since) >= RATE_LIMIT:
        return "rate limited"
    text = _text_of(note)
    existing = opportunities_store.answer_of(store, found["id"], actor["id"])
    if existing is not None and existing["note_id"] != note["id"]:
        return "duplicate"
    opportunities_store.upsert_answer(store, found["id"], actor["id"], {
        "direction": "received", "answerer_name": actor["name"] or actor["preferred_username"],
        "answerer_country": country, "answerer_space": actor.get("space", ""), "note_id": note["id"],
        "message": text, "profile_url": note.get("url") if isinstance(note.get("url"), str) else "",
    })
    return "stored"


def _parties(found: Mapping[str, Any], row: Mapping[str, Any]) -> tuple[str, str]:
    return found["poster_id"], row["answerer_id"]


def reply(store: Store, config: Config, answer_id: int, member: Mapping[str, Any], message: Any) -> dict[str, Any]:
    """The poster or the answerer writes in the answer's thread: a Note to the other party alone."""
    row = opportunities_store.answer(store, answer_id)
    found = opportunities_store.get(store, row["opportunity_id"]) if row else None
    me = local_actors.member_id(config, member["username"])
    if row is None or found is None or me not in _parties(found, row):
        raise NotFound("No such answer.")
    text = check.text(message, field="message", max_len=MAX_MESSAGE, required=True, multiline=True)
    poster, answerer = _parties(found, row)
    other = answerer if me == poster else poster
    note_id = f"{config.url}/answers/{uuid_mod.uuid4()}"
    with store.transaction():
        opportunities_store.add_message(store, row["id"], me, note_id, text)
        if not local_actors.is_local(config, other):
            note = {"id": note_id, "type": "Note", "attributedTo": me, "inReplyTo": row["note_id"], "to": [other],
                    "content": paragraphs(text), "source": {"content": text, "mediaType": "text/plain"}}
            outbox.publish(store, config, {"type": "Create", "object": note, "to": [other]}, actor_id=me, recipients=[other])
    return row


def receive_reply(store: Store, activity: Mapping[str, Any], note: Mapping[str, Any], actor: str) -> str:
    """A message in the thread of an answer we hold, from the other party, to our member alone."""
    row = opportunities_store.answer_by_note(store, note.get("inReplyTo") or "")
    found = opportunities_store.get(store, row["opportunity_id"]) if row else None
    if row is None or found is None:
        return "no such thread"
    poster, answerer = _parties(found, row)
    if actor not in (poster, answerer):
        return "not a party"
    if not private_to(activity, note, answerer if actor == poster else poster):
        return "not private"
    if opportunities_store.add_message(store, row["id"], actor, note["id"], _text_of(note)):
        return "stored"
    return "duplicate"


def _text_of(note: Mapping[str, Any]) -> str:
    source = note.get("source") if isinstance(note.get("source"), dict) else {}
    text = source.get("content") if isinstance(source.get("content"), str) else None  # type: ignore[union-attr]
    if text is None:
        text = _plain(note.get("content") if isinstance(note.get("content"), str) else "")
    return text[:MAX_MESSAGE]


def thread(store: Store, answer_id: int) -> list[dict[str, Any]]:
    return opportunities_store.messages(store, answer_id)


def for_poster(store: Store, found: Mapping[str, Any]) -> list[dict[str, Any]]:
    return opportunities_store.answers(store, found["id"])


def decline(store: Store, uuid: str, answer_id: int, *, by: Mapping[str, Any]) -> None:
    """Declined stays on the poster's side (the answerer's node is not told)."""
    found, row = poster_answer(store, uuid, answer_id, by)
    opportunities_store.set_answer_status(store, row["id"], "declined")


def poster_answer(store: Store, uuid: str, answer_id: int, by: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    found = opportunities_store.get_by_uuid(store, uuid)
    row = opportunities_store.answer(store, answer_id)
    if found is None or row is None or row["opportunity_id"] != found["id"] or row["direction"] != "received":
        raise NotFound("No such answer.")
    if found["origin"] != "local" or not (found["member_id"] == by["id"] or by["role"] == "admin"):
        raise PermissionDenied("Only who posted this opportunity can answer it.")
    return found, row
