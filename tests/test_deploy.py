"""deploy/: static checks that always run, and the real validators when tests/setup_tools.sh installed them."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from node.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent
UNIT_EXEC = "/opt/coffee/.venv/bin/coffee-node"


def tool(name: str) -> str:
    """A validator's path, or skip: they are installed by tests/setup_tools.sh, not by pip."""
    found = shutil.which(name) or shutil.which(name, path=f"{VENV_BIN}:/usr/sbin:/sbin")
    if found is None:
        pytest.skip(f"{name} is not installed (tests/setup_tools.sh installs it)")
    return found


def run(*argv: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kwargs)  # type: ignore[call-overload]


# -- static checks -----------------------------------------------------------


def yaml_outline(text: str) -> set[str]:
    """Dotted paths of every mapping key, from indentation: enough to check a compose file's shape."""
    paths: set[str] = set()
    stack: list[tuple[int, str]] = []
    for line in text.splitlines():
        match = re.match(r"^( *)([A-Za-z0-9_.-]+):(\s|$)", line)
        if not match or line.lstrip().startswith("#"):
            continue
        indent, key = len(match.group(1)), match.group(2)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key))
        paths.add(".".join(k for _, k in stack))
    return paths


def test_compose_file_is_well_formed_with_three_nodes_behind_caddy() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    assert "\t" not in text, "YAML forbids tabs for indentation"
    for number, line in enumerate(text.splitlines(), 1):
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0 or line.lstrip().startswith("#"), f"line {number}: odd indentation"
    outline = yaml_outline(text)
    assert {"services.caddy", "services.ca-export", "volumes", "networks.coffee"} <= outline
    for name in ("lille", "tournai", "mons"):
        assert {f"services.{name}.environment", f"services.{name}.volumes", f"volumes.{name}-data"} <= outline
        assert f"- {name}-data:/data" in text
        assert f"COFFEE_INIT_URL: https://{name}.coffee.test" in text
        assert f"- {name}.coffee.test" in text, "network alias: nodes reach each other through Caddy"
        assert f"reverse_proxy {name}:8000" in (DEPLOY / "Caddyfile").read_text()
    assert "SSL_CERT_FILE: /ca/bundle.pem" in text


def dockerfile_stages(text: str) -> list[list[tuple[str, str]]]:
    """(INSTRUCTION, arguments) per build stage, continuation lines joined."""
    stages: list[list[tuple[str, str]]] = []
    for instruction in re.sub(r"\\\n", " ", text).splitlines():
        if not instruction.strip() or instruction.lstrip().startswith("#"):
            continue
        keyword, _, rest = instruction.strip().partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append((keyword.upper(), rest.strip()))
    return stages


def test_dockerfile_runs_as_non_root_with_a_healthcheck() -> None:
    final = dict(dockerfile_stages((DEPLOY / "Dockerfile").read_text())[-1])
    assert final["FROM"].startswith("python:3.11-slim")
    assert final["USER"].split(":")[0] not in ("root", "0")
    assert "/healthz" in final["HEALTHCHECK"] and "python" in final["HEALTHCHECK"]
    assert final["VOLUME"] == "/data" and final["EXPOSE"] == "8000"
    assert final["ENTRYPOINT"] == '["coffee-node"]'
    assert final["CMD"].startswith('["serve", "/data", "--host", "0.0.0.0"')
    assert (ROOT / ".dockerignore").is_file()


def unit_settings(text: str) -> dict[str, list[str]]:
    """`Section.Key` -> every value (systemd keys repeat, e.g. SystemCallFilter)."""
    settings: dict[str, list[str]] = {}
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            settings.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return settings


def test_systemd_unit_is_sandboxed() -> None:
    unit = unit_settings((DEPLOY / "coffee-node.service").read_text())
    expected = {
        "Service.ProtectSystem": "strict",
        "Service.ReadWritePaths": "/var/lib/coffee",
        "Service.StateDirectory": "coffee",
        "Service.NoNewPrivileges": "yes",
        "Service.PrivateTmp": "yes",
        "Service.ProtectHome": "yes",
        "Service.RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
        "Service.CapabilityBoundingSet": "",
        "Service.Restart": "on-failure",
        "Service.KillSignal": "SIGTERM",
    }
    for key, value in expected.items():
        assert unit.get(key) == [value], key
    assert "@system-service" in unit["Service.SystemCallFilter"]
    assert unit.get("Service.User") == ["coffee"] or unit.get("Service.DynamicUser") == ["yes"]
    assert unit["Service.ExecStart"] == [f"{UNIT_EXEC} serve /var/lib/coffee"]


def documented_commands(text: str) -> set[tuple[str, ...]]:
    """Every `coffee-node COMMAND [SUBCOMMAND]` written in a document."""
    return {
        tuple(word for word in match.groups() if word)
        for match in re.finditer(r"coffee-node[ \t]+([a-z][a-z-]*)(?:[ \t]+([a-z][a-z-]*))?", text)
    }


def test_every_command_in_the_operator_guide_exists() -> None:
    text = (DEPLOY / "OPERATING.md").read_text()
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    mentioned = documented_commands(text)
    assert {("backup",), ("restore",), ("check",), ("init",)} <= {words[:1] for words in mentioned}
    for words in mentioned:
        assert words[0] in commands, f"`coffee-node {words[0]}` in deploy/OPERATING.md is not a command"
        nested = [a for a in commands[words[0]]._actions if a.__class__.__name__ == "_SubParsersAction"]
        if nested and len(words) > 1:
            assert words[1] in nested[0].choices, f"`coffee-node {' '.join(words)}` is not a command"
    assert UNIT_EXEC in text, "the guide and the systemd unit must agree on where coffee-node is"


def test_entrypoint_creates_the_node_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
        "COFFEE_DATA": str(data),
        "COFFEE_INIT_URL": "http://127.0.0.1:9",
        "COFFEE_INIT_NAME": "Coworking Mons",
        "COFFEE_INIT_COUNTRY": "BE",
        "COFFEE_INIT_CITY": "Mons",
    }
    first = run("sh", str(DEPLOY / "docker-entrypoint.sh"), "check", str(data), env=env)
    assert first.returncode == 0, first.stderr
    assert "Created node 'Coworking Mons'" in first.stdout and "config" in first.stdout
    assert 'port = 8000' in (data / "node.toml").read_text()
    second = run("sh", str(DEPLOY / "docker-entrypoint.sh"), "check", str(data), env=env)
    assert second.returncode == 0 and "Created node" not in second.stdout
    no_init = run("sh", str(DEPLOY / "docker-entrypoint.sh"), "check", str(tmp_path / "empty"),
                  env={"PATH": env["PATH"], "COFFEE_DATA": str(tmp_path / "empty")})
    assert no_init.returncode == 1 and not (tmp_path / "empty").exists()


# -- validators, when installed ----------------------------------------------


def test_hadolint_passes() -> None:
    result = run(tool("hadolint"), str(DEPLOY / "Dockerfile"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_config_is_valid() -> None:
    docker = tool("docker")
    if run(docker, "compose", "version").returncode != 0:
        pytest.skip("the docker compose plugin is not installed (tests/setup_tools.sh installs it)")
    result = run(docker, "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    # verify insists that ExecStart exists: point it at this checkout's coffee-node.
    unit = tmp_path / "coffee-node.service"
    unit.write_text((DEPLOY / "coffee-node.service").read_text().replace(UNIT_EXEC, str(VENV_BIN / "coffee-node")))
    result = run(tool("systemd-analyze"), "verify", str(unit))
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_caddyfile_adapts_and_is_formatted() -> None:
    caddy = tool("caddy")
    result = run(caddy, "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile")
    assert result.returncode == 0, result.stderr
    assert '"dial":"lille:8000"' in result.stdout.replace(" ", "")
    formatted = run(caddy, "fmt", str(DEPLOY / "Caddyfile"))
    assert formatted.stdout == (DEPLOY / "Caddyfile").read_text(), "run: caddy fmt --overwrite deploy/Caddyfile"


def self_signed(directory: Path) -> None:
    """fullchain.pem and privkey.pem, so `nginx -t` can load the site's certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "coffee.example.org")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (directory / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def test_nginx_accepts_the_server_block(tmp_path: Path) -> None:
    nginx = tool("nginx")
    self_signed(tmp_path)
    site = (DEPLOY / "nginx.conf").read_text().replace("/etc/letsencrypt/live/coffee.example.org/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    temp_paths = "".join(f"  {kind}_temp_path {tmp_path}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n{temp_paths}  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    result = run(nginx, "-t", "-q", "-p", str(tmp_path), "-e", "stderr", "-c", str(tmp_path / "nginx.conf"))
    assert result.returncode == 0, result.stderr


def test_shellcheck_passes_on_the_entrypoint() -> None:
    result = run(tool("shellcheck"), str(DEPLOY / "docker-entrypoint.sh"))
    assert result.returncode == 0, result.stdout
