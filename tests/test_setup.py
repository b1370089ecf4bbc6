"""`coffee-node init` and start-up: files, permissions, refusal to overwrite."""

from __future__ import annotations

import stat
from pathlib import Path

from node.cli import main
from node.storage.db import connect
from node.storage.migrations import discover


def test_init_creates_config_db_and_private_keys(tmp_path: Path, capsys) -> None:
    target = tmp_path / "lille"
    code = main(["init", str(target), "--url", "https://lille.test", "--name", "Mutualab",
                 "--country", "FR", "--city", "Lille", "--json"])
    assert code == 0
    assert '"handle": "mutualab@lille.test"' in capsys.readouterr().out
    for key in ("space.pem", "application.pem", "session.secret"):
        mode = stat.S_IMODE((target / "keys" / key).stat().st_mode)
        assert mode == 0o600, key
    store = connect(target / "coffee.db")
    applied = {row[0] for row in store.conn.execute("SELECT name FROM _migrations")}
    assert applied == {name for _, name in discover()}
    assert store.db["space"].get(1)["name"] == "Mutualab"


def test_init_refuses_to_overwrite(tmp_path: Path, capsys) -> None:
    args = ["init", str(tmp_path / "n"), "--url", "http://127.0.0.1:9", "--name", "X",
            "--country", "BE", "--city", "Mons"]
    assert main(args) == 0
    before = (tmp_path / "n" / "keys" / "space.pem").read_bytes()
    capsys.readouterr()
    assert main(args) == 1
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "n" / "keys" / "space.pem").read_bytes() == before


def test_init_rejects_bad_country(tmp_path: Path, capsys) -> None:
    code = main(["init", str(tmp_path / "n"), "--url", "http://x.test", "--name", "X",
                 "--country", "France", "--city", "Lille"])
    assert code == 1
    assert "country" in capsys.readouterr().err
    assert not (tmp_path / "n" / "node.toml").exists()


async def test_node_serves_healthz(node) -> None:
    async with node.client() as http:
        async with http.get("/healthz") as resp:
            assert resp.status == 200
            assert (await resp.json())["status"] == "ok"
