"""Answers and partnership messages stay between the two members: absent from every collection, feed,
search result, API and public page on both nodes and on a third node that follows both. Forged
messages (a third party signing) change nothing."""

from __future__ import annotations

import pytest

from federation import keys

from node.appkeys import DELIVERY
from node.services import opportunities as op
from node.services import opportunity_answers, partnerships
from node.storage import members as members_store
from node.storage import opportunities as opportunities_store
from tests.federation_network.attacker import start_attacker
from tests.federation_network.helpers import eventually, follow, set_member, settled
from tests.test_opportunities import GRAPHIC_DESIGN, SKILLS

SECRET_REPLY = "Le budget total est de 4200 euros."
SECRET = "Mon tarif est de 380 euros par jour, appelez-moi au 0470 12 34 56."
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
TABLES = ("opportunities", "opportunity_answers", "answer_messages", "partnerships", "activities", "deliveries", "members", "follows")


def snapshot(node) -> dict[str, list]:
    return {table: [tuple(r) for r in node.store.conn.execute(f"SELECT * FROM {table} ORDER BY rowid")] for table in TABLES}


async def network(node_factory):
    """Charleroi and Lille follow each other; Tournai follows both. Nadia (Charleroi) posts a mission."""
    charleroi = await node_factory(name="La Fabrik", slug="fabrik", country="BE", city="Charleroi")
    lille = await node_factory(name="Mutualab", country="FR", city="Lille")
    tournai = await node_factory(name="ESCO", slug="esco", country="BE", city="Tournai")
    for follower, followee in ((lille, charleroi), (charleroi, lille), (tournai, charleroi), (tournai, lille)):
        await follow(follower, followee)
    set_member(charleroi, "nadia", display_name="Nadia", visibility="public")
    louise = set_member(lille, "louise", display_name="Louise", visibility="public", skills_offered=[GRAPHIC_DESIGN])
    nadia = members_store.get_by_username(charleroi.store, "nadia")
    found = op.create(charleroi.store, charleroi.config, {"kind": "mission", "title": {"fr": "Affiche"},
                                                          "skills": [GRAPHIC_DESIGN]}, SKILLS, by=nadia)
    charleroi.app[DELIVERY].wake()
    copy = await eventually(lambda: opportunities_store.get_by_ap_id(lille.store, found["ap_id"]))
    await eventually(lambda: opportunities_store.get_by_ap_id(tournai.store, found["ap_id"]))
    return charleroi, lille, tournai, found, copy, nadia, louise


async def texts(node, paths: list[str]) -> list[str]:
    found = []
    http = node.client()
    for path in paths:
        for accept in ("text/html", "application/activity+json"):
            async with http.get(path, headers={"Accept": accept}) as resp:
                found.append(f"{path} {accept} {resp.status}\n{await resp.text()}")
    return found


async def test_answers_and_partnerships_stay_private(node_factory) -> None:
    charleroi, lille, tournai, found, copy, nadia, louise = await network(node_factory)
    answer = opportunity_answers.answer(lille.store, lille.config, copy["uuid"], louise, SECRET)
    lille.app[DELIVERY].wake()
    [received] = await eventually(lambda: opportunities_store.answers(charleroi.store, found["id"]))
    assert received["message"] == SECRET
    opportunity_answers.reply(charleroi.store, charleroi.config, received["id"], nadia, SECRET_REPLY)
    charleroi.app[DELIVERY].wake()
    await eventually(lambda: opportunity_answers.thread(lille.store, answer["id"]))
    partnerships.accept_answer(charleroi.store, charleroi.config, found["uuid"], received["id"], by=nadia)
    charleroi.app[DELIVERY].wake()
    await eventually(lambda: partnerships.all_local(lille.store, lille.config))
    lille.app[DELIVERY].wake()
    await eventually(lambda: partnerships.all_local(charleroi.store, charleroi.config)[0]["status"] == "active")
    await settled(charleroi, lille, tournai)

    secrets = [SECRET, "380 euros", SECRET_REPLY, "4200", answer["note_id"], "/partnerships/"]
    for node in (charleroi, lille, tournai):
        paths = ["/", "/space/outbox", "/space/outbox?page=1", "/space/followers", "/@nadia", "/@nadia/outbox?page=1",
                 "/@louise", "/@louise/outbox?page=1", "/opportunities", "/opportunities.atom", "/api/opportunities",
                 "/api/members", "/catalogue?q=380", "/api/catalogue?q=euros", "/events.atom", "/members",
                 f"/opportunities/{opportunities_store.get_by_ap_id(node.store, found['ap_id'])['uuid']}"]
        for text in await texts(node, paths):
            for secret in secrets:
                assert secret not in text, (node.url, text[:120], secret)
    # The third node never received either message: nothing of them in its inbox or tables.
    assert not tournai.store.db.execute("SELECT count(*) FROM opportunity_answers").fetchone()[0]
    assert not tournai.store.db.execute("SELECT count(*) FROM partnerships").fetchone()[0]
    assert not tournai.store.db.execute("SELECT count(*) FROM answer_messages").fetchone()[0]
    for secret in (SECRET, SECRET_REPLY, answer["note_id"], "\"type\": \"Partnership\""):
        assert not tournai.store.db.execute("SELECT count(*) FROM inbox WHERE document LIKE ?",
                                            [f"%{secret}%"]).fetchone()[0], secret
    assert not tournai.store.db.execute("SELECT count(*) FROM inbox WHERE type = 'Offer'").fetchone()[0]
    # On the two nodes, the activities that carried them are not public (outboxes list public ones only).
    for node in (charleroi, lille):
        rows = node.store.db.execute("SELECT type, public FROM activities WHERE type IN ('Offer', 'Accept') OR "
                                     "(type = 'Create' AND document LIKE '%\"Note\"%')").fetchall()
        assert rows and all(public == 0 for _type, public in rows)


@pytest.fixture
async def attacker():
    mallory = await start_attacker()
    yield mallory
    await mallory.stop()


def note(attacker, found: dict, *, n: int = 1, to: list[str] | None = None, text: str = "Hire me") -> dict:
    to = to if to is not None else [found["poster_id"]]
    return {"id": f"{attacker.actor}/create/{n}", "type": "Create", "actor": attacker.actor, "to": to,
            "object": {"id": f"{attacker.actor}/notes/{n}", "type": "Note", "attributedTo": attacker.actor, "to": to,
                       "inReplyTo": found["ap_id"], "content": text}}


async def test_forged_messages_change_nothing(node_factory, attacker, monkeypatch) -> None:
    charleroi, lille, tournai, found, copy, nadia, louise = await network(node_factory)
    await settled(charleroi, lille, tournai)
    c_inbox, l_inbox = f"{charleroi.url}/inbox", f"{lille.url}/inbox"
    before_c, before_l = snapshot(charleroi), snapshot(lille)
    louise_id = f"{lille.url}/@louise"
    forged = [
        # (what, inbox, status, activity)
        ("an answer claiming to be Louise", c_inbox, 403,
         {**note(attacker, found), "actor": louise_id}),
        ("an Update of Charleroi's opportunity", l_inbox, 403,
         {"id": f"{attacker.actor}/u/1", "type": "Update", "actor": attacker.actor,
          "object": {"id": found["ap_id"], "type": "Page", "opportunityKind": "job", "name": "Hacked",
                     "opportunityStatus": "filled", "attributedTo": attacker.actor}}),
        ("a Delete of Charleroi's opportunity", l_inbox, 403,
         {"id": f"{attacker.actor}/d/1", "type": "Delete", "actor": attacker.actor, "object": found["ap_id"]}),
        ("an Accept of an Offer it never got", c_inbox, 403,
         {"id": f"{attacker.actor}/a/1", "type": "Accept", "actor": attacker.actor, "object": f"{charleroi.url}/activities/x"}),
        ("an Offer of a partnership to Louise she never answered", l_inbox, 202,
         {"id": f"{attacker.actor}/o/1", "type": "Offer", "actor": attacker.actor, "target": louise_id, "to": [louise_id],
          "object": {"id": f"{attacker.actor}/p/1", "type": "Partnership", "attributedTo": attacker.actor,
                     "partners": [attacker.actor, louise_id], "fromOpportunity": copy["ap_id"]}}),
        ("an Offer in Nadia's name", l_inbox, 403,
         {"id": f"{attacker.actor}/o/2", "type": "Offer", "actor": f"{charleroi.url}/@nadia", "to": [louise_id],
          "object": {"id": f"{charleroi.url}/p/2", "type": "Partnership", "attributedTo": f"{charleroi.url}/@nadia",
                     "partners": [f"{charleroi.url}/@nadia", louise_id], "fromOpportunity": copy["ap_id"]}}),
        ("a public answer", c_inbox, 202, note(attacker, found, n=2, to=["https://www.w3.org/ns/activitystreams#Public"])),
        ("an answer also sent to someone else", c_inbox, 202, note(attacker, found, n=3, to=[found["poster_id"], louise_id])),
    ]
    for what, inbox, status, activity in forged:
        assert await attacker.post(inbox, activity) == status, what
    await settled(charleroi, lille)
    assert snapshot(charleroi) == before_c and snapshot(lille) == before_l

    # Closed: an answer is ignored. A flood of answers from one actor stops at the rate limit.
    op.close(charleroi.store, charleroi.config, found["uuid"], SKILLS, by=None)
    assert await attacker.post(c_inbox, note(attacker, found, n=4)) == 202
    await settled(charleroi)
    assert not opportunities_store.answers(charleroi.store, found["id"])
    monkeypatch.setattr(opportunity_answers, "RATE_LIMIT", 2)
    others = [op.create(charleroi.store, charleroi.config, {"kind": "job", "title": {"fr": f"Job {n}"}}, SKILLS, by=nadia)
              for n in range(3)]
    for n, other in enumerate(others):
        assert await attacker.post(c_inbox, note(attacker, other, n=10 + n)) == 202
    await settled(charleroi)
    answered = [len(opportunities_store.answers(charleroi.store, other["id"])) for other in others]
    assert answered == [1, 1, 0]


async def test_an_accept_from_someone_else_on_the_partners_server_starts_nothing(node_factory, attacker) -> None:
    """Mallory answers legitimately; Nadia accepts; Eve (same server, another actor) cannot accept for her."""
    charleroi = await node_factory(name="La Fabrik", slug="fabrik", country="BE", city="Charleroi")
    set_member(charleroi, "nadia", display_name="Nadia", visibility="public")
    nadia = members_store.get_by_username(charleroi.store, "nadia")
    found = op.create(charleroi.store, charleroi.config, {"kind": "mission", "title": {"fr": "Affiche"}}, SKILLS, by=nadia)
    assert await attacker.post(f"{charleroi.url}/inbox", note(attacker, found)) == 202
    [answer] = await eventually(lambda: opportunities_store.answers(charleroi.store, found["id"]))
    proposed = partnerships.accept_answer(charleroi.store, charleroi.config, found["uuid"], answer["id"], by=nadia)
    eve = f"{attacker.base}/users/eve"
    attacker.documents[eve] = attacker.actor_document(id=eve, preferredUsername="eve", inbox=f"{eve}/inbox", publicKey={
        "id": f"{eve}#main-key", "owner": eve, "publicKeyPem": keys.public_pem(attacker.key)})
    # The answer's thread: Eve cannot write in it, nor Mallory publicly; Mallory to Nadia alone can.
    def reply(actor: str, n: int, to: list[str]) -> dict:
        return {"id": f"{actor}/reply/{n}", "type": "Create", "actor": actor, "to": to,
                "object": {"id": f"{actor}/replies/{n}", "type": "Note", "attributedTo": actor, "to": to,
                           "inReplyTo": answer["note_id"], "content": "Ça marche"}}
    nadia_id = found["poster_id"]
    assert await attacker.post(f"{charleroi.url}/inbox", reply(eve, 1, [nadia_id]), key_id=f"{eve}#main-key") == 202
    assert await attacker.post(f"{charleroi.url}/inbox", reply(attacker.actor, 2, [nadia_id, PUBLIC])) == 202
    await settled(charleroi)
    assert opportunity_answers.thread(charleroi.store, answer["id"]) == []
    assert await attacker.post(f"{charleroi.url}/inbox", reply(attacker.actor, 3, [nadia_id])) == 202
    [message] = await eventually(lambda: opportunity_answers.thread(charleroi.store, answer["id"]))
    assert (message["author_id"], message["message"]) == (attacker.actor, "Ça marche")
    accept = {"id": f"{eve}/accept/1", "type": "Accept", "actor": eve, "object": proposed["offer_id"]}
    assert await attacker.post(f"{charleroi.url}/inbox", accept, key_id=f"{eve}#main-key") == 202
    await settled(charleroi)
    assert opportunities_store.partnership(charleroi.store, proposed["id"])["status"] == "proposed"
    # Mallory, the partner, can.
    accept = {"id": f"{attacker.actor}/accept/1", "type": "Accept", "actor": attacker.actor, "object": proposed["offer_id"]}
    assert await attacker.post(f"{charleroi.url}/inbox", accept) == 202
    await eventually(lambda: opportunities_store.partnership(charleroi.store, proposed["id"])["status"] == "active")
    # Only a party ends it: Eve's Undo of an Accept naming the Offer changes nothing; Mallory's does.
    undo = {"id": f"{eve}/undo/1", "type": "Undo", "actor": eve,
            "object": {"id": f"{eve}/accept/1", "type": "Accept", "actor": eve, "object": proposed["offer_id"]}}
    assert await attacker.post(f"{charleroi.url}/inbox", undo, key_id=f"{eve}#main-key") == 202
    await settled(charleroi)
    assert opportunities_store.partnership(charleroi.store, proposed["id"])["status"] == "active"
    undo = {"id": f"{attacker.actor}/undo/1", "type": "Undo", "actor": attacker.actor,
            "object": {"id": f"{attacker.actor}/accept/1", "type": "Accept", "actor": attacker.actor,
                       "object": proposed["offer_id"]}}
    assert await attacker.post(f"{charleroi.url}/inbox", undo) == 202
    await eventually(lambda: opportunities_store.partnership(charleroi.store, proposed["id"])["status"] == "ended")
    assert partnerships.monthly_counts(charleroi.store, charleroi.config)[0]["started"] == 1
