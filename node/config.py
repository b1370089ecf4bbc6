"""Node configuration: `node.toml` in the data dir, overridden by COFFEE_* variables.

Loaded once at start and frozen; nothing reads the environment later.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from node.errors import ConfigError

CONFIG_FILE = "node.toml"
DB_FILE = "coffee.db"
KEYS_DIR = "keys"
MEDIA_DIR = "media"
SUPPORTED_UI_LANGUAGES = ("fr", "nl", "en")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,29}$")


OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


@dataclass(frozen=True)
class MailConfig:
    """`[mail]` in node.toml: the SMTP server the mail outbox sends through (absent: e-mail is off)."""

    host: str
    sender: str                        # `from`: the address mails come from
    port: int = 587
    starttls: bool = True
    username: str = ""
    password_file: Path | None = None  # the password stays out of node.toml

    def password(self) -> str | None:
        if self.password_file is None:
            return None
        return self.password_file.read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class Config:
    """Everything a node needs to start; paths derive from `data_dir`."""

    data_dir: Path
    url: str
    name: str
    slug: str
    country: str
    city: str
    languages: tuple[str, ...] = SUPPORTED_UI_LANGUAGES
    allow_private_network: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    manual_approval: bool = False
    log_format: str = "json"
    trusted_spaces: tuple[str, ...] = field(default_factory=tuple)
    inbox_rate: float = 50.0          # activities per second accepted from one domain (0: no limit)
    inbox_burst: int = 500
    ca_file: Path | None = None        # extra CA bundle for outbound TLS (tests, private CAs)
    host_overrides: tuple[tuple[str, str], ...] = ()  # host -> IP for outbound fetches (tests only)
    mail: MailConfig | None = None     # [mail]; None: no e-mail is sent, the admin page says so
    map_tile_url: str = OSM_TILES            # [map] tiles: the network map's tile server ({z}/{x}/{y})
    map_attribution: str = OSM_ATTRIBUTION   # [map] attribution: shown on the map, required by OSM's licence

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILE

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / KEYS_DIR

    @property
    def media_dir(self) -> Path:
        return self.data_dir / MEDIA_DIR

    @property
    def domain(self) -> str:
        """Host[:port] of the public URL: the authority used in handles and signatures."""
        return urlsplit(self.url).netloc

    def validate(self) -> "Config":
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"url must be an absolute http(s) URL, got {self.url!r}")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ConfigError("url must be the site root (no path, query or fragment)")
        if not COUNTRY_RE.match(self.country):
            raise ConfigError(f"country must be an ISO 3166 alpha-2 code like FR or BE, got {self.country!r}")
        if not SLUG_RE.match(self.slug):
            raise ConfigError(f"slug must be 1-30 of a-z, 0-9, _ (got {self.slug!r})")
        if not self.name.strip():
            raise ConfigError("name must not be empty")
        if not self.languages:
            raise ConfigError("languages must list at least one language")
        if not 0 < self.port < 65536:
            raise ConfigError(f"port out of range: {self.port}")
        if self.inbox_rate < 0 or self.inbox_burst < 1:
            raise ConfigError("inbox_rate must be >= 0 and inbox_burst >= 1")
        if self.log_format not in ("json", "text"):
            raise ConfigError("log_format must be json or text")
        if self.mail is not None and (not self.mail.host or "@" not in self.mail.sender
                                      or not 0 < self.mail.port < 65536 or any(c in self.mail.sender for c in "\r\n")):
            raise ConfigError("[mail] needs host, a valid port and from = an e-mail address")
        if not re.fullmatch(r"https://[^\s\"'<>]+", self.map_tile_url) or not all(
                part in self.map_tile_url for part in ("{z}", "{x}", "{y}")):
            raise ConfigError("[map] tiles must be an https URL with {z}, {x} and {y}")
        return self


def slugify(name: str) -> str:
    """A handle from a space name: 'The Cowork Factory' -> 'thecoworkfactory'."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]", "", ascii_name.lower())[:30]
    return slug or "space"


def to_toml(config: Config) -> str:
    """Serialise the settings a space manager may edit (paths are implied by the dir)."""

    def q(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    langs = ", ".join(q(lang) for lang in config.languages)
    trusted = ", ".join(q(t) for t in config.trusted_spaces)
    return (
        "# Coffee node settings. See README.md, section Configuration.\n"
        "[node]\n"
        f"url = {q(config.url)}\n"
        f"name = {q(config.name)}\n"
        f"slug = {q(config.slug)}\n"
        f"country = {q(config.country)}\n"
        f"city = {q(config.city)}\n"
        f"languages = [{langs}]\n"
        f"allow_private_network = {str(config.allow_private_network).lower()}\n"
        "\n[server]\n"
        f"host = {q(config.host)}\n"
        f"port = {config.port}\n"
        f"log_format = {q(config.log_format)}\n"
        "\n[map]\n"
        f"tiles = {q(config.map_tile_url)}\n"
        f"attribution = {q(config.map_attribution)}\n"
        # [federation] right after [map], [mail] (optional) last: tests append ca_file and host_overrides
        # to a node.toml written without [mail], so they land in [federation]
        "\n[federation]\n"
        f"manual_approval = {str(config.manual_approval).lower()}\n"
        f"trusted_spaces = [{trusted}]\n"
        f"inbox_rate = {config.inbox_rate}\n"
        f"inbox_burst = {config.inbox_burst}\n"
        + (_mail_toml(config.mail, q) if config.mail else "")
    )


def _mail_toml(mail: MailConfig, q) -> str:  # type: ignore[no-untyped-def]
    return ("\n[mail]\n"
            f"host = {q(mail.host)}\nport = {mail.port}\nstarttls = {str(mail.starttls).lower()}\n"
            f"username = {q(mail.username)}\nfrom = {q(mail.sender)}\n"
            + (f"password_file = {q(str(mail.password_file))}\n" if mail.password_file else ""))


ENV_OVERRIDES: dict[str, tuple[str, type]] = {
    "COFFEE_URL": ("url", str),
    "COFFEE_HOST": ("host", str),
    "COFFEE_PORT": ("port", int),
    "COFFEE_LOG_FORMAT": ("log_format", str),
    "COFFEE_ALLOW_PRIVATE_NETWORK": ("allow_private_network", bool),
}


def _mail(section: dict | None, data_dir: Path) -> MailConfig | None:
    if not section:
        return None
    password_file = section.get("password_file")
    return MailConfig(host=str(section.get("host", "")), sender=str(section.get("from", "")),
                      port=int(section.get("port", 587)), starttls=bool(section.get("starttls", True)),
                      username=str(section.get("username", "")),
                      password_file=(data_dir / str(password_file)) if password_file else None)


def load(data_dir: Path | str, env: dict[str, str] | None = None) -> Config:
    """Read `DIR/node.toml`, apply COFFEE_* overrides, validate."""
    data_dir = Path(data_dir).resolve()
    path = data_dir / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(f"no node in {data_dir} (missing {CONFIG_FILE}); run `coffee-node init` first")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    node, server, fed = raw.get("node", {}), raw.get("server", {}), raw.get("federation", {})
    tiles = raw.get("map", {})
    try:
        config = Config(
            data_dir=data_dir,
            url=str(node["url"]).rstrip("/"),
            name=str(node["name"]),
            slug=str(node["slug"]),
            country=str(node["country"]).upper(),
            city=str(node.get("city", "")),
            languages=tuple(node.get("languages", SUPPORTED_UI_LANGUAGES)),
            allow_private_network=bool(node.get("allow_private_network", False)),
            host=str(server.get("host", "127.0.0.1")),
            port=int(server.get("port", 8000)),
            log_format=str(server.get("log_format", "json")),
            manual_approval=bool(fed.get("manual_approval", False)),
            trusted_spaces=tuple(fed.get("trusted_spaces", ())),
            inbox_rate=float(fed.get("inbox_rate", 50.0)),
            inbox_burst=int(fed.get("inbox_burst", 500)),
            ca_file=Path(fed["ca_file"]) if fed.get("ca_file") else None,
            host_overrides=tuple((str(k), str(v)) for k, v in fed.get("host_overrides", {}).items()),
            mail=_mail(raw.get("mail"), data_dir),
            map_tile_url=str(tiles.get("tiles", OSM_TILES)),
            map_attribution=str(tiles.get("attribution", OSM_ATTRIBUTION)),
        )
    except KeyError as exc:
        raise ConfigError(f"{path}: missing setting {exc.args[0]!r} in [node]") from exc
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: bad value: {exc}") from exc
    env = os.environ if env is None else env
    for var, (attr, kind) in ENV_OVERRIDES.items():
        if var in env:
            value: object = env[var]
            if kind is int:
                value = int(env[var])
            elif kind is bool:
                value = env[var].lower() in ("1", "true", "yes")
            config = replace(config, **{attr: value})
    return config.validate()
