"""`coffee-node import-members`: a space's spreadsheet, all rows or none, errors by spreadsheet line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from node.services import invitations
from node.storage import db
from node.storage import members as members_store
from tests.commands import make_node_dir, run

PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
ICT_PROJECTS = "http://data.europa.eu/esco/skill/94dd823c-148e-4614-a6e8-99249b16357d"

GOOD = (
    "username,name,email,organisation,city,bio_fr,bio_nl,bio_en,skills,seeks,languages,open_to,visibility,role\n"
    'alice,Alice Martin,alice@example.org,Acme,Lille,"Développeuse, et fière",,Developer,'
    f'"Python (programmation informatique);{ICT_PROJECTS}",,fr;EN,missions;mentoring,public,admin\n'
    "bob,Bob Peeters,,,Tournai,,Ontwikkelaar,,,Python,nl,,network,\n"
    ",,,,,,,,,,,,,\n"
    "Cid,,,,,,,,,,,,,member\n"
)


@pytest.fixture
def node_dir(tmp_path: Path) -> Path:
    return make_node_dir(tmp_path)


def csv_file(tmp_path: Path, content: str | bytes, name: str = "members.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def all_members(node_dir: Path) -> dict[str, dict]:
    store = db.connect(node_dir / "coffee.db")
    try:
        return {member["username"]: member for member in members_store.select(store)}
    finally:
        store.close()


def test_import_invites_every_row_with_its_profile(node_dir: Path, tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "import-members", node_dir, csv_file(tmp_path, GOOD), "--json")
    assert code == 0, err
    created = json.loads(out)
    assert [(m["line"], m["username"], m["role"], m["status"]) for m in created] == [
        (2, "alice", "admin", "invited"), (3, "bob", "member", "invited"), (5, "cid", "member", "invited"),
    ]
    stored = all_members(node_dir)
    alice = stored["alice"]
    assert alice["display_name"] == "Alice Martin" and alice["organisation"] == "Acme"
    assert alice["bio_map"] == {"fr": "Développeuse, et fière", "en": "Developer"}
    assert alice["skills_offered"] == [PYTHON, ICT_PROJECTS]
    assert alice["languages"] == ["fr", "en"] and alice["open_to"] == ["missions", "mentoring"]
    assert alice["visibility"] == "public" and alice["status"] == "invited"
    assert stored["bob"]["skills_sought"] == [PYTHON] and stored["bob"]["visibility"] == "network"
    assert stored["cid"]["visibility"] == "local"
    assert "alice@example.org" not in json.dumps(list(stored.values()), default=str)  # not collected
    store = db.connect(node_dir / "coffee.db")
    try:
        for entry in created:
            token = entry["invitation_url"].removeprefix("https://lille.test/invite/")
            assert invitations.check_invitation(store, token)["username"] == entry["username"]
    finally:
        store.close()


def test_text_output_lists_links_and_ignored_columns(node_dir: Path, tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "import-members", node_dir, csv_file(tmp_path, GOOD))
    assert code == 0
    assert "Invited 3 member(s)" in out and out.count("https://lille.test/invite/") == 3
    assert "Columns not used (nothing stored): email" in out


def test_bad_rows_are_all_reported_by_line_and_nothing_is_imported(node_dir: Path, tmp_path: Path, capsys) -> None:
    content = (
        "username;name;skills;visibility\n"
        "alice;Alice;Python;public\n"
        "admin;The Boss;;local\n"
        "bob;Bob;;network\n"
        "carl;Carl;no such skill at all;everyone\n"
    )
    code, out, err = run(capsys, "import-members", node_dir, csv_file(tmp_path, content))
    assert code == 1 and out == ""
    assert "nothing imported, 2 rows to fix" in err
    assert "line 3:" in err and "reserved" in err
    assert "line 5:" in err and "no such skill at all" in err and "Visibility is public, network or local." in err
    assert "line 2:" not in err and "line 4:" not in err
    assert all_members(node_dir) == {}


def test_duplicates_in_the_file_and_with_existing_members_are_errors(node_dir: Path, tmp_path: Path, capsys) -> None:
    run(capsys, "invite", node_dir, "--username", "zoe")
    content = "username,name\nalice,Alice\nzoe,Zoé\nALICE,Alice again\n"
    code, _, err = run(capsys, "import-members", node_dir, csv_file(tmp_path, content))
    assert code == 1
    assert "line 3:" in err and "already taken" in err
    assert 'line 4: The username "alice" is already on line 2.' in err
    assert set(all_members(node_dir)) == {"zoe"}


def test_a_latin1_file_is_refused_with_advice(node_dir: Path, tmp_path: Path, capsys) -> None:
    content = "username;name;city\nzoe;Zoé Dupré;Liège\n".encode("latin-1")
    code, out, err = run(capsys, "import-members", node_dir, csv_file(tmp_path, content), "--json")
    assert code == 1 and out == ""
    assert "not UTF-8" in err and '"CSV UTF-8"' in err
    assert len(err.strip().splitlines()) == 1
    assert all_members(node_dir) == {}


def test_bom_and_semicolons_as_saved_by_a_french_spreadsheet(node_dir: Path, tmp_path: Path, capsys) -> None:
    content = '\ufeffUsername;Name;Languages;Skills;Bio FR\r\nzoe;Zoé Dupré;"fr;nl";Python;"Première ligne\r\nseconde ligne"\r\n'
    code, out, err = run(capsys, "import-members", node_dir, csv_file(tmp_path, content), "--json")
    assert code == 0, err
    assert json.loads(out)[0]["username"] == "zoe"
    zoe = all_members(node_dir)["zoe"]
    assert zoe["display_name"] == "Zoé Dupré" and zoe["languages"] == ["fr", "nl"] and zoe["skills_offered"] == [PYTHON]
    assert zoe["bio_map"] == {"fr": "Première ligne\nseconde ligne"}


def test_line_numbers_count_rows_not_lines_of_text(node_dir: Path, tmp_path: Path, capsys) -> None:
    content = 'username,name,bio_en\nalice,Alice,"one\ntwo\nthree"\nbad name!,X,\n'
    code, _, err = run(capsys, "import-members", node_dir, csv_file(tmp_path, content))
    assert code == 1 and "line 3:" in err and "line 5" not in err


def test_dry_run_checks_and_changes_nothing(node_dir: Path, tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "import-members", node_dir, csv_file(tmp_path, GOOD), "--dry-run", "--json")
    assert code == 0
    assert [(m["username"], m["invitation_url"]) for m in json.loads(out)] == [
        ("alice", None), ("bob", None), ("cid", None),
    ]
    assert all_members(node_dir) == {}
    code, out, _ = run(capsys, "import-members", node_dir, csv_file(tmp_path, GOOD), "--dry-run")
    assert code == 0 and "Dry run, nothing changed" in out


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "is empty"),
        ("name,city\nAlice,Lille\n", "no username column"),
        ("username,name,name\nalice,A,B\n", "same column twice"),
        ("username,name\n", "no member rows"),
        ("username,name\nalice,Alice,extra\n", "line 2: This line has more cells than the header line."),
    ],
)
def test_malformed_files_are_explained(node_dir: Path, tmp_path: Path, capsys, content: str, reason: str) -> None:
    code, _, err = run(capsys, "import-members", node_dir, csv_file(tmp_path, content))
    assert code == 1 and reason in err
    assert all_members(node_dir) == {}


def test_a_missing_file_is_one_clear_line(node_dir: Path, tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "import-members", node_dir, tmp_path / "nope.csv")
    assert code == 1 and "cannot read" in err and len(err.strip().splitlines()) == 1
