"""Online backups of a node, and restoring them.

A backup is one `.tar.gz`: `coffee-backup.json` (format, date, version),
`coffee.db` (a consistent snapshot from SQLite's backup API, so the node keeps
serving while it is taken), `node.toml`, `keys/` and `media/`. It holds the
node's private keys, so it is written owner-only (0600), atomically: a crash
mid-way never leaves a half-written file under the final name.

Restoring trusts nothing in the archive: only the expected members, only
regular files and directories, no absolute paths or `..`, bounded sizes. We
write each file ourselves with our own modes (keys 0600) rather than letting
tarfile extract, then check the database before anything replaces the node.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from node import __version__
from node import config as config_mod
from node.config import CONFIG_FILE, DB_FILE, KEYS_DIR, MEDIA_DIR
from node.errors import ConfigError, Conflict, InvalidInput, NotFound
from node.storage import stats
from node.timeutil import now_iso

MANIFEST = "coffee-backup.json"
FORMAT = 1
REQUIRED_MEMBERS = frozenset({MANIFEST, DB_FILE, CONFIG_FILE})
MAX_MEMBERS = 200_000
MAX_TOTAL_BYTES = 64 * 1024**3
MAX_SMALL_FILE_BYTES = 1024 * 1024  # manifest, node.toml, keys
MAX_MEDIA_DEPTH = 8
PRIVATE_FILE, PRIVATE_DIR, PUBLIC_FILE, PUBLIC_DIR = 0o600, 0o700, 0o644, 0o755
NODE_ENTRIES = (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", CONFIG_FILE, KEYS_DIR, MEDIA_DIR)


@dataclass(frozen=True)
class BackupReport:
    path: str
    size: int
    files: int
    skipped: list[str] = field(default_factory=list)  # links, special files, files deleted meanwhile


@dataclass(frozen=True)
class RestoreReport:
    data_dir: str
    url: str
    files: int
    created_at: str
    pending_migrations: list[str]
    newer_migrations: list[str]


def mode_for(parts: tuple[str, ...], is_dir: bool) -> int:
    """The one mode policy, for writing archives and restoring them: secrets owner-only."""
    if parts[0] == KEYS_DIR:
        return PRIVATE_DIR if is_dir else PRIVATE_FILE
    if parts[0] in (DB_FILE, MANIFEST):
        return PRIVATE_FILE
    return PUBLIC_DIR if is_dir else PUBLIC_FILE


# -- backup ------------------------------------------------------------------


def create_backup(data_dir: Path, target: Path) -> BackupReport:
    """Write a backup of the node in `data_dir` to `target` (replacing it atomically)."""
    data_dir = Path(data_dir).resolve()
    for required in (CONFIG_FILE, DB_FILE):
        if not (data_dir / required).is_file():
            raise ConfigError(f"no node in {data_dir} (missing {required})")
    target = Path(target).absolute()
    if not target.parent.is_dir():
        raise InvalidInput(f"{target.parent} does not exist; create it first")
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")  # 0600
    skipped: list[str] = []
    try:
        with os.fdopen(fd, "wb") as raw, tempfile.TemporaryDirectory(dir=target.parent, prefix=".coffee-backup-") as work:
            snapshot = Path(work) / DB_FILE
            snapshot_database(data_dir / DB_FILE, snapshot)
            manifest = {"format": FORMAT, "created_at": now_iso(), "coffee_version": __version__}
            with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                _add_bytes(tar, MANIFEST, json.dumps(manifest).encode("utf-8"))
                _add(tar, snapshot, DB_FILE)
                _add(tar, data_dir / CONFIG_FILE, CONFIG_FILE)
                for path, arcname in _tree(data_dir, KEYS_DIR, skipped) + _tree(data_dir, MEDIA_DIR, skipped):
                    try:
                        _add(tar, path, arcname)
                    except FileNotFoundError:  # a picture replaced while we were walking
                        skipped.append(arcname)
                files = sum(1 for member in tar.getmembers() if member.isfile())
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
        _fsync_dir(target.parent)
    finally:
        Path(partial).unlink(missing_ok=True)  # gone already after a successful replace
    return BackupReport(path=str(target), size=target.stat().st_size, files=files, skipped=skipped)


def snapshot_database(source: Path, destination: Path) -> None:
    """Copy a live database consistently (one read transaction), as a standalone file."""
    with contextlib.closing(stats.open_existing(source)) as src, contextlib.closing(sqlite3.connect(destination)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # no -wal file to carry along; the node sets WAL at start


def _tree(data_dir: Path, top: str, skipped: list[str]) -> list[tuple[Path, str]]:
    """(path, archive name) of `top` and everything under it, directories first, links left out."""
    root = data_dir / top
    if not root.is_dir() or root.is_symlink():
        return []
    found = [(root, top)]
    for current, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in dirnames + sorted(filenames):
            path = Path(current) / name
            arcname = path.relative_to(data_dir).as_posix()
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                skipped.append(arcname)
            else:
                found.append((path, arcname))
    return found


def _add(tar: tarfile.TarFile, path: Path, arcname: str) -> None:
    info = tar.gettarinfo(str(path), arcname)
    info.mode = mode_for(PurePosixPath(arcname).parts, info.isdir())
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if info.isdir():
        tar.addfile(info)
        return
    with path.open("rb") as handle:
        tar.addfile(info, handle)


def _add_bytes(tar: tarfile.TarFile, arcname: str, data: bytes) -> None:
    info = tarfile.TarInfo(arcname)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = mode_for((arcname,), is_dir=False)
    tar.addfile(info, io.BytesIO(data))


def _fsync_dir(path: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- restore -----------------------------------------------------------------


def restore_backup(archive: Path, data_dir: Path, *, force: bool = False) -> RestoreReport:
    """Restore `archive` into `data_dir`; refuse a non-empty directory unless `force`."""
    archive = Path(archive)
    if not archive.is_file():
        raise NotFound(f"{archive}: no such file")
    data_dir = Path(data_dir).absolute()
    if data_dir.exists() and not data_dir.is_dir():
        raise InvalidInput(f"{data_dir} is not a directory")
    if data_dir.is_dir() and any(data_dir.iterdir()) and not force:
        raise Conflict(
            f"{data_dir} is not empty; restore into a new directory, "
            "or stop the node there and add --force to replace its data"
        )
    data_dir.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    staging = Path(tempfile.mkdtemp(dir=data_dir, prefix=".restore-"))  # same filesystem: renames, not copies
    try:
        files = _extract(archive, staging)
        manifest = _read_manifest(archive, staging)
        with contextlib.closing(stats.open_existing(staging / DB_FILE)) as conn:
            problems = stats.integrity_errors(conn)
            if problems:
                raise InvalidInput(f"{archive}: the database fails its integrity check: {'; '.join(problems[:3])}")
            pending, newer = stats.migration_status(conn)
        try:
            url = config_mod.load(staging, env={}).url
        except ConfigError as exc:
            raise InvalidInput(f"{archive}: the node.toml inside is unusable: {exc.message}") from exc
        _adopt_owner(staging, data_dir)
        _install(staging, data_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreReport(
        data_dir=str(data_dir),
        url=url,
        files=files,
        created_at=str(manifest.get("created_at", "")),
        pending_migrations=pending,
        newer_migrations=newer,
    )


def member_parts(member: tarfile.TarInfo) -> tuple[str, ...]:
    """The member's path as parts, or InvalidInput for anything a backup never contains."""
    name = member.name
    if name.startswith("/") or "\\" in name:
        raise InvalidInput(f"member {name!r} has an absolute or Windows path")
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if ".." in parts:
        raise InvalidInput(f"member {name!r} points outside the directory (..)")
    if not (member.isfile() or member.isdir()):
        raise InvalidInput(f"member {name!r} is a link or special file; a backup holds only files and directories")
    if not parts:
        return parts
    top, is_dir = parts[0], member.isdir()
    expected = (
        (len(parts) == 1 and top in REQUIRED_MEMBERS and not is_dir)
        or (top == KEYS_DIR and ((len(parts) == 1 and is_dir) or (len(parts) == 2 and not is_dir)))
        or (top == MEDIA_DIR and (len(parts) > 1 or is_dir) and len(parts) <= MAX_MEDIA_DEPTH)
    )
    if not expected:
        raise InvalidInput(f"member {name!r} is not part of a Coffee backup")
    limit = MAX_TOTAL_BYTES if top in (DB_FILE, MEDIA_DIR) else MAX_SMALL_FILE_BYTES
    if member.size > limit:
        raise InvalidInput(f"member {name!r} is too large ({member.size} bytes)")
    return parts


def _extract(archive: Path, staging: Path) -> int:
    """Validate every member and write it under `staging`; return the number of files."""
    seen: set[tuple[str, ...]] = set()
    total = files = 0
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for count, member in enumerate(tar, start=1):
                if count > MAX_MEMBERS:
                    raise InvalidInput(f"{archive}: more than {MAX_MEMBERS} members")
                try:
                    parts = member_parts(member)
                except InvalidInput as exc:
                    raise InvalidInput(f"refusing {archive}: {exc.message}") from None
                if not parts:
                    continue
                if parts in seen:
                    raise InvalidInput(f"refusing {archive}: member {member.name!r} appears twice")
                seen.add(parts)
                total += member.size
                if total > MAX_TOTAL_BYTES:
                    raise InvalidInput(f"refusing {archive}: more than {MAX_TOTAL_BYTES} bytes uncompressed")
                _make_dirs(staging, parts if member.isdir() else parts[:-1])
                if member.isfile():
                    source = tar.extractfile(member)
                    assert source is not None  # regular files always have a body
                    _write_file(staging.joinpath(*parts), source, mode_for(parts, is_dir=False))
                    files += 1
    except FileExistsError as exc:
        raise InvalidInput(f"refusing {archive}: a file and a directory share a name ({exc.filename})") from None
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InvalidInput(f"{archive} is not a readable .tar.gz backup: {exc}") from exc
    missing = sorted(name for name in REQUIRED_MEMBERS if (name,) not in seen)
    if missing:
        raise InvalidInput(f"{archive} is not a Coffee backup: it lacks {', '.join(missing)}")
    return files


def _make_dirs(staging: Path, parts: tuple[str, ...]) -> None:
    for depth in range(1, len(parts) + 1):
        path = staging.joinpath(*parts[:depth])
        if not path.is_dir():
            path.mkdir()
            os.chmod(path, mode_for(parts[:depth], is_dir=True))  # exactly, whatever the umask


def _write_file(path: Path, source: IO[bytes], mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), mode)
        shutil.copyfileobj(source, handle)


def _read_manifest(archive: Path, staging: Path) -> dict[str, object]:
    try:
        manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{archive}: {MANIFEST} is not valid JSON") from exc
    found = manifest.get("format") if isinstance(manifest, dict) else None
    if found != FORMAT:
        raise InvalidInput(f"{archive}: backup format {found!r} is not one this Coffee reads (it reads {FORMAT})")
    return manifest


def _adopt_owner(staging: Path, data_dir: Path) -> None:
    """Run as root (sudo, `docker run --user 0`), give the files to the data dir's owner.

    Otherwise the node, running as its own user, could not read its restored keys.
    """
    if os.geteuid() != 0:
        return
    owner = data_dir.stat()
    for path in staging.rglob("*"):
        os.chown(path, owner.st_uid, owner.st_gid, follow_symlinks=False)


def _install(staging: Path, data_dir: Path) -> None:
    """Swap the node's entries for the restored ones; anything else in `data_dir` stays."""
    for name in NODE_ENTRIES:
        old = data_dir / name
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        else:
            old.unlink(missing_ok=True)  # a stale -wal next to a restored database would corrupt it
    for name in NODE_ENTRIES:
        if (staging / name).exists():
            os.rename(staging / name, data_dir / name)
    _fsync_dir(data_dir)
