"""Member accounts: username rules, lifecycle, the last admin, invitations; through the services and the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from node.config import Config
from node.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from node.services import accounts, invitations, members
from node.services.skills import load_skill_index
from node.storage import db
from node.storage import members as members_store
from node.storage import space as space_store
from node.storage.db import Store
from node.timeutil import now
from tests.commands import make_node_dir, run

PASSWORD = "a long enough password"
PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"


@pytest.fixture
def store() -> Store:
    store = db.memory()
    space_store.create(store, slug="mutualab", name="Mutualab", country="FR", city="Lille", languages=["fr", "nl", "en"])
    return store


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(data_dir=tmp_path, url="https://lille.test", name="Mutualab", slug="mutualab", country="FR", city="Lille")


def admin(store: Store, username: str = "ada") -> dict:
    return members.create_member(store, username=username, role="admin", status="active", password=PASSWORD)


# --- username rules ---------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["", "a" * 31, "bad-name", "with space", "émile", "a.b", "x@y"])
def test_username_with_bad_characters_or_length_is_refused(store: Store, username: str) -> None:
    with pytest.raises(InvalidInput, match="1 to 30 characters"):
        members.create_member(store, username=username)


@pytest.mark.parametrize("username", ["admin", "inbox", "api", "me", "members", "well_known", "mutualab", "Admin"])
def test_reserved_usernames_and_the_space_slug_are_refused(store: Store, username: str) -> None:
    with pytest.raises(InvalidInput, match="reserved"):
        members.create_member(store, username=username)


def test_usernames_are_unique_ignoring_case(store: Store) -> None:
    assert members.create_member(store, username=" @Alice ")["username"] == "alice"
    for taken in ("alice", "ALICE", "aLiCe"):
        with pytest.raises(Conflict, match="already taken"):
            members.create_member(store, username=taken)
    assert members_store.count(store) == 1


def test_longest_username_fits(store: Store) -> None:
    assert members.create_member(store, username="a_9" * 10)["username"] == "a_9" * 10


# --- creation and lifecycle -------------------------------------------------------------------


def test_member_with_password_is_active_and_signs_in(store: Store) -> None:
    member = members.create_member(store, username="bea", display_name="Béa", status="active", password=PASSWORD)
    assert member["status"] == "active" and member["password_hash"] != PASSWORD
    assert member["private_key_pem"] is None  # federation makes keys when first needed
    assert accounts.authenticate(store, "bea", PASSWORD)["id"] == member["id"]


def test_active_member_needs_a_good_password(store: Store) -> None:
    with pytest.raises(InvalidInput, match="needs a password"):
        members.create_member(store, username="bea", status="active")
    with pytest.raises(InvalidInput, match="at least 10"):
        members.create_member(store, username="bea", status="active", password="short")
    with pytest.raises(InvalidInput, match="role"):
        members.create_member(store, username="bea", role="owner")


def test_profile_is_validated_with_the_skill_index(store: Store) -> None:
    skills = load_skill_index()
    member = members.create_member(
        store, username="bea", profile={"skills_offered": [PYTHON], "languages": ["fr"], "visibility": "public"},
        skills=skills,
    )
    assert member["skills_offered"] == [PYTHON] and member["visibility"] == "public"
    with pytest.raises(InvalidInput, match="not a known ESCO skill"):
        members.create_member(store, username="cid", profile={"skills_offered": ["http://x.test/s"]}, skills=skills)
    assert members_store.get_by_username(store, "cid") is None


def test_the_last_active_admin_cannot_leave(store: Store) -> None:
    ada = admin(store)
    for change in (members.suspend, members.remove, lambda s, i, by=None: members.set_role(s, i, "member", by)):
        with pytest.raises(Conflict, match="last active admin"):
            change(store, ada["id"], ada["id"])
    bob = admin(store, "bob")
    assert members.suspend(store, ada["id"], ada["id"])["status"] == "suspended"
    with pytest.raises(Conflict, match="last active admin"):
        members.remove(store, bob["id"], bob["id"])
    members.reactivate(store, ada["id"], bob["id"])
    assert members.set_role(store, bob["id"], "member", ada["id"])["role"] == "member"
    assert members.remove(store, bob["id"], ada["id"])["username"] == "bob"


def test_suspension_ends_sessions_and_reactivation_restores_the_right_status(store: Store) -> None:
    admin(store)
    bea = members.create_member(store, username="bea", status="active", password=PASSWORD)
    invited = members.create_member(store, username="cid")
    members.suspend(store, bea["id"])
    assert accounts.current_member(store, bea["id"]) is None
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(store, "bea", PASSWORD)
    assert members.reactivate(store, bea["id"])["status"] == "active"
    members.suspend(store, invited["id"])
    assert members.reactivate(store, invited["id"])["status"] == "invited"  # never chose a password


def test_listing_never_carries_secrets(store: Store) -> None:
    admin(store)
    members.create_member(store, username="cid")
    listed = members.list_members(store)
    assert [m["username"] for m in listed] == ["ada", "cid"]
    assert all("password_hash" not in m and "private_key_pem" not in m for m in listed)
    assert [m["username"] for m in members.list_members(store, include_all=False)] == ["ada"]
    assert members.counts(store) == {
        "status": {"invited": 1, "active": 1, "suspended": 0},
        "visibility": {"public": 0, "network": 0, "local": 2},
    }


def test_unknown_member_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        members.suspend(store, 999)
    with pytest.raises(NotFound):
        members.find_member(store, "nobody")


# --- invitations ------------------------------------------------------------------------------


def test_invitation_stores_only_a_hash_and_works_once(store: Store, config: Config) -> None:
    member, token, url = invitations.invite(store, config, username="bea", display_name="Béa", role="member")
    assert url == f"https://lille.test/invite/{token}" and member["status"] == "invited"
    rows = list(store.db["invitations"].rows)
    assert len(rows) == 1 and token not in json.dumps(rows)
    with pytest.raises(InvalidInput, match="at least 10"):
        invitations.accept_invitation(store, token, "short")
    assert invitations.check_invitation(store, token)["id"] == member["id"]  # a refused password spends nothing
    active = invitations.accept_invitation(store, token, PASSWORD)
    assert active["status"] == "active"
    assert accounts.authenticate(store, "bea", PASSWORD)["id"] == member["id"]
    with pytest.raises(InvalidInput, match="already used"):
        invitations.accept_invitation(store, token, PASSWORD)


def test_expired_unknown_and_replaced_links_are_refused(store: Store, config: Config) -> None:
    member, token, _ = invitations.invite(store, config, username="bea")
    store.db.execute("UPDATE invitations SET expires_at = ?", [(now() - timedelta(minutes=1)).isoformat()])
    with pytest.raises(InvalidInput, match="expired"):
        invitations.check_invitation(store, token)
    assert invitations.pending_invitations(store)[0]["expired"] is True
    with pytest.raises(NotFound, match="not valid"):
        invitations.check_invitation(store, token[:-1])
    _, new_token, _ = invitations.renew(store, config, member["id"])
    with pytest.raises(NotFound):
        invitations.check_invitation(store, token)
    assert invitations.check_invitation(store, new_token)["id"] == member["id"]
    pending = invitations.pending_invitations(store)
    assert [(p["username"], p["expired"]) for p in pending] == [("bea", False)]


def test_revoking_frees_the_username_but_not_for_members_who_joined(store: Store, config: Config) -> None:
    member, token, _ = invitations.invite(store, config, username="bea")
    invitations.revoke(store, member["id"])
    assert members_store.get_by_username(store, "bea") is None
    with pytest.raises(NotFound):
        invitations.check_invitation(store, token)
    member, token, _ = invitations.invite(store, config, username="bea")
    invitations.accept_invitation(store, token, PASSWORD)
    with pytest.raises(Conflict, match="already joined"):
        invitations.revoke(store, member["id"])
    with pytest.raises(Conflict, match="already joined"):
        invitations.renew(store, config, member["id"])


def test_a_suspended_invitee_cannot_use_the_link(store: Store, config: Config) -> None:
    member, token, _ = invitations.invite(store, config, username="bea")
    members.suspend(store, member["id"])
    with pytest.raises(InvalidInput, match="no longer valid"):
        invitations.accept_invitation(store, token, PASSWORD)


# --- CLI --------------------------------------------------------------------------------------


@pytest.fixture
def node_dir(tmp_path: Path) -> Path:
    return make_node_dir(tmp_path)


def password_file(tmp_path: Path, text: str = PASSWORD + "\nignored second line\n") -> Path:
    path = tmp_path / "password.txt"
    path.write_text(text, encoding="utf-8")
    return path


def stored(node_dir: Path, username: str) -> dict | None:
    store = db.connect(node_dir / "coffee.db")
    try:
        return members_store.get_by_username(store, username)
    finally:
        store.close()


def test_init_says_how_to_create_the_first_admin(tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "init", tmp_path / "n", "--url", "https://x.test", "--name", "X", "--country", "BE",
                       "--city", "Mons")
    assert code == 0
    assert "member add" in out and "--admin --password-file" in out


def test_cli_adds_an_active_admin_from_a_password_file(node_dir: Path, tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "member", "add", node_dir, "--username", "Ada", "--name", "Ada Lovelace", "--admin",
                       "--password-file", password_file(tmp_path), "--skill", "Python", "--seeks",
                       "gestion de projets TIC", "--language", "fr", "--language", "NL", "--visibility", "public",
                       "--json")
    assert code == 0
    data = json.loads(out)
    assert data["username"] == "ada" and data["role"] == "admin" and data["status"] == "active"
    assert data["invitation_url"] is None and PASSWORD not in out
    ada = stored(node_dir, "ada")
    assert ada["skills_offered"] == [PYTHON] and len(ada["skills_sought"]) == 1
    assert ada["languages"] == ["fr", "nl"] and ada["visibility"] == "public"
    store = db.connect(node_dir / "coffee.db")
    assert accounts.authenticate(store, "ada", PASSWORD)["id"] == ada["id"]  # the first line only, stripped
    store.close()


def test_cli_add_without_password_invites(node_dir: Path, capsys) -> None:
    code, out, _ = run(capsys, "member", "add", node_dir, "--username", "bea", "--name", "Béa")
    assert code == 0
    url = out.strip().splitlines()[-1]
    assert url.startswith("https://lille.test/invite/")
    assert stored(node_dir, "bea")["status"] == "invited"


@pytest.mark.parametrize(
    ("username", "reason"),
    [("admin", "reserved"), ("mutualab", "reserved"), ("ADA", "already taken"), ("bad-name", "1 to 30 characters")],
)
def test_cli_applies_the_username_rules(node_dir: Path, tmp_path: Path, capsys, username: str, reason: str) -> None:
    run(capsys, "member", "add", node_dir, "--username", "ada", "--name", "Ada", "--password-file", password_file(tmp_path))
    code, out, err = run(capsys, "member", "add", node_dir, "--username", username, "--name", "X")
    assert code == 1 and out == ""
    assert reason in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "invite", node_dir, "--username", username)
    assert code == 1 and reason in err


def test_cli_names_the_candidates_of_an_ambiguous_or_unknown_skill(node_dir: Path, capsys) -> None:
    code, _, err = run(capsys, "member", "add", node_dir, "--username", "bea", "--name", "Béa", "--skill", "CSS")
    assert code == 1 and "Several skills" in err and err.count("http://data.europa.eu/esco/skill/") >= 2
    code, _, err = run(capsys, "member", "add", node_dir, "--username", "bea", "--name", "Béa", "--skill", "gestion projet")
    assert code == 1 and "Did you mean" in err and "gestion de projets" in err
    assert stored(node_dir, "bea") is None


def test_cli_password_file_problems(node_dir: Path, tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "member", "add", node_dir, "--username", "bea", "--name", "B", "--password-file",
                       tmp_path / "missing.txt")
    assert code == 1 and "cannot read the password file" in err
    code, out, err = run(capsys, "member", "add", node_dir, "--username", "bea", "--name", "B", "--password-file",
                         password_file(tmp_path, "tiny\n"))
    assert code == 1 and "at least 10" in err and "tiny" not in err + out


def test_cli_list_suspend_reactivate_remove(node_dir: Path, tmp_path: Path, capsys) -> None:
    run(capsys, "member", "add", node_dir, "--username", "ada", "--name", "Ada", "--admin", "--password-file",
        password_file(tmp_path))
    run(capsys, "member", "add", node_dir, "--username", "bea", "--name", "Béa", "--password-file", password_file(tmp_path))
    code, out, _ = run(capsys, "member", "list", node_dir, "--json")
    listed = json.loads(out)
    assert code == 0 and [m["username"] for m in listed] == ["ada", "bea"]
    assert all("password_hash" not in m for m in listed)
    code, out, _ = run(capsys, "member", "list", node_dir)
    assert "ada" in out and "Béa" in out and "admin" in out
    code, out, _ = run(capsys, "member", "suspend", node_dir, "BEA", "--json")
    assert code == 0 and json.loads(out)["status"] == "suspended"
    code, out, _ = run(capsys, "member", "reactivate", node_dir, "bea")
    assert code == 0 and "bea is now active" in out
    code, _, err = run(capsys, "member", "suspend", node_dir, "ada")
    assert code == 1 and "last active admin" in err
    code, _, err = run(capsys, "member", "remove", node_dir, "ada")
    assert code == 1 and "last active admin" in err
    code, out, _ = run(capsys, "member", "remove", node_dir, "bea", "--json")
    assert code == 0 and json.loads(out)["username"] == "bea"
    assert stored(node_dir, "bea") is None
    code, _, err = run(capsys, "member", "remove", node_dir, "bea")
    assert code == 1 and 'No member is called "bea"' in err


def test_cli_invite_prints_a_link_and_a_new_one_when_asked_again(node_dir: Path, capsys) -> None:
    code, out, _ = run(capsys, "invite", node_dir, "--username", "cid", "--name", "Cid", "--admin", "--json")
    first = json.loads(out)
    assert code == 0 and first["role"] == "admin" and first["status"] == "invited"
    code, out, _ = run(capsys, "invite", node_dir, "--username", "cid", "--json")
    second = json.loads(out)
    assert code == 0 and second["invitation_url"] != first["invitation_url"]
    store = db.connect(node_dir / "coffee.db")
    try:
        with pytest.raises(NotFound):
            invitations.check_invitation(store, first["invitation_url"].rsplit("/", 1)[1])
        assert invitations.check_invitation(store, second["invitation_url"].rsplit("/", 1)[1])["username"] == "cid"
    finally:
        store.close()
