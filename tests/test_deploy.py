"""deploy/: static checks that always run, and the real validators when tests/setup_tools.sh installed them."""

from __future__ import annotations

import asyncio
import datetime
import http.client
import json
import logging
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from node.cli import build_parser
from node.commands.health import local_healthz_url
from tests.commands import run as run_cli
from tests.nodes import RunningNode

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


def run(*argv: str, timeout: float = 120, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)  # type: ignore[call-overload]


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
    published = re.findall(r'^ +- "(.*:\d+:\d+)"$', text, re.M)
    assert published == ["${COFFEE_PUBLISH_ADDRESS:-127.0.0.1}:80:80", "${COFFEE_PUBLISH_ADDRESS:-127.0.0.1}:443:443"]


def dockerfile_stages(text: str) -> list[list[tuple[str, str]]]:
    """(INSTRUCTION, arguments) per build stage, continuation lines joined; stage 0 is what precedes FROM."""
    stages: list[list[tuple[str, str]]] = [[]]
    for instruction in re.sub(r"\\\n", " ", text).splitlines():
        if not instruction.strip() or instruction.lstrip().startswith("#"):
            continue
        keyword, _, rest = instruction.strip().partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append((keyword.upper(), re.sub(r"\s+", " ", rest.strip())))
    return stages


def test_dockerfile_runs_as_non_root_with_a_healthcheck() -> None:
    preamble, _build, final_stage = dockerfile_stages((DEPLOY / "Dockerfile").read_text())
    final = dict(final_stage)
    assert ("ARG", "PYTHON_IMAGE=python:3.11-slim") in preamble and final["FROM"] == "${PYTHON_IMAGE}"
    assert final["USER"] == "10001:10001"
    # The group has the user's number, so nothing in /data is owned by a nameless gid.
    assert "groupadd --gid 10001 coffee" in final["RUN"] and "--uid 10001 --gid coffee" in final["RUN"]
    # The health check asks the port of the node's configuration: no port written here.
    assert final["HEALTHCHECK"].endswith('CMD ["python", "-m", "node.commands.health", "/data"]')
    assert not re.search(r"\b8000\b", final["HEALTHCHECK"] + final["CMD"])
    assert final["VOLUME"] == "/data" and final["EXPOSE"] == "8000"
    assert final["ENTRYPOINT"] == '["coffee-node"]'
    assert final["CMD"] == '["serve", "/data", "--host", "0.0.0.0"]'
    assert (ROOT / ".dockerignore").is_file()


def test_dockerfile_installs_the_locked_dependencies_and_ships_only_the_venv() -> None:
    _preamble, build, final = dockerfile_stages((DEPLOY / "Dockerfile").read_text())
    assert build[0] == ("FROM", "${PYTHON_IMAGE} AS build")
    runs = [args for keyword, args in build if keyword == "RUN"]
    assert "pip install --no-cache-dir --require-hashes -r deploy/requirements.lock" in runs[0]
    assert "pip install --no-cache-dir --no-deps --no-build-isolation ." in runs[1]
    assert "pip uninstall --yes setuptools pip" in runs[1]
    # The skills index ships in the venv, readable by the node's user (regression: it was 0600 root).
    assert runs[2] == ('/opt/coffee/bin/python -I -c '
                       '"from node.services.skill_store import ensure_index; ensure_index().chmod(0o644)"')
    copies = [args for keyword, args in final if keyword == "COPY"]
    assert [c for c in copies if c.startswith("--from")] == ["--from=build /opt/coffee /opt/coffee"]
    assert "!deploy/requirements.lock" in (ROOT / ".dockerignore").read_text().splitlines()


def requirement_name(text: str) -> str:
    return re.split(r"[\s<>=!~\[;]", text.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_the_lock_file_pins_every_dependency_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lock = (DEPLOY / "requirements.lock").read_text()
    pins = dict(re.findall(r"^([a-z0-9._-]+)==(\S+) \\$", lock, re.M))
    wanted = project["project"]["dependencies"] + project["build-system"]["requires"]
    missing = [name for name in map(requirement_name, wanted) if name not in pins]
    assert not missing, f"deploy/requirements.lock lacks {missing}: regenerate it (command at its top)"
    lines = lock.splitlines()
    unhashed = [line for line, after in zip(lines, lines[1:] + [""])
                if re.match(r"^[a-z0-9]", line) and not after.strip().startswith("--hash=sha256:")]
    assert len(pins) > 20 and not unhashed, unhashed


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


def test_entrypoint_waits_for_the_ca_bundle_before_starting_the_node(tmp_path: Path) -> None:
    """compose.yaml's nodes trust a bundle another container writes: no start before it exists."""
    data, bundle = tmp_path / "data", tmp_path / "ca" / "bundle.pem"
    env = {
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}", "COFFEE_DATA": str(data), "SSL_CERT_FILE": str(bundle),
        "COFFEE_INIT_URL": "http://127.0.0.1:9", "COFFEE_INIT_NAME": "Coworking Mons",
        "COFFEE_INIT_COUNTRY": "BE", "COFFEE_INIT_CITY": "Mons", "COFFEE_CA_WAIT_SECONDS": "1",
    }
    gave_up = run("sh", str(DEPLOY / "docker-entrypoint.sh"), "check", str(data), env=env)
    assert gave_up.returncode == 1 and not data.exists()
    assert f"{bundle} is still missing after 1s; not starting" in gave_up.stderr

    env["COFFEE_CA_WAIT_SECONDS"] = "120"
    waiting = subprocess.Popen(["sh", str(DEPLOY / "docker-entrypoint.sh"), "check", str(data)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert waiting.stderr is not None
        assert f"waiting for the CA bundle {bundle}" in waiting.stderr.readline()
        assert not data.exists()
        bundle.parent.mkdir()
        bundle.write_text(self_signed_pem())
        out, err = waiting.communicate(timeout=120)
    finally:
        waiting.kill()
    assert waiting.returncode == 0, err
    assert "Created node 'Coworking Mons'" in out


# -- coffee-node health (the image's HEALTHCHECK) -----------------------------


async def test_health_asks_the_port_of_the_configuration(node: RunningNode, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = str(node.config.data_dir)
    code, out, _ = await asyncio.to_thread(run_cli, capsys, "health", data_dir)
    assert code == 0
    assert out.strip() == f"healthy: http://127.0.0.1:{node.config.port}/healthz answered HTTP 200"
    # The HEALTHCHECK's form: same answer, without loading the other commands.
    probe = await asyncio.to_thread(run, sys.executable, "-m", "node.commands.health", data_dir, "--json",
                                    cwd=ROOT, env={**os.environ, "HTTP_PROXY": "http://127.0.0.1:9"})
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout) == {"healthy": True, "url": f"http://127.0.0.1:{node.config.port}/healthz",
                                        "status": 200, "reason": ""}


async def test_health_fails_when_the_node_does_not_answer(node: RunningNode, capsys: pytest.CaptureFixture[str]) -> None:
    await node.stop()
    code, out, _ = await asyncio.to_thread(run_cli, capsys, "health", str(node.config.data_dir))
    assert code == 1
    assert re.fullmatch(rf"unhealthy: http://127\.0\.0\.1:{node.config.port}/healthz is not reachable \(.+\)\n", out)
    probe = await asyncio.to_thread(run, sys.executable, "-m", "node.commands.health", str(node.config.data_dir),
                                    cwd=ROOT)
    assert probe.returncode == 1 and probe.stdout.startswith("unhealthy: ")


def test_health_of_a_directory_without_a_node_is_a_one_line_error(tmp_path: Path) -> None:
    probe = run(sys.executable, "-m", "node.commands.health", str(tmp_path), cwd=ROOT)
    assert probe.returncode == 1 and probe.stderr.startswith("coffee-node health: no node in ")


@pytest.mark.parametrize("host, port, url", [
    ("0.0.0.0", 9000, "http://127.0.0.1:9000/healthz"),
    ("::", 8000, "http://127.0.0.1:8000/healthz"),
    ("", 8000, "http://127.0.0.1:8000/healthz"),
    ("10.0.0.5", 8000, "http://10.0.0.5:8000/healthz"),
    ("::1", 8000, "http://[::1]:8000/healthz"),
])
def test_health_asks_loopback_when_the_node_listens_everywhere(host: str, port: int, url: str) -> None:
    assert local_healthz_url(host, port) == url


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
    env = {key: value for key, value in os.environ.items() if key != "COFFEE_PUBLISH_ADDRESS"}
    for address in (None, "0.0.0.0"):
        if address:
            env["COFFEE_PUBLISH_ADDRESS"] = address
        result = run(docker, "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--format", "json", env=env)
        ports = json.loads(result.stdout)["services"]["caddy"]["ports"]
        assert {(port["host_ip"], port["target"]) for port in ports} == {(address or "127.0.0.1", 80),
                                                                         (address or "127.0.0.1", 443)}


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local_caddyfile(text: str, tmp_path: Path, upstream: int) -> tuple[str, int]:
    """deploy/Caddyfile on free ports, its storage in tmp_path, lille.coffee.test proxied to `upstream`."""
    https_port = free_port()
    options = f"\n\tadmin off\n\thttp_port {free_port()}\n\thttps_port {https_port}\n\tstorage file_system {tmp_path}/caddy\n"
    text = text.replace("\tskip_install_trust\n", f"\tskip_install_trust{options}", 1)
    return text.replace("reverse_proxy lille:8000", f"reverse_proxy 127.0.0.1:{upstream}"), https_port


def https_get(port: int, host: str, path: str, ca_file: Path) -> http.client.HTTPResponse:
    """GET https://HOST:PORT/PATH from 127.0.0.1:PORT, verified against `ca_file` (no DNS for HOST)."""
    context = ssl.create_default_context(cafile=str(ca_file))
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname=host)
    conn.request("GET", path, headers={"X-Request-Id": "chosen-by-the-client"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


async def first_answer(port: int, host: str, path: str, ca_file: Path, timeout: float = 15.0) -> http.client.HTTPResponse:
    """https_get once Caddy serves the certificate it said it obtained: on a loaded machine the
    handshake can come just before the certificate is in its cache (a TLS internal-error alert)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await asyncio.to_thread(https_get, port, host, path, ca_file)
        except ssl.SSLError as exc:
            if "INTERNAL_ERROR" not in str(exc) or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.1)


async def test_caddy_logs_each_request_with_the_id_the_node_logs_and_sends_one_server_header(
    node: RunningNode, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caddy = tool("caddy")
    caplog.set_level(logging.INFO, logger="coffee.http")
    config, port = local_caddyfile((DEPLOY / "Caddyfile").read_text(), tmp_path, node.config.port)
    (tmp_path / "Caddyfile").write_text(config)
    access_log = tmp_path / "access.log"
    with access_log.open("w") as stdout:
        proxy = subprocess.Popen([caddy, "run", "--config", str(tmp_path / "Caddyfile"), "--adapter", "caddyfile"],
                                 stdout=stdout, stderr=subprocess.PIPE, text=True, env={**os.environ, "HOME": str(tmp_path)})
    try:
        assert proxy.stderr is not None
        # Ready once the site's certificate exists (Caddy logs it; it exits on a bad config).
        for line in iter(proxy.stderr.readline, ""):
            if "certificate obtained successfully" in line and "lille.coffee.test" in line:
                break
        root = tmp_path / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        answer = await first_answer(port, "lille.coffee.test", "/healthz", root)
        hidden = await asyncio.to_thread(https_get, port, "lille.coffee.test", "/metrics", root)
    finally:
        proxy.terminate()
        proxy.communicate(timeout=30)
    assert answer.status == 200 and answer.headers.get_all("Server") == ["Caddy"]
    request_id = answer.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f-]{36}", request_id), "Caddy's id replaces the client's"
    assert hidden.status == 404
    node_lines = [r for r in caplog.records if r.getMessage() == "http.request"]
    assert [(r.request_id, r.route) for r in node_lines] == [(request_id, "/healthz")]
    entries = [json.loads(line) for line in access_log.read_text().splitlines()]
    logged = [(e["request"]["uri"], e["status"], e["resp_headers"].get("X-Request-Id")) for e in entries
              if e.get("logger", "").startswith("http.log.access")]
    assert logged[0] == ("/healthz", 200, [request_id]) and logged[1][:2] == ("/metrics", 404)


def self_signed_certificate() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "coffee.example.org")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert, key


def self_signed_pem() -> str:
    return self_signed_certificate()[0].public_bytes(serialization.Encoding.PEM).decode()


def self_signed(directory: Path) -> None:
    """fullchain.pem and privkey.pem, so `nginx -t` can load the site's certificate."""
    cert, key = self_signed_certificate()
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


# -- the image, built and run -------------------------------------------------

SMOKE_SKIPPED = 77  # deploy/smoke-test.sh: no engine answers, or no base image can be had


@pytest.mark.container
def test_the_image_builds_and_runs_end_to_end() -> None:
    """deploy/smoke-test.sh with Docker or podman, whichever answers: build, init, serve, health check,
    check, a signed follow between two containers, backup, restore into a new volume."""
    result = run("bash", str(DEPLOY / "smoke-test.sh"), timeout=1200)
    if result.returncode == SMOKE_SKIPPED:
        pytest.skip(result.stderr.strip().splitlines()[-1])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    assert "smoke test passed with" in result.stdout


def test_the_smoke_test_says_why_it_cannot_run(tmp_path: Path) -> None:
    """Without an engine that answers, the script stops at once with the reason (and the test above skips)."""
    for name in ("bash", "dirname", "date", "tail", "id"):
        (tmp_path / name).symlink_to(shutil.which(name))  # type: ignore[arg-type]
    (tmp_path / "docker").write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    (tmp_path / "docker").chmod(0o755)
    result = run(str(tmp_path / "bash"), str(DEPLOY / "smoke-test.sh"), env={"PATH": str(tmp_path)})
    assert result.returncode == SMOKE_SKIPPED and not result.stdout
    assert result.stderr == ("smoke-test: cannot run here: no container engine: docker is installed but "
                             "'docker info' fails: Cannot connect to the Docker daemon; podman is not installed\n")
