"""Creating a node: data dir, node.toml, keys (0600), database with the space row, the skills index."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

from federation import keys
from node import config as config_mod
from node.config import Config
from node.errors import Conflict, ConfigError, InvalidInput
from node.services import skill_store
from node.storage import db as db_mod
from node.storage import space as space_store

PROXIED_PORT = 8080  # where the node listens behind its HTTPS proxy, by default

SPACE_KEY = "space.pem"
APPLICATION_KEY = "application.pem"
SESSION_SECRET = "session.secret"


def init_node(
    data_dir: Path,
    *,
    url: str,
    name: str,
    country: str,
    city: str,
    slug: str | None = None,
    languages: tuple[str, ...] = config_mod.SUPPORTED_UI_LANGUAGES,
    allow_private_network: bool = False,
    port: int | None = None,
) -> Config:
    """Create everything a node needs in `data_dir`; refuse if a node is already there."""
    data_dir = Path(data_dir).resolve()
    if (data_dir / config_mod.CONFIG_FILE).exists() or (data_dir / config_mod.DB_FILE).exists():
        raise Conflict(f"a node already exists in {data_dir}; refusing to overwrite it")
    url = url.rstrip("/")
    parts = urlsplit(url)
    # TLS ends at the reverse proxy, which forwards to this port: only an http:// URL with its own
    # port (a local test network) is served where it says.
    default_port = parts.port if parts.scheme == "http" and parts.port else PROXIED_PORT
    config = Config(
        data_dir=data_dir,
        url=url,
        name=name.strip(),
        slug=slug or config_mod.slugify(name),
        country=country.upper(),
        city=city.strip(),
        languages=languages,
        allow_private_network=allow_private_network,
        port=port or default_port,
    )
    try:
        config.validate()
    except ConfigError as exc:
        raise InvalidInput(exc.message) from exc
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / config_mod.MEDIA_DIR).mkdir(exist_ok=True)
    keys.write_private_key(config.keys_dir / SPACE_KEY, keys.generate_rsa())
    keys.write_private_key(config.keys_dir / APPLICATION_KEY, keys.generate_rsa())
    write_secret(config.keys_dir / SESSION_SECRET)
    store = db_mod.connect(config.db_path)
    try:
        space_store.create(
            store, slug=config.slug, name=config.name, country=config.country, city=config.city,
            languages=list(languages),
        )
    finally:
        store.close()
    (data_dir / config_mod.CONFIG_FILE).write_text(config_mod.to_toml(config), encoding="utf-8")
    skill_store.ensure_index()  # built here, once per machine and data version, not at the first request
    return config


def write_secret(path: Path) -> None:
    """32 random bytes (hex) for signing/encrypting session cookies, owner-only."""
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32))
