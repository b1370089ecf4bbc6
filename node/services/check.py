"""`coffee-node check`: is this node healthy, and if not, what exactly to do about it.

Each check says ok, warn, fail or skip with a sentence a space manager can act
on (the file, the problem, the command that fixes it). Nothing here changes the
node: the database is opened without migrations, keys are only read.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from federation import keys
from node import config as config_mod
from node.config import CONFIG_FILE, DB_FILE, KEYS_DIR, MEDIA_DIR, Config
from node.errors import ConfigError
from node.services.healthz import get_healthz
from node.services.setup import APPLICATION_KEY, SESSION_SECRET, SPACE_KEY
from node.storage import stats

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
HEALTHZ_TIMEOUT = 3.0
MIN_SECRET_BYTES = 32


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    message: str
    details: dict[str, object] = field(default_factory=dict)


def run_checks(data_dir: Path, env: Mapping[str, str] | None = None) -> list[Check]:
    """Every check, in the order a person would fix things; `env` as `serve` would see it."""
    data_dir = Path(data_dir).resolve()
    if not data_dir.is_dir():
        return [Check("config", FAIL, f"{data_dir} does not exist or is not a directory")]
    config, config_check = check_config(data_dir, env)
    checks = [config_check, check_directories(data_dir)]
    checks += [check_private_key(data_dir, name) for name in (SPACE_KEY, APPLICATION_KEY)]
    checks.append(check_session_secret(data_dir))
    checks += check_database(data_dir)
    checks.append(check_healthz(config) if config else Check("healthz", SKIP, "skipped: the configuration did not load"))
    return checks


def check_config(data_dir: Path, env: Mapping[str, str] | None) -> tuple[Config | None, Check]:
    path = data_dir / CONFIG_FILE
    try:
        config = config_mod.load(data_dir, env=dict(os.environ) if env is None else dict(env))
    except ConfigError as exc:
        message = exc.message if str(path) in exc.message else f"{path}: {exc.message}"
        return None, Check("config", FAIL, message)
    if config.url.startswith("https://") and config.port == 443:
        # Older `init`s did this: plain HTTP where browsers expect TLS, and sign-in fails as "form expired".
        return config, Check("config", WARN, f"the node serves plain HTTP on port 443 while its URL is {config.url}: "
                             "HTTPS belongs to the proxy; set port = 8080 in [server] of node.toml and point the "
                             "proxy at it", {"url": config.url})
    return config, Check("config", OK, f"{CONFIG_FILE} is valid; public URL {config.url}", {"url": config.url})


def check_directories(data_dir: Path) -> Check:
    """A world-writable data dir lets any local user swap the database or the keys."""
    problems = []
    for path in (data_dir, data_dir / KEYS_DIR, data_dir / MEDIA_DIR):
        if path.is_dir() and stat.S_IMODE(path.stat().st_mode) & stat.S_IWOTH:
            mode = stat.S_IMODE(path.stat().st_mode)
            problems.append(f"{path} is writable by everyone (mode {mode:04o}); run chmod o-w {path}")
    if problems:
        return Check("directories", FAIL, "; ".join(problems))
    return Check("directories", OK, f"{data_dir} and its keys/ and media/ are not writable by everyone")


def exposure(path: Path, label: str) -> str | None:
    """Why a secret file is too open, with the fix; None when only its owner can read it."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & 0o077:
        return None
    if mode & stat.S_IROTH:
        who = "readable by others"
    elif mode & stat.S_IWOTH:
        who = "writable by others"
    else:
        who = "open to its group"
    return f"{label} is {who} (mode {mode:04o}); run chmod 600 {path}"


def check_private_key(data_dir: Path, name: str) -> Check:
    label = f"{KEYS_DIR}/{name}"
    path = data_dir / KEYS_DIR / name
    if not path.is_file():
        return Check(label, FAIL, f"{path} is missing; restore it from a backup (a new key breaks federation)")
    try:
        keys.load_private(path.read_bytes())
    except (ValueError, TypeError) as exc:
        return Check(label, FAIL, f"{path} is not a readable private key ({exc})")
    problem = exposure(path, label)
    return Check(label, FAIL, problem) if problem else Check(label, OK, f"{label} parses and is private (0600)")


def check_session_secret(data_dir: Path) -> Check:
    label = f"{KEYS_DIR}/{SESSION_SECRET}"
    path = data_dir / KEYS_DIR / SESSION_SECRET
    if not path.is_file():
        return Check(label, FAIL, f"{path} is missing; without it nobody can sign in")
    try:
        secret = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (ValueError, UnicodeDecodeError):
        secret = b""
    if len(secret) < MIN_SECRET_BYTES:
        return Check(label, FAIL, f"{path} must hold at least {MIN_SECRET_BYTES} random bytes in hex")
    problem = exposure(path, label)
    return Check(label, FAIL, problem) if problem else Check(label, OK, f"{label} is set and private (0600)")


def check_database(data_dir: Path) -> list[Check]:
    """The file's mode, its integrity, its migrations, and the delivery backlog it holds."""
    path = data_dir / DB_FILE
    if not path.is_file():
        return [Check("database", FAIL, f"{path} is missing; restore a backup with `coffee-node restore`")]
    problem = exposure(path, DB_FILE)  # member keys and password hashes live in it
    try:
        with contextlib.closing(stats.open_existing(path)) as conn:
            errors = stats.integrity_errors(conn)
            pending, newer = stats.migration_status(conn)
            backlog = stats.undelivered_by_domain(conn)
    except sqlite3.DatabaseError as exc:
        return [Check("database", FAIL, f"{path} cannot be read as a SQLite database: {exc}")]
    if errors:
        database = Check("database", FAIL, f"{path} fails its integrity check: {'; '.join(errors[:3])}; restore a backup")
    elif problem:
        database = Check("database", FAIL, problem)
    else:
        database = Check("database", OK, "integrity check ok; the file is private (0600)")
    return [database, migrations_check(pending, newer), deliveries_check(backlog)]


def migrations_check(pending: list[str], newer: list[str]) -> Check:
    if newer:
        return Check(
            "migrations", FAIL,
            f"the database was upgraded by a newer Coffee ({', '.join(newer)}); install that version again",
        )
    if pending:
        return Check(
            "migrations", WARN,
            f"{len(pending)} migration(s) will run at the next start: {', '.join(pending)}; back up first",
            {"pending": pending},
        )
    return Check("migrations", OK, "the database schema is up to date")


def deliveries_check(backlog: dict[str, dict[str, int]] | None) -> Check:
    if backlog is None:
        return Check("deliveries", SKIP, "this database has no delivery queue yet")
    if not backlog:
        return Check("deliveries", OK, "no delivery waiting", {"domains": backlog})
    pending = sum(by_status.get(stats.PENDING, 0) for by_status in backlog.values())
    failed = sum(by_status.get(stats.FAILED, 0) for by_status in backlog.values())
    worst = sorted(backlog.items(), key=lambda item: (-item[1].get(stats.FAILED, 0), -sum(item[1].values())))[:5]
    summary = ", ".join(
        f"{domain} ({', '.join(f'{count} {status}' for status, count in sorted(by_status.items()))})"
        for domain, by_status in worst
    )
    status = WARN if failed else OK
    return Check("deliveries", status, f"{pending} pending, {failed} failed; {summary}", {"domains": backlog})


def check_healthz(config: Config) -> Check:
    """The public URL through the proxy: proves DNS, TLS and the proxy, not only the process."""
    probe = get_healthz(f"{config.url}/healthz", HEALTHZ_TIMEOUT)
    if probe.status is None:
        return Check("healthz", WARN, f"{probe.url} is not reachable ({probe.reason}); is the node running and the proxy set up?")
    if probe.status >= 400:
        return Check("healthz", WARN, f"{probe.url} answered HTTP {probe.status}; is the proxy pointing at this node?")
    return Check("healthz", OK, f"{probe.url} answers {probe.status}")
