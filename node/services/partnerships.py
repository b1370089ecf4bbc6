"""Partnerships: what answered opportunities lead to, recorded on both members' nodes and counted.

The poster accepts an answer: their node records a `proposed` partnership and sends
`Offer(Partnership)` to the answerer alone. The answerer consented by answering that very
opportunity, so their node records it as started and answers `Accept(Offer)`; the proposer's
node then marks it started too. Nothing else starts a partnership: an Offer that does not match
an answer our member sent to that poster, or an Accept from anyone but the partner, changes
nothing. Cross-border means the parties' countries differ. Each node counts, per month in
which they started, the partnerships one of its members is party to; an ended partnership
stays counted in the month it began. The indicators `partnerships_started` and
`cross_border_partnerships_started` read them from here.
"""

from __future__ import annotations

import logging
import uuid as uuid_mod
from datetime import datetime
from typing import Any, Iterable, Mapping

from node.config import Config
from node.errors import NotFound
from node.services import local_actors, outbox
from node.services import opportunity_answers as answers
from node.services import opportunity_documents as documents
from node.services.indicators.registry import Period, Row, provides
from node.storage import opportunities as opportunities_store
from node.storage import space as space_store
from node.storage.db import Store
from node.timeutil import now_iso

log = logging.getLogger("coffee.opportunities")

KINDS = ("mission", "job", "internship", "coproduction", "subcontracting", "other")
FROM_OPPORTUNITY = {"mission": "mission", "job": "job", "internship": "internship", "request": "other", "offer": "other"}


def _cross_border(a: str, b: str) -> int:
    return int(bool(a) and bool(b) and a != b)


def accept_answer(store: Store, config: Config, uuid: str, answer_id: int, *, by: Mapping[str, Any]) -> dict[str, Any]:
    """The poster accepts an answer: a proposed partnership and an Offer to the answerer
    (an answer from this node's own member starts it at once)."""
    found, row = answers.poster_answer(store, uuid, answer_id, by)
    answers.answerable(found)
    existing = opportunities_store.partnership_by_ap_id(store, f"{found['ap_id']}/partnerships/{row['id']}")
    if existing is not None:
        return existing
    space = space_store.get(store)
    local_partner = local_actors.is_local(config, row["answerer_id"])
    stamp = now_iso()
    with store.transaction():
        opportunities_store.set_answer_status(store, row["id"], "accepted")
        partnership = opportunities_store.insert_partnership(store, {
            "uuid": str(uuid_mod.uuid4()), "ap_id": f"{found['ap_id']}/partnerships/{row['id']}",
            "opportunity_ap_id": found["ap_id"], "kind": FROM_OPPORTUNITY[found["kind"]],
            "proposer_id": found["poster_id"], "proposer_name": found["poster_name"],
            "proposer_space": found["space_id"], "proposer_country": space["country"],
            "partner_id": row["answerer_id"], "partner_name": row["answerer_name"],
            "partner_space": row["answerer_space"], "partner_country": row["answerer_country"],
            "status": "active" if local_partner else "proposed",
            "cross_border": _cross_border(space["country"], row["answerer_country"]),
            "started_at": stamp if local_partner else None,
        })
        if not local_partner:
            offer = {"type": "Offer", "object": documents.partnership_to_ap(partnership, row["note_id"]),
                     "target": row["answerer_id"], "to": [row["answerer_id"]]}
            offer_id = outbox.publish(store, config, offer, actor_id=found["poster_id"], recipients=[row["answerer_id"]])
            partnership = opportunities_store.update_partnership(store, partnership["id"], {"offer_id": offer_id})
    return partnership


def receive_offer(store: Store, config: Config, activity: Mapping[str, Any], obj: Mapping[str, Any], actor: str) -> str:
    """A peer's member proposes a partnership to one of ours; returns what happened (for the log)."""
    partners = [p for p in obj.get("partners", []) if isinstance(p, str)] if isinstance(obj.get("partners"), list) else []
    partner = next((p for p in partners if p != actor and local_actors.is_local(config, p)), None)
    if obj.get("attributedTo") != actor or actor not in partners or partner is None:
        return "not a proposal between this actor and one of our members"
    copy = opportunities_store.get_by_ap_id(store, obj.get("fromOpportunity") or "")
    sent = opportunities_store.answer_of(store, copy["id"], partner) if copy else None
    if copy is None or copy["poster_id"] != actor or sent is None or sent["direction"] != "sent":
        return "no answer of our member to this poster's opportunity"
    if opportunities_store.partnership_by_ap_id(store, obj["id"]) is not None:
        return "already recorded"
    space = space_store.get(store)
    with store.transaction():
        opportunities_store.set_answer_status(store, sent["id"], "accepted")
        opportunities_store.insert_partnership(store, {
            "uuid": str(uuid_mod.uuid4()), "ap_id": obj["id"], "offer_id": activity["id"],
            "opportunity_ap_id": copy["ap_id"], "kind": obj.get("partnershipKind") if obj.get("partnershipKind") in KINDS else "other",
            "proposer_id": actor, "proposer_name": copy["poster_name"], "proposer_space": copy["space_id"],
            "proposer_country": copy["country_of_space"], "partner_id": partner, "partner_name": sent["answerer_name"],
            "partner_space": local_actors.space_id(config), "partner_country": space["country"], "status": "active",
            "cross_border": _cross_border(copy["country_of_space"], space["country"]), "started_at": now_iso(),
        })
        outbox.publish(store, config, {"type": "Accept", "object": activity["id"], "to": [actor]},
                       actor_id=partner, recipients=[actor])
    return "started"


def receive_accept(store: Store, offer_id: str, actor: str) -> str:
    partnership = opportunities_store.partnership_by_offer(store, offer_id)
    if partnership is None or partnership["partner_id"] != actor:
        return "not the partner"
    if partnership["status"] != "proposed":
        return "already recorded"
    opportunities_store.update_partnership(store, partnership["id"], {"status": "active", "started_at": now_iso()})
    return "started"


def end(store: Store, config: Config, uuid: str, *, by: Mapping[str, Any]) -> dict[str, Any]:
    """Either party ends it (it stays counted in the month it began); the other's node hears it as the
    Undo of the party's own activity: the proposer's Offer, or the partner's Accept."""
    partnership = opportunities_store.partnership_by_uuid(store, uuid)
    me = local_actors.member_id(config, by["username"])
    if partnership is None or me not in (partnership["proposer_id"], partnership["partner_id"]):
        raise NotFound("No such partnership.")
    if partnership["status"] != "active":
        return partnership
    other = partnership["partner_id"] if me == partnership["proposer_id"] else partnership["proposer_id"]
    with store.transaction():
        ended = opportunities_store.update_partnership(store, partnership["id"], {"status": "ended", "ended_at": now_iso()})
        if not local_actors.is_local(config, other):
            undone = _own_activity(store, partnership, me)
            outbox.publish(store, config, {"type": "Undo", "object": undone, "to": [other]}, actor_id=me, recipients=[other])
    return ended


def _own_activity(store: Store, partnership: Mapping[str, Any], me: str) -> dict[str, Any]:
    """What `me` sent about this partnership: the Offer (proposer) or the Accept of it (partner)."""
    offer_id = partnership["offer_id"]
    if me == partnership["proposer_id"]:
        return {"id": offer_id, "type": "Offer", "actor": me}
    row = store.db.execute("SELECT id FROM activities WHERE type = 'Accept' AND actor = ? AND object_id = ?",
                           [me, offer_id]).fetchone()
    return {"id": row[0] if row else offer_id, "type": "Accept", "actor": me, "object": offer_id}


def receive_end(store: Store, offer_id: str, actor: str) -> str:
    """The other party ended it: only they can (the proposer by undoing the Offer, the partner their Accept)."""
    partnership = opportunities_store.partnership_by_offer(store, offer_id)
    if partnership is None or actor not in (partnership["proposer_id"], partnership["partner_id"]):
        return "not a party"
    if partnership["status"] != "active":
        return "not active"
    opportunities_store.update_partnership(store, partnership["id"], {"status": "ended", "ended_at": now_iso()})
    return "ended"


def of_member(store: Store, config: Config, member: Mapping[str, Any]) -> list[dict[str, Any]]:
    return opportunities_store.partnerships_of(store, [local_actors.member_id(config, member["username"])])


def all_local(store: Store, config: Config) -> list[dict[str, Any]]:
    """Every partnership one of our members is party to."""
    return opportunities_store.partnerships_with_prefix(store, f"{config.url}/@")


def monthly_counts(store: Store, config: Config) -> list[dict[str, Any]]:
    """`[{"month": "2026-12", "started": n, "cross_border": m}]`: what the indicators read."""
    return [{"month": row["month"], "started": row["started"], "cross_border": row["cross_border"] or 0}
            for row in opportunities_store.monthly_counts(store, f"{config.url}/@")]


def _started(store: Store, cross_border: bool) -> Iterable[Row]:
    """Every row here has one of our members as a party (we only record those), counted in the month it
    started (ended ones too), under this space's country."""
    country = space_store.get(store)["country"]
    extra = " AND cross_border = 1" if cross_border else ""
    for ap_id, started in store.conn.execute(f"SELECT ap_id, started_at FROM partnerships WHERE started_at IS NOT NULL{extra}"):
        yield started[:7], country, ap_id


@provides("partnerships_started")
def partnerships_started(store: Store, period: Period, now: datetime) -> Iterable[Row]:
    return _started(store, cross_border=False)


@provides("cross_border_partnerships_started")
def cross_border_partnerships_started(store: Store, period: Period, now: datetime) -> Iterable[Row]:
    return _started(store, cross_border=True)


def view(partnership: Mapping[str, Any]) -> dict[str, Any]:
    """What `partnerships --json` says about one partnership."""
    return {
        "uuid": partnership["uuid"], "id": partnership["ap_id"], "kind": partnership["kind"],
        "status": partnership["status"], "opportunity": partnership["opportunity_ap_id"] or None,
        "cross_border": bool(partnership["cross_border"]), "started_at": partnership["started_at"],
        "parties": [
            {"id": partnership[f"{side}_id"], "name": partnership[f"{side}_name"], "space": partnership[f"{side}_space"],
             "country": partnership[f"{side}_country"]} for side in ("proposer", "partner")],
    }
