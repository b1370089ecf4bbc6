"""`coffee-node init` and start-up: files, permissions, refusal to overwrite."""

from __future__ import annotations

import html
import stat
from pathlib import Path

from node.cli import main
from node.config import load
from node.services.check import run_checks
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


def test_an_https_node_listens_on_8080_behind_its_proxy(tmp_path: Path, capsys) -> None:
    """Issue 10, bug 13: the README's `--url https://coffee.example.org` listened on 127.0.0.1:443 in plain HTTP."""
    code = main(["init", str(tmp_path / "n"), "--url", "https://coffee.example.org", "--name", "My Space",
                 "--country", "BE", "--city", "Mons"])
    assert code == 0
    out = capsys.readouterr().out
    assert "It listens on http://127.0.0.1:8080 (plain HTTP" in out and "HTTPS proxy for https://coffee.example.org" in out
    config = load(tmp_path / "n", env={})
    assert (config.host, config.port) == ("127.0.0.1", 8080)
    assert main(["init", str(tmp_path / "local"), "--url", "http://127.0.0.1:8101", "--name", "Demo",
                 "--country", "BE", "--city", "Mons"]) == 0
    assert load(tmp_path / "local", env={}).port == 8101  # a local network's URL says where it listens
    # A node made by an older init (plain HTTP on 443) is pointed out by `check`.
    assert main(["init", str(tmp_path / "old"), "--url", "https://coffee.example.org", "--name", "Old",
                 "--country", "BE", "--city", "Mons", "--port", "443"]) == 0
    [config_check] = [check for check in run_checks(tmp_path / "old", env={}) if check.name == "config"]
    assert config_check.status == "warn" and "port = 8080" in config_check.message
    [config_check] = [check for check in run_checks(tmp_path / "n", env={}) if check.name == "config"]
    assert config_check.status == "ok"


async def test_a_request_for_another_address_than_the_url_is_told_which_one_to_use(node) -> None:
    """Issue 10, bug 13: behind a proxy that drops the scheme, or under another host name, signing in
    failed with a misleading "form expired"; the page now names the right address."""
    http = node.client()
    http.cookie_jar.update_cookies({"lang": "fr"})
    for headers, seen in (({"X-Forwarded-Proto": "https"}, f"https://{node.config.domain}"),
                          ({"Host": "coffee.example.org"}, "http://coffee.example.org")):
        for method, path in (("GET", "/login"), ("POST", "/login")):
            async with http.request(method, path, headers=headers, data={"username": "x"}) as resp:
                page = html.unescape(await resp.text())
            assert resp.status == 421, (headers, method)
            assert f"L’adresse de ce site est {node.url}" in page and seen in page
            assert "expiré" not in page
        async with http.get("/healthz", headers=headers) as resp:
            assert resp.status == 200  # local probes answer on any address
    async with http.get("/login", headers={"X-Forwarded-Proto": "http"}) as resp:
        assert resp.status == 200  # the right address, said by the proxy
