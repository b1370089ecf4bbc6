"""Opportunities service and CLI: validation (all or nothing, the field named), closing, the board, partnerships."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from node.errors import InvalidInput, PermissionDenied
from node.services import opportunities as op
from node.services.skills import load_skill_index
from node.storage import db
from node.storage import members as members_store
from node.storage import opportunities as opportunities_store
from node.timeutil import now
from tests.commands import make_node_dir, run
from tests.test_events import CONFIG, make_store

GRAPHIC_DESIGN = "http://data.europa.eu/esco/skill/7fb699d9-182a-430e-b7a0-6d8ed05c284b"
SKILLS = load_skill_index()


@pytest.fixture
def store() -> db.Store:
    return make_store()


def poster(store: db.Store, username: str = "nadia", visibility: str = "public") -> dict[str, Any]:
    return members_store.insert(store, username=username, display_name=username.title(), role="member",
                                status="active", visibility=visibility)


def values(**extra: Any) -> dict[str, Any]:
    return {"kind": "mission", "title": {"fr": "Identité visuelle d'un tiers-lieu"}, "skills": [GRAPHIC_DESIGN]} | extra


def test_a_member_posts_and_closes(store: db.Store) -> None:
    member = poster(store)
    found = op.create(store, CONFIG, values(jurisdiction="be-wal", languages=["fr", "nl"]), SKILLS, by=member)
    assert (found["status"], found["jurisdiction"], found["country_of_space"], found["visibility"]) == (
        "open", "BE-WAL", "BE", "public")
    assert found["expires"] - now() > timedelta(days=59)  # 60 days by default
    assert found["poster_id"] == "https://esco.test/@nadia" and found["city"] == "Tournai"
    activity = store.db.execute("SELECT type, public FROM activities WHERE object_id = ?", [found["ap_id"]]).fetchone()
    assert tuple(activity) == ("Create", 1)
    closed = op.close(store, CONFIG, found["uuid"], SKILLS, status="filled", by=member)
    assert closed["status"] == "filled"
    assert [r[0] for r in store.db.execute("SELECT type FROM activities WHERE object_id = ? ORDER BY rowid",
                                           [found["ap_id"]])] == ["Create", "Update"]
    assert op.board(store, op.BoardFilters(), public_only=True)[1] == 0
    with pytest.raises(InvalidInput) as error:
        op.update(store, CONFIG, found["uuid"], {"duration": "2 mois"}, SKILLS, by=member)
    assert error.value.field == "status"


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": None}, "kind"),
    ({"kind": "gig"}, "kind"),
    ({"title": {}}, "title"),
    ({"title": "plain"}, "title"),
    ({"expires": "yesterday"}, "expires"),
    ({"expires": (now() - timedelta(days=2)).date().isoformat()}, "expires"),
    ({"expires": (now() + timedelta(days=400)).date().isoformat()}, "expires"),
    ({"description": {"fr": "x" * (op.MAX_DESCRIPTION + 1)}}, "description.fr"),
    ({"jurisdiction": "XX-ZZ"}, "jurisdiction"),
    ({"contract": "zero-hours"}, "contract"),
    ({"skills": ["http://example.org/not-esco"]}, "skills"),
    ({"pay_amount": "-3"}, "pay_amount"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_names_the_field_and_stores_nothing(store: db.Store, change: dict[str, Any], field: str) -> None:
    member = poster(store)
    with pytest.raises(InvalidInput) as error:
        op.create(store, CONFIG, values(**change), SKILLS, by=member)
    assert error.value.field == field
    assert store.db.execute("SELECT count(*) FROM opportunities").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM activities").fetchone()[0] == 0


def test_who_may_post_and_change(store: db.Store) -> None:
    hidden = poster(store, "hidden", visibility="local")
    with pytest.raises(PermissionDenied):
        op.create(store, CONFIG, values(), SKILLS, by=hidden)  # answers could not reach them
    store.db.execute("UPDATE space SET members_can_post_opportunities = 0")
    with pytest.raises(PermissionDenied):
        op.create(store, CONFIG, values(), SKILLS, by=poster(store))
    admin = members_store.insert(store, username="ana", display_name="Ana", role="admin", status="active",
                                 visibility="network")
    found = op.create(store, CONFIG, values(), SKILLS, by=admin)
    assert found["visibility"] == "network"
    assert store.db.execute("SELECT public FROM activities").fetchone()[0] == 0  # not in the outbox
    with pytest.raises(PermissionDenied):
        op.close(store, CONFIG, found["uuid"], SKILLS, by=poster(store, "other"))
    assert opportunities_store.get(store, found["id"])["status"] == "open"


def test_expiry_is_an_update(store: db.Store) -> None:
    found = op.create(store, CONFIG, values(), SKILLS, by=poster(store))
    store.db.execute("UPDATE opportunities SET expires_at = ?", [(now() - timedelta(minutes=1)).isoformat()])
    assert op.expire_due(store, CONFIG, SKILLS) == 1
    assert opportunities_store.get(store, found["id"])["status"] == "expired"
    assert op.expire_due(store, CONFIG, SKILLS) == 0
    last = store.db.execute("SELECT document FROM activities ORDER BY rowid DESC LIMIT 1").fetchone()[0]
    assert json.loads(last)["object"]["opportunityStatus"] == "expired"


def test_board_filters(store: db.Store) -> None:
    member = poster(store)
    op.create(store, CONFIG, values(), SKILLS, by=member)
    op.create(store, CONFIG, values(kind="job", skills=[], place_kind="remote", languages=["nl"]), SKILLS, by=member)
    dutch = op.parse_filters({"skill": "grafisch ontwerp"}, SKILLS)  # a Dutch label finds the concept
    assert [item["kind"] for item in op.board(store, dutch, public_only=True)[0]] == ["mission"]
    assert op.board(store, op.parse_filters({"remote": "yes", "language": "nl"}, SKILLS), public_only=True)[1] == 1
    assert op.board(store, op.parse_filters({"country": "FR"}, SKILLS), public_only=True)[1] == 0
    for query, field in (({"kind": "gig"}, "kind"), ({"remote": "maybe"}, "remote"), ({"page": "0"}, "page"),
                         ({"skill": "no such skill at all"}, "skill")):
        with pytest.raises(InvalidInput) as error:
            op.parse_filters(query, SKILLS)
        assert error.value.field == field


def test_cli_add_list_close(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    node = make_node_dir(tmp_path)
    store = db.connect(node / "coffee.db")
    poster(store, "nadia")
    store.close()
    code, out, err = run(capsys, "opportunity", "add", node, "--as", "nadia", "--kind", "mission", "--title",
                         "Logo pour un festival", "--skill", "grafisch ontwerp", "--language", "fr", "nl",
                         "--jurisdiction", "FR", "--json")
    assert code == 0, err
    created = json.loads(out)
    assert created["skills"] == [GRAPHIC_DESIGN] and created["title"] == {"fr": "Logo pour un festival"}
    code, out, _err = run(capsys, "opportunity", "list", node, "--json")
    assert [item["uuid"] for item in json.loads(out)] == [created["uuid"]]
    code, out, _err = run(capsys, "opportunity", "close", node, created["uuid"], "--filled")
    assert code == 0 and "filled" in out
    code, _out, err = run(capsys, "opportunity", "add", node, "--as", "nadia", "--kind", "job", "--title", "X",
                          "--expires", "2001-01-01")
    assert code == 1 and "future" in err
    code, out, _err = run(capsys, "partnerships", node, "--json")
    assert json.loads(out) == {"partnerships": [], "months": []}
