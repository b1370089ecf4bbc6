"""Members from text: `coffee-node member add` flags and the rows of a space's spreadsheet.

Spaces already keep their members in a spreadsheet; the import takes it as CSV,
checks every row before writing anything, and imports all rows or none, so a
manager fixes the file and runs the command again instead of cleaning up half
an import. Skills may be written as ESCO URIs or as labels in any language.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from node.config import Config
from node.errors import CoffeeError, InvalidInput
from node.services import invitations, members
from node.services import skills as skills_mod
from node.services.profiles import validate_profile
from node.services.skills import SkillIndex
from node.storage import space as space_store
from node.storage.db import Store

log = logging.getLogger("coffee.members")

LIST_SEPARATOR = ";"  # inside a cell: "fr;nl", "Python;comptabilité"
BIO_COLUMNS = {"bio_fr": "fr", "bio_nl": "nl", "bio_en": "en"}
LIST_COLUMNS = ("skills", "seeks", "languages", "open_to")
COLUMNS = ("username", "name", "organisation", "city", *BIO_COLUMNS, *LIST_COLUMNS, "visibility", "role")
MAX_CANDIDATES = 5


@dataclass
class Draft:
    """A valid member still to be created: what `members.create_member` takes."""

    username: str
    display_name: str
    role: str
    profile: dict[str, Any] = field(default_factory=dict)


def label_language(store: Store) -> str:
    """The language in which to name skills back to the manager: the space's first one ESCO has."""
    return next((lang for lang in space_store.get(store)["languages"] if lang in skills_mod.LANGUAGES), "en")


def resolve_skill(index: SkillIndex, text: str, lang: str) -> str:
    """The one ESCO URI that `text` (a URI, or a label in any language) names."""
    text = text.strip()
    if index.get(text):
        return text
    matches = index.resolve(text)
    if len(matches) == 1:
        return next(iter(matches))
    if matches:
        candidates = sorted(matches)
    else:
        candidates = [hit.uri for hit in index.search(text[: skills_mod.MAX_QUERY_LENGTH], lang, MAX_CANDIDATES)]
    named = "; ".join(f"{index.label(uri, lang)} <{uri}>" for uri in candidates)
    if matches:
        raise InvalidInput(
            'Several skills are called "%(text)s"; use the URI of the one you mean: %(candidates)s.',
            text=text, candidates=named,
        )
    if candidates:
        raise InvalidInput('No skill is called "%(text)s". Did you mean: %(candidates)s?', text=text, candidates=named)
    raise InvalidInput('No skill matches "%(text)s".', text=text)


def draft_member(store: Store, index: SkillIndex, values: Mapping[str, Any], lang: str) -> tuple[Draft | None, list[str]]:
    """Check one member given as column -> text (list columns as lists); (draft, []) or (None, problems).

    Every problem of the row is reported, not only the first, so one run of the
    import shows everything to fix.
    """
    problems: list[str] = []

    def attempt(check: Callable[..., Any], *args: Any) -> Any:
        try:
            return check(*args)
        except CoffeeError as exc:
            problems.append(exc.message)
            return None

    username = attempt(members.check_username, store, str(values.get("username", "")))
    role = attempt(members.check_role, (values.get("role") or "member").strip().lower())
    resolved = {
        column: [uri for text in values.get(column) or () if (uri := attempt(resolve_skill, index, text, lang))]
        for column in ("skills", "seeks")
    }
    profile = {
        "bio_map": {lang_code: values[column] for column, lang_code in BIO_COLUMNS.items() if values.get(column)},
        "organisation": values.get("organisation") or "",
        "city": values.get("city") or "",
        "skills_offered": resolved["skills"],
        "skills_sought": resolved["seeks"],
        "languages": [code.lower() for code in values.get("languages") or ()],
        "open_to": [code.lower() for code in values.get("open_to") or ()],
    }
    if values.get("visibility"):
        profile["visibility"] = values["visibility"].strip().lower()
    display_name = values.get("name") or ""
    attempt(validate_profile, {"display_name": display_name} | profile, index)
    if problems:
        return None, problems
    return Draft(username=username, display_name=display_name, role=role, profile=profile), []


def split_list(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(LIST_SEPARATOR) if item.strip()]


@dataclass
class Row:
    """One record of the file: its line as a spreadsheet shows it, its values, what is wrong with its shape."""

    line: int
    values: dict[str, Any]
    problem: str | None = None


def read_rows(data: bytes, name: str) -> tuple[list[Row], list[str]]:
    """The member rows of a CSV file, and the columns we do not use (an `email` column, say).

    UTF-8 only (a BOM is fine): guessing another encoding would garble names silently.
    The delimiter is the one of `;` and `,` the header line uses more (spreadsheets in
    French and Dutch save with `;`). Line numbers count records, header = line 1, as a
    spreadsheet numbers its rows even when a cell holds several lines.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            '%(name)s is not UTF-8 text. In your spreadsheet, save it again as "CSV UTF-8" and retry.', name=name
        ) from None
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InvalidInput("%(name)s is not a readable CSV file: %(reason)s", name=name, reason=str(exc)) from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise InvalidInput("%(name)s is empty; its first line must name the columns.", name=name)
    header = [cell.strip().lower().replace(" ", "_").replace("-", "_") for cell in records[0]]
    if "username" not in header:
        raise InvalidInput(
            "%(name)s has no username column; its first line must name the columns, e.g. %(example)s",
            name=name, example=delimiter.join(COLUMNS),
        )
    repeated = sorted({column for column in header if column and header.count(column) > 1})
    if repeated:
        raise InvalidInput("%(name)s has the same column twice: %(columns)s", name=name, columns=", ".join(repeated))
    rows = []
    for line, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # spreadsheets save empty rows as ";;;;"
        cells = dict(zip(header, (cell.strip() for cell in record)))
        values: dict[str, Any] = {column: cells.get(column, "") for column in COLUMNS}
        for column in LIST_COLUMNS:
            values[column] = split_list(values[column])
        problem = "This line has more cells than the header line." if len(record) > len(header) else None
        rows.append(Row(line, values, problem))
    return rows, [column for column in header if column and column not in COLUMNS]


@dataclass
class ImportResult:
    """Members created (or, for a dry run, that would be), and columns of the file left unused."""

    members: list[dict[str, Any]]
    ignored_columns: list[str]


def import_members(
    store: Store, config: Config, data: bytes, *, name: str = "the file", dry_run: bool = False, created_by: int | None = None
) -> ImportResult:
    """Invite every member of a CSV file, or nobody: all rows are checked first, then one transaction."""
    rows, ignored = read_rows(data, name)
    if not rows:
        raise InvalidInput("%(name)s has no member rows under its header line.", name=name)
    index = skills_mod.load_skill_index()
    lang = label_language(store)
    drafts: list[tuple[int, Draft]] = []
    report: list[str] = []
    first_line: dict[str, int] = {}
    for row in rows:
        member, problems = draft_member(store, index, row.values, lang)
        if row.problem:
            problems.insert(0, row.problem)
        key = str(row.values["username"]).removeprefix("@").lower()
        if key in first_line:
            problems.append(f'The username "{key}" is already on line {first_line[key]}.')
        first_line.setdefault(key, row.line)
        if problems:
            report.append(f"  line {row.line}: " + " ".join(problems))
        elif member is not None:
            drafts.append((row.line, member))
    if report:
        raise InvalidInput(
            "nothing imported, %(count)s rows to fix in %(name)s:\n%(report)s",
            count=len(report), name=name, report="\n".join(report),
        )
    created = [
        {"line": line, "username": member.username, "display_name": member.display_name, "role": member.role,
         "status": "invited", "invitation_url": None}
        for line, member in drafts
    ]
    if dry_run:
        return ImportResult(created, ignored)
    with store.transaction():
        for entry, (_line, member) in zip(created, drafts):
            _member, _token, entry["invitation_url"] = invitations.invite(
                store, config, username=member.username, display_name=member.display_name, role=member.role,
                created_by=created_by, profile=member.profile, skills=index,
            )
    log.info("members.imported", extra={"count": len(created), "by": created_by})
    return ImportResult(created, ignored)
