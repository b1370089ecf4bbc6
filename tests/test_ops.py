"""Operations: online backup and restore, `check`, `/metrics`, request ids and request logs."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import sqlite3
import stat
import tarfile
from pathlib import Path

import pytest

from node.cli import main
from node.metrics import Registry, core_gauges
from node.services.check import deliveries_check
from node.storage import stats
from node.timeutil import now_iso
from tests.nodes import RunningNode, start_existing


def add_member(node: RunningNode, username: str, visibility: str = "local") -> None:
    node.store.db["members"].insert(
        {"username": username, "visibility": visibility, "created_at": now_iso(), "updated_at": now_iso()}
    )


def usernames(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {row[0] for row in conn.execute("SELECT username FROM members")}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- backup and restore ------------------------------------------------------


async def test_backup_while_serving_is_consistent_and_restores_to_a_working_node(
    node: RunningNode, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a node that commits members two at a time while we back it up
    written: list[str] = []
    stop = asyncio.Event()

    async def write_pairs() -> None:
        while not stop.is_set():
            pair = [f"m{len(written)}", f"m{len(written) + 1}"]
            with node.store.transaction():
                for username in pair:
                    add_member(node, username)
            written.extend(pair)
            await asyncio.sleep(0)

    writer = asyncio.create_task(write_pairs())
    while len(written) < 20:
        await asyncio.sleep(0.01)
    archive = tmp_path / "backups" / "lille.tar.gz"
    archive.parent.mkdir()

    # When the backup runs in another thread, as the CLI would in another process
    code = await asyncio.to_thread(main, ["backup", str(node.config.data_dir), str(archive), "--json"])
    stop.set()
    await writer

    # Then the archive is private, holds the expected members, and a consistent snapshot
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["path"] == str(archive) and report["files"] == 6
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert not [p for p in archive.parent.iterdir() if p != archive], "temp files left behind"
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert {"coffee-backup.json", "coffee.db", "node.toml", "keys", "keys/space.pem", "media"} <= set(members)
    assert members["keys/space.pem"].mode == 0o600 and members["coffee.db"].mode == 0o600

    # When it is restored into a new directory and served
    await node.stop()
    restored_dir = tmp_path / "restored"
    code, out, _ = run_cli(capsys, "restore", str(archive), str(restored_dir))
    assert code == 0, out
    assert f"coffee-node serve {restored_dir}" in out
    restored = await start_existing(restored_dir)
    try:
        # Then it holds a whole number of committed pairs, a prefix of what was written
        in_backup = usernames(restored_dir / "coffee.db")
        assert len(in_backup) >= 20 and len(in_backup) % 2 == 0
        assert in_backup == set(written[: len(in_backup)])
        assert restored.store.db["space"].get(1)["name"] == "Mutualab"
        for name in ("space.pem", "application.pem", "session.secret"):
            key = restored_dir / "keys" / name
            assert key.read_bytes() == (node.config.data_dir / "keys" / name).read_bytes()
            assert stat.S_IMODE(key.stat().st_mode) == 0o600
        async with restored.client() as http, http.get("/healthz") as resp:
            assert resp.status == 200
    finally:
        await restored.stop()


async def test_restore_refuses_a_non_empty_dir_without_force(
    node: RunningNode, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "b.tar.gz"
    assert await asyncio.to_thread(main, ["backup", str(node.config.data_dir), str(archive)]) == 0
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    code, _, err = run_cli(capsys, "restore", str(archive), str(target))
    assert code == 1 and "not empty" in err and "--force" in err
    code, _, _ = run_cli(capsys, "restore", str(archive), str(target), "--force")
    assert code == 0
    assert (target / "notes.txt").read_text() == "mine"  # only the node's own entries are replaced
    assert (target / "coffee.db").is_file()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give files away")
async def test_restore_as_root_gives_the_files_to_the_data_dirs_owner(
    node: RunningNode, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "b.tar.gz"
    assert await asyncio.to_thread(main, ["backup", str(node.config.data_dir), str(archive)]) == 0
    target = tmp_path / "volume"
    target.mkdir()
    os.chown(target, 12345, 12345)  # like a Docker volume owned by the image's coffee user
    code, _, _ = run_cli(capsys, "restore", str(archive), str(target))
    assert code == 0
    owners = {(p.stat().st_uid, p.stat().st_gid) for p in target.rglob("*")}
    assert owners == {(12345, 12345)}


def tar_with(base_archive: Path, extra: tarfile.TarInfo, body: bytes = b"") -> bytes:
    """A copy of a good backup with one more member appended."""
    out = io.BytesIO()
    with tarfile.open(base_archive) as src, tarfile.open(fileobj=out, mode="w:gz") as dst:
        for member in src.getmembers():
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        dst.addfile(extra, io.BytesIO(body) if extra.isfile() else None)
    return out.getvalue()


@pytest.mark.parametrize(
    "name, kind, expected",
    [
        ("../evil", tarfile.REGTYPE, "'../evil' points outside"),
        ("media/../../evil", tarfile.REGTYPE, "points outside"),
        ("/tmp/evil", tarfile.REGTYPE, "absolute"),
        ("media/avatar.png", tarfile.SYMTYPE, "is a link"),
        ("keys/extra.pem", tarfile.LNKTYPE, "is a link"),
        ("bin/evil.sh", tarfile.REGTYPE, "not part of a Coffee backup"),
        ("keys/space.pem", tarfile.REGTYPE, "appears twice"),
    ],
)
async def test_restore_refuses_unsafe_members(
    node: RunningNode, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, kind: bytes, expected: str
) -> None:
    good = tmp_path / "good.tar.gz"
    assert await asyncio.to_thread(main, ["backup", str(node.config.data_dir), str(good)]) == 0
    member = tarfile.TarInfo(name)
    member.type = kind
    member.linkname = "/etc/passwd" if kind != tarfile.REGTYPE else ""
    member.size = 4 if kind == tarfile.REGTYPE else 0
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(tar_with(good, member, b"evil"))
    target = tmp_path / "work" / "restored"

    code, _, err = run_cli(capsys, "restore", str(bad), str(target))

    assert code == 1
    assert expected in err, err
    assert not (tmp_path / "evil").exists() and not (tmp_path / "work" / "evil").exists()
    assert list(target.iterdir()) == [], "nothing restored, staging removed"


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not gzip at all")
    code, _, err = run_cli(capsys, "restore", str(junk), str(tmp_path / "x"))
    assert code == 1 and "not a readable .tar.gz backup" in err
    empty = tmp_path / "empty.tar.gz"
    with tarfile.open(empty, "w:gz"):
        pass
    code, _, err = run_cli(capsys, "restore", str(empty), str(tmp_path / "y"))
    assert code == 1 and "not a Coffee backup: it lacks coffee-backup.json, coffee.db, node.toml" in err


# -- check -------------------------------------------------------------------


async def test_check_passes_on_a_running_node(node: RunningNode, capsys: pytest.CaptureFixture[str]) -> None:
    code = await asyncio.to_thread(main, ["check", str(node.config.data_dir), "--json"])
    report = json.loads(capsys.readouterr().out)
    statuses = {check["name"]: check["status"] for check in report["checks"]}
    assert code == 0 and report["ok"] is True
    assert statuses == {
        "config": "ok", "directories": "ok", "keys/space.pem": "ok", "keys/application.pem": "ok",
        "keys/session.secret": "ok", "database": "ok", "migrations": "ok", "deliveries": "ok", "healthz": "ok",
    }


async def test_check_reports_an_unreachable_url_as_a_warning(
    node: RunningNode, capsys: pytest.CaptureFixture[str]
) -> None:
    await node.stop()
    code = await asyncio.to_thread(main, ["check", str(node.config.data_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert re.search(r"^warn +healthz +http://127\.0\.0\.1:\d+/healthz is not reachable", out, re.M), out


async def test_check_fails_on_a_key_readable_by_others(node: RunningNode, capsys: pytest.CaptureFixture[str]) -> None:
    key = node.config.data_dir / "keys" / "space.pem"
    key.chmod(0o644)
    code = await asyncio.to_thread(main, ["check", str(node.config.data_dir)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"keys/space.pem is readable by others (mode 0644); run chmod 600 {key}" in out
    assert "1 check(s) failed" in out


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda text: text.replace('country = "FR"', 'country = "France"'), "node.toml: country must be an ISO 3166"),
        (lambda text: text + "\nurl = \n", "node.toml: not valid TOML"),
        (lambda text: text.replace("url = ", "# url = "), "node.toml: missing setting 'url'"),
    ],
)
def test_check_names_the_file_and_problem_of_a_broken_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit, expected: str
) -> None:
    data_dir = tmp_path / "n"
    assert main(["init", str(data_dir), "--url", "http://127.0.0.1:9", "--name", "X", "--country", "BE",
                 "--city", "Mons"]) == 0
    config = data_dir / "node.toml"
    config.write_text(edit(config.read_text().replace("BE", "FR")))
    capsys.readouterr()
    code, out, _ = run_cli(capsys, "check", str(data_dir))
    assert code == 1
    assert re.search(r"^FAIL +config +\S*" + re.escape(expected), out, re.M), out
    assert re.search(r"^skip +healthz", out, re.M)


def test_deliveries_check_counts_per_domain_and_skips_without_a_table() -> None:
    conn = sqlite3.connect(":memory:")
    assert stats.undelivered_by_domain(conn) is None
    assert deliveries_check(None).status == "skip"
    conn.execute("CREATE TABLE deliveries (status TEXT, domain TEXT)")
    conn.executemany(
        "INSERT INTO deliveries VALUES (?, ?)",
        [("pending", "a.test"), ("failed", "a.test"), ("failed", "a.test"), ("delivered", "b.test"), ("pending", "c.test")],
    )
    backlog = stats.undelivered_by_domain(conn)
    assert backlog == {"a.test": {"failed": 2, "pending": 1}, "c.test": {"pending": 1}}
    check = deliveries_check(backlog)
    assert check.status == "warn"
    assert check.message == "2 pending, 2 failed; a.test (2 failed, 1 pending), c.test (1 pending)"


# -- metrics and request logs ------------------------------------------------


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text, or None if absent."""
    label_text = ",".join(f'{key}="{value}"' for key, value in labels.items())
    wanted = f"{name}{{{label_text}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


async def test_metrics_count_requests_by_route_template_and_gauge_members(node: RunningNode) -> None:
    add_member(node, "alice", "public")
    add_member(node, "bob", "public")
    add_member(node, "carol", "network")
    async with node.client() as http:
        for _ in range(3):
            async with http.get("/healthz") as resp:
                assert resp.status == 200
        async with http.get("/no/such/page?token=s3cret") as resp:
            assert resp.status == 404
        async with http.get("/lang/fr", allow_redirects=False) as resp:
            assert resp.status in (302, 303)
        async with http.get("/metrics") as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            text = await resp.text()
    assert metric(text, "coffee_http_requests_total", method="GET", route="/healthz", status="200") == 3
    assert metric(text, "coffee_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert 'route="/lang/{code}"' in text and "/lang/fr" not in text
    assert "s3cret" not in text and "/no/such/page" not in text
    assert metric(text, "coffee_members_total", visibility="public") == 2
    assert metric(text, "coffee_members_total", visibility="network") == 1
    assert metric(text, "coffee_members_total", visibility="local") == 0
    assert metric(text, "coffee_delivery_queue", state="pending") == 0
    assert "# TYPE coffee_inbox_activities_total counter" in text


async def test_request_id_is_echoed_or_made_and_logged_once_per_request(
    node: RunningNode, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="coffee.http")
    async with node.client() as http:
        async with http.get("/healthz", headers={"X-Request-Id": "proxy-42.a"}) as resp:
            assert resp.headers["X-Request-Id"] == "proxy-42.a"
        async with http.get("/healthz?token=s3cret", headers={"X-Request-Id": "no spaces allowed" * 10}) as resp:
            made = resp.headers["X-Request-Id"]
            assert re.fullmatch(r"[0-9a-f]{32}", made)
    lines = [r for r in caplog.records if r.getMessage() == "http.request"]
    assert [(r.request_id, r.route, r.status, r.method) for r in lines] == [
        ("proxy-42.a", "/healthz", 200, "GET"),
        (made, "/healthz", 200, "GET"),
    ]
    assert all(isinstance(r.duration_ms, float) for r in lines)
    assert "s3cret" not in caplog.text and not any("s3cret" in str(vars(r)) for r in caplog.records)


def test_registry_escapes_labels_and_refuses_unknown_counters() -> None:
    registry = Registry()
    registry.counter("coffee_things_total", "Things.", ("kind",))
    registry.inc("coffee_things_total", kind='a "quoted"\\ value\n')
    with pytest.raises(ValueError, match="unknown counter"):
        registry.inc("coffee_typo_total", kind="x")
    with pytest.raises(ValueError, match="takes labels"):
        registry.inc("coffee_things_total", sort="x")
    conn = sqlite3.connect(":memory:")
    assert registry.render(conn).splitlines() == [
        "# HELP coffee_things_total Things.",
        "# TYPE coffee_things_total counter",
        'coffee_things_total{kind="a \\"quoted\\"\\\\ value\\n"} 1',
    ]
    registry.register_collector(core_gauges)  # tables missing: members at 0, no delivery or catalogue gauges
    text = registry.render(conn)
    assert metric(text, "coffee_members_total", visibility="public") == 0
    assert "coffee_delivery_queue" not in text and "coffee_catalogue_entries" not in text
