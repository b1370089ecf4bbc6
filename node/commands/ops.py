"""`backup`, `restore` and `check`: the commands a space manager runs to keep a node safe."""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict
from pathlib import Path

from node.commands import Result, add_dir_arg, add_json_flag, open_node


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="write a backup of the node to FILE (.tar.gz) while it keeps serving")
    add_dir_arg(p)
    p.add_argument("file", metavar="FILE", help="the archive to write, e.g. coffee-2025-01-31.tar.gz (replaced if it exists)")
    add_json_flag(p)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore a backup FILE into DIR")
    p.add_argument("file", metavar="FILE", help="an archive written by `coffee-node backup`")
    add_dir_arg(p)
    p.add_argument("--force", action="store_true", help="replace the node already in DIR (stop it first)")
    add_json_flag(p)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("rotate-keys", help="replace the node's ActivityPub keys and tell the network (e.g. after a leak)")
    add_dir_arg(p)
    add_json_flag(p)
    p.set_defaults(func=cmd_rotate_keys)

    p = sub.add_parser("check", help="check a node's configuration, files, database and public URL")
    add_dir_arg(p)
    add_json_flag(p)
    p.set_defaults(func=cmd_check)


def cmd_backup(args: argparse.Namespace) -> Result:
    from node.services.backup import create_backup

    report = create_backup(Path(args.dir), Path(args.file))
    lines = [
        f"Backup written to {report.path} ({_size(report.size)}, {report.files} files).",
        "It holds the node's private keys and member data: keep it as private as the server (it is mode 0600).",
        f"Restore it with: coffee-node restore {report.path} NEW_DIR",
    ]
    if report.skipped:
        lines.append(f"Left out (links, special files, or deleted during the backup): {', '.join(report.skipped)}")
    return Result(asdict(report), "\n".join(lines))


def cmd_rotate_keys(args: argparse.Namespace) -> Result:
    from node.services.key_rotation import rotate_keys

    with open_node(args.dir) as (config, store):
        rotation = rotate_keys(store, config)
    text = (
        f"New keys for the space, the node and {rotation.members} members; an Update of {rotation.announced} "
        "actors is queued for their followers, who pick up the new public keys from it.\n"
        "A running node signs with the new keys at once. Restoring a backup made before now brings "
        "the old keys back: run rotate-keys again after such a restore."
    )
    return Result(asdict(rotation), text)


def cmd_restore(args: argparse.Namespace) -> Result:
    from node.services.backup import restore_backup

    report = restore_backup(Path(args.file), Path(args.dir), force=args.force)
    lines = [
        f"Restored {report.url} (backup of {report.created_at}, {report.files} files) into {report.data_dir}.",
        "Database integrity check: ok.",
    ]
    if report.newer_migrations:
        lines.append(
            f"Warning: a newer Coffee made this backup ({', '.join(report.newer_migrations)}); "
            "install that version before starting the node."
        )
    elif report.pending_migrations:
        lines.append(f"{len(report.pending_migrations)} migration(s) will run when the node starts.")
    lines += [f"Check it with: coffee-node check {report.data_dir}", f"Start it with: coffee-node serve {report.data_dir}"]
    return Result(asdict(report), "\n".join(lines))


def cmd_check(args: argparse.Namespace) -> Result:
    from node.services.check import FAIL, WARN, run_checks

    checks = run_checks(Path(args.dir))
    failed = [check for check in checks if check.status == FAIL]
    width = max(len(check.name) for check in checks)
    lines = [
        f"{check.status.upper() if check.status == FAIL else check.status:5} {check.name:{width}}  {check.message}"
        for check in checks
    ]
    warnings = sum(1 for check in checks if check.status == WARN)
    lines.append(f"{len(failed)} check(s) failed, {warnings} warning(s).")
    data = {"ok": not failed, "checks": [asdict(check) for check in checks]}
    return Result(data, "\n".join(lines), exit_code=1 if failed else 0)


def _size(size: int) -> str:
    power = min(int(math.log(size, 1024)), 3) if size else 0
    return f"{size} bytes" if power == 0 else f"{size / 1024**power:.1f} {('KiB', 'MiB', 'GiB')[power - 1]}"
