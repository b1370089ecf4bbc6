"""`member add|list|remove|suspend|reactivate`, `invite`, `import-members`: people, from a terminal.

They open the node's database next to the running server (WAL lets both write),
so a space manager can script them or use them before the web admin exists.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from node.commands import Result, add_dir_arg, add_json_flag, open_node
from node.errors import InvalidInput
from node.services import invitations, members
from node.services.member_import import draft_member, import_members, label_language
from node.services.skills import load_skill_index
from node.storage import members as members_store

IMPORT_EPILOG = """\
The file is a spreadsheet saved as "CSV UTF-8", with ; or , between cells and
the column names on its first line. Only username is required; other columns
may be left out or empty, in any order:

  username      1-30 characters a-z, 0-9, _  (the person's handle)
  name          the name shown on the profile
  organisation  company or association
  city          city where the person works
  bio_fr, bio_nl, bio_en
                a short presentation, per language
  skills        skills offered: ESCO URIs or skill names in any language,
                separated by ;  e.g. "Python (programmation informatique);gestion de projets TIC"
  seeks         skills sought, written the same way
  languages     languages spoken, codes separated by ;  e.g. fr;nl;en
  open_to       missions, jobs, internships, collaborations, mentoring (;)
  visibility    public, network or local (default: local, this space only)
  role          member (default) or admin

Other columns (an email column, say) are ignored and not stored. Every row is
checked first; if any is wrong, the command lists them by line number, as your
spreadsheet shows them, and imports nobody. Imported members are invited: send
each one the link printed for them. See docs/import-members.md.
"""


def register(sub: argparse._SubParsersAction) -> None:
    member = sub.add_parser("member", help="add, list, suspend or remove the space's members")
    member_sub = member.add_subparsers(dest="member_command", metavar="ACTION", required=True)

    p = member_sub.add_parser(
        "add", help="add a member: invited (prints their one-time link), or active with --password-file"
    )
    add_dir_arg(p)
    p.add_argument("--username", required=True, help="1-30 characters a-z, 0-9, _")
    p.add_argument("--name", required=True, help="the name shown on the profile")
    p.add_argument("--skill", action="append", default=[], metavar="SKILL",
                   help="a skill offered: ESCO URI or skill name in any language (repeatable)")
    p.add_argument("--seeks", action="append", default=[], metavar="SKILL",
                   help="a skill sought, written the same way (repeatable)")
    p.add_argument("--language", action="append", default=[], metavar="CODE", help="a language spoken, e.g. fr (repeatable)")
    p.add_argument("--visibility", choices=("public", "network", "local"), help="who sees the profile (default: local)")
    p.add_argument("--admin", action="store_true", help="make the member an admin of the node")
    p.add_argument("--password-file", type=Path, metavar="FILE",
                   help="create the account active with the password on the first line of FILE")
    add_json_flag(p)
    p.set_defaults(func=cmd_add)

    p = member_sub.add_parser("list", help="list every member with role and status")
    add_dir_arg(p)
    add_json_flag(p)
    p.set_defaults(func=cmd_list)

    for action, help_text, change in (
        ("remove", "delete a member's account and profile", members.remove),
        ("suspend", "block a member's sign-in and end their sessions", members.suspend),
        ("reactivate", "let a suspended member sign in again", members.reactivate),
    ):
        p = member_sub.add_parser(action, help=help_text)
        add_dir_arg(p)
        p.add_argument("username", metavar="USERNAME")
        add_json_flag(p)
        p.set_defaults(func=cmd_change, change=change)

    p = sub.add_parser(
        "invite", help="invite someone and print their one-time link (a new link if they were already invited)"
    )
    add_dir_arg(p)
    p.add_argument("--username", required=True, help="1-30 characters a-z, 0-9, _")
    p.add_argument("--name", default="", help="the name shown on the profile (they can change it)")
    p.add_argument("--admin", action="store_true", help="make the member an admin of the node")
    add_json_flag(p)
    p.set_defaults(func=cmd_invite)

    p = sub.add_parser(
        "import-members",
        help="invite the members listed in a spreadsheet (CSV); all rows or none",
        epilog=IMPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_dir_arg(p)
    p.add_argument("file", metavar="FILE.csv", type=Path, help="the spreadsheet, saved as CSV UTF-8")
    p.add_argument("--dry-run", action="store_true", help="check the file and show who would be invited; change nothing")
    add_json_flag(p)
    p.set_defaults(func=cmd_import)



def read_password_file(path: Path) -> str:
    """The first line, stripped; the password itself never appears in output or errors."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput("cannot read the password file %(path)s: %(reason)s", path=str(path),
                           reason=getattr(exc, "strerror", None) or "not UTF-8 text") from None
    return lines[0].strip() if lines else ""


def _invited_text(member: dict[str, Any], url: str) -> str:
    return (
        f"Invited {member['username']} ({member['role']}). "
        f"Send them this one-time link, valid {invitations.VALID_DAYS} days:\n{url}"
    )


def cmd_add(args: argparse.Namespace) -> Result:
    values = {
        "username": args.username, "name": args.name, "skills": args.skill, "seeks": args.seeks,
        "languages": args.language, "visibility": args.visibility or "", "role": "admin" if args.admin else "member",
    }
    password = read_password_file(args.password_file) if args.password_file else None
    with open_node(args.dir) as (config, store):
        index = load_skill_index()
        draft, problems = draft_member(store, index, values, label_language(store))
        if draft is None:
            raise InvalidInput("%(problems)s", problems=" ".join(problems))  # each already a sentence
        if password is None:
            member, _token, url = invitations.invite(
                store, config, username=draft.username, display_name=draft.display_name, role=draft.role,
                profile=draft.profile, skills=index,
            )
            return Result(members.summary(member) | {"invitation_url": url}, _invited_text(member, url))
        member = members.create_member(
            store, username=draft.username, display_name=draft.display_name, role=draft.role, status="active",
            password=password, profile=draft.profile, skills=index, config=config,
        )
        text = f"Created {member['username']} ({member['role']}, active). Sign in at {config.url}/login"
        return Result(members.summary(member) | {"invitation_url": None}, text)


def cmd_list(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (_config, store):
        rows = [members.summary(member) for member in members.list_members(store)]
    if not rows:
        return Result(rows, "No members yet. Add one with: coffee-node member add DIR --username NAME --name 'Full Name'")
    columns = ("username", "display_name", "role", "status", "visibility")
    widths = {column: max(len(column), *(len(str(row[column])) for row in rows)) for column in columns}
    lines = ["  ".join(column.ljust(widths[column]) for column in columns)]
    lines += ["  ".join(str(row[column]).ljust(widths[column]) for column in columns) for row in rows]
    return Result(rows, "\n".join(line.rstrip() for line in lines))


def cmd_change(args: argparse.Namespace) -> Result:
    """remove, suspend, reactivate: the member named on the command line, by username."""
    with open_node(args.dir) as (config, store):
        member = args.change(store, members.find_member(store, args.username)["id"], config=config)
    if args.member_command == "remove":
        return Result(members.summary(member), f"Removed {member['username']}.")
    return Result(members.summary(member), f"{member['username']} is now {member['status']}.")


def cmd_invite(args: argparse.Namespace) -> Result:
    with open_node(args.dir) as (config, store):
        existing = members_store.get_by_username(store, args.username.strip().removeprefix("@"))
        if existing is not None and existing["status"] == "invited":
            member, _token, url = invitations.renew(store, config, existing["id"])
            text = f"{member['username']} was already invited; earlier links no longer work.\n" + _invited_text(member, url)
        else:
            member, _token, url = invitations.invite(
                store, config, username=args.username, display_name=args.name, role="admin" if args.admin else "member"
            )
            text = _invited_text(member, url)
    return Result(members.summary(member) | {"invitation_url": url}, text)


def cmd_import(args: argparse.Namespace) -> Result:
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput("cannot read %(path)s: %(reason)s", path=str(path), reason=exc.strerror or str(exc)) from None
    with open_node(args.dir) as (config, store):
        result = import_members(store, config, data, name=path.name, dry_run=args.dry_run)
    width = max(len(entry["username"]) for entry in result.members)
    if args.dry_run:
        lines = [f"Dry run, nothing changed: {path.name} is valid; {len(result.members)} member(s) would be invited:"]
        lines += [f"  line {entry['line']}: {entry['username']}" for entry in result.members]
    else:
        lines = [f"Invited {len(result.members)} member(s). Send each one their link (valid {invitations.VALID_DAYS} days):"]
        lines += [f"  {entry['username'].ljust(width)}  {entry['invitation_url']}" for entry in result.members]
    if result.ignored_columns:
        lines.append(f"Columns not used (nothing stored): {', '.join(result.ignored_columns)}")
    return Result(result.members, "\n".join(lines))
