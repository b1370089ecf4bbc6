"""The catalogue tables: entries, their skills, the FTS index (kept by triggers), backfill jobs.

Search SQL lives here, driven by a `Query` the catalogue service builds from
checked input: user text only ever reaches SQLite as bound parameters, and the
FTS expression is assembled by the service from quoted tokens.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from node.storage.db import Store
from node.storage.jsonrow import decode, encode
from node.timeutil import now_iso

JSON_FIELDS = ("skills_offered", "skills_sought", "professions", "skill_labels", "tags", "languages", "open_to")
COLUMNS = (
    "actor_id", "origin", "space_id", "space_name", "country", "region", "city", "name", "handle", "summary",
    "organisation", "skills_offered", "skills_sought", "tags", "languages", "open_to", "visibility",
    "discoverable", "indexable", "profile_url", "avatar_url", "sort_name", "professions", "profession_gender", "skill_labels",
    "updated_at",
)  # fmt: skip
_UPSERT = (
    f"INSERT INTO catalogue ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    f"ON CONFLICT (actor_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS[1:])} RETURNING id"
)
FACET_TOP = 20
# skill_rank of a concept tier (+1 when offered): the exact concept, its ESCO group, then
# concepts that only share the query's words, which rank below text matches (rank 0, bm25).
TIER_RANKS = (3, 1, -1)


# --- entries ----------------------------------------------------------------------------------


def put(store: Store, entry: dict[str, Any]) -> None:
    """Insert or replace one person's entry and its skill rows (an upsert: the FTS triggers see an UPDATE)."""
    row = encode(entry | {"updated_at": now_iso()}, JSON_FIELDS)
    with store.transaction():
        (entry_id,) = store.conn.execute(_UPSERT, [row[name] for name in COLUMNS]).fetchone()
        store.conn.execute("DELETE FROM catalogue_skills WHERE entry_id = ?", [entry_id])
        store.conn.executemany(
            "INSERT OR IGNORE INTO catalogue_skills (uri, kind, entry_id) VALUES (?, ?, ?)",
            [(uri, "offered", entry_id) for uri in entry["skills_offered"]]
            + [(uri, "sought", entry_id) for uri in entry["skills_sought"]]
            + [(uri, "profession", entry_id) for uri in entry.get("professions", ())],
        )


def get(store: Store, actor_id: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM catalogue WHERE actor_id = ?", [actor_id]))
    return decode(rows[0], JSON_FIELDS) if rows else None


def remove(store: Store, actor_id: str) -> bool:
    """Forget one person (their skill rows go by cascade); True if they were there."""
    return store.conn.execute("DELETE FROM catalogue WHERE actor_id = ?", [actor_id]).rowcount > 0


def remove_space(store: Store, space_id: str) -> int:
    """Forget every remote member of a space (we stopped following it)."""
    return store.conn.execute("DELETE FROM catalogue WHERE space_id = ? AND origin != 'local'", [space_id]).rowcount


def remove_stale(store: Store, space_id: str, before: str) -> int:
    """Remote members of a space not re-indexed since `before` (a full backfill did not see them)."""
    return store.conn.execute(
        "DELETE FROM catalogue WHERE space_id = ? AND origin != 'local' AND updated_at < ?", [space_id, before]
    ).rowcount


def local_actor_ids(store: Store) -> set[str]:
    return {row[0] for row in store.conn.execute("SELECT actor_id FROM catalogue WHERE origin = 'local'")}


def update_space(store: Store, space_id: str, *, name: str, country: str, region: str) -> int:
    """A space renamed or moved: its members' rows follow (their own city stays)."""
    return store.conn.execute(
        "UPDATE catalogue SET space_name = ?, country = ?, region = ? WHERE space_id = ?",
        [name, country, region, space_id],
    ).rowcount


def spaces(store: Store, *, public_only: bool) -> list[dict[str, Any]]:
    """Every home space in the catalogue with its name, country and number of people, by name."""
    where = "WHERE visibility = 'public'" if public_only else ""
    return list(store.db.query(
        f"SELECT space_id, max(space_name) AS space_name, max(country) AS country, count(*) AS people "
        f"FROM catalogue {where} GROUP BY space_id ORDER BY 2 COLLATE NOCASE, 1"))


def space_country(store: Store, space_id: str) -> str:
    """The country of a space's people ('' when none is in the catalogue)."""
    row = store.conn.execute("SELECT country FROM catalogue WHERE space_id = ? LIMIT 1", [space_id]).fetchone()
    return row[0] if row else ""


def counts(store: Store) -> dict[str, int]:
    local, remote = store.conn.execute(
        "SELECT count(*) FILTER (WHERE origin = 'local'), count(*) FILTER (WHERE origin != 'local') FROM catalogue"
    ).fetchone()
    return {"local": local, "remote": remote}


def by_ids(store: Store, actor_ids: Iterable[str]) -> list[dict[str, Any]]:
    ids = json.dumps(list(actor_ids))
    rows = store.db.query("SELECT * FROM catalogue WHERE actor_id IN (SELECT value FROM json_each(?))", [ids])
    return [decode(row, JSON_FIELDS) for row in rows]  # type: ignore[misc]


def offering(store: Store, uris: Iterable[str], *, public_only: bool, limit: int, exact: Iterable[str] = (),
             exclude_actor: str | None = None, exclude_space: str | None = None,
             abroad_from: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """Entries offering any of `uris` and how many there are: those offering an `exact` one first,
    then (with `abroad_from`, a country) those of a known other country, then by name."""
    where = ["s.kind = 'offered'", "s.uri IN (SELECT value FROM json_each(?))"]
    params: list[Any] = [json.dumps(list(uris))]
    if public_only:
        where.append("c.visibility = 'public'")
    if exclude_actor is not None:
        where.append("c.actor_id != ?")
        params.append(exclude_actor)
    if exclude_space is not None:
        where.append("c.space_id != ?")
        params.append(exclude_space)
    matched = (f"SELECT c.id, max(s.uri IN (SELECT value FROM json_each(?))) AS exact FROM catalogue_skills s "
               f"JOIN catalogue c ON c.id = s.entry_id WHERE {' AND '.join(where)} GROUP BY c.id")
    params.insert(0, json.dumps(list(exact)))
    total = store.conn.execute(f"SELECT count(*) FROM ({matched})", params).fetchone()[0]
    abroad = "c.country NOT IN ('', ?) DESC, " if abroad_from else ""
    rows = store.db.query(
        f"SELECT c.* FROM ({matched}) m JOIN catalogue c ON c.id = m.id "
        f"ORDER BY m.exact DESC, {abroad}c.sort_name, c.id LIMIT ?",
        [*params, *([abroad_from] if abroad_from else []), limit],
    )
    return [decode(row, JSON_FIELDS) for row in rows], total  # type: ignore[misc]


def skills_of_space(store: Store, space_id: str, kind: str) -> dict[str, list[str]]:
    """URI -> actor ids of the space's members with that skill (offered or sought)."""
    rows = store.conn.execute(
        "SELECT s.uri, c.actor_id FROM catalogue_skills s JOIN catalogue c ON c.id = s.entry_id "
        "WHERE c.space_id = ? AND s.kind = ? ORDER BY c.sort_name",
        [space_id, kind],
    )
    found: dict[str, list[str]] = {}
    for uri, actor_id in rows:
        found.setdefault(uri, []).append(actor_id)
    return found


# --- search -----------------------------------------------------------------------------------


@dataclass
class Query:
    """A catalogue search in storage terms; every value is bound, never spliced into SQL."""

    public_only: bool
    fts: str | None = None  # an FTS5 expression built from quoted tokens
    tiers: list[list[str]] = field(default_factory=list)  # a text query's concepts: exact, same group, loose
    offers: list[str] | None = None  # must offer one of these (the skill filter)
    exact_offers: list[str] = field(default_factory=list)  # among `offers`, those ranked above the widened ones
    country: str | None = None
    other_than_country: str | None = None  # cross-border: a known country other than this one
    city: str | None = None
    space_id: str | None = None
    language: str | None = None
    open_to: str | None = None

    @property
    def text(self) -> bool:
        return self.fts is not None or any(self.tiers)


def _filters(query: Query) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if query.public_only:
        where.append("c.visibility = 'public'")
    if query.country:
        where.append("c.country = ?")
        params.append(query.country)
    if query.other_than_country:
        where.append("c.country NOT IN ('', ?)")
        params.append(query.other_than_country)
    if query.city:
        where.append("c.city = ? COLLATE NOCASE")
        params.append(query.city)
    if query.space_id:
        where.append("c.space_id = ?")
        params.append(query.space_id)
    # JSON lists of validated codes: '"nl"' occurs in the text exactly when "nl" is an element.
    if query.language:
        where.append("instr(c.languages, ?) > 0")
        params.append(json.dumps(query.language))
    if query.open_to:
        where.append("instr(c.open_to, ?) > 0")
        params.append(json.dumps(query.open_to))
    if query.offers is not None and query.text:  # without text, the hits are the offers already
        where.append("c.id IN (SELECT entry_id FROM catalogue_skills WHERE kind = 'offered' "
                     "AND uri IN (SELECT value FROM json_each(?)))")
        params.append(json.dumps(query.offers))
    return where, params


def _tier_hits(tiers: list[list[str]], kinds: str, where: list[str], params: list[Any], cap: int) -> tuple[list[str], list[Any]]:
    """SELECTs of (id, skill_rank, text_rank, sort_name) for the entries passing the filters with a skill of a tier.

    Tiers are TIER_RANKS in order: skill_rank is the tier's rank, plus 1 if offered or a profession. Each
    tier reads at most `cap` skill rows (see `_matched`); an entry may come several times
    (the caller keeps its best rank).
    """
    parts, part_params = [], []
    for tier, rank in zip(tiers, TIER_RANKS):
        if not tier:
            continue
        conditions = ["s.uri IN (SELECT value FROM json_each(?))", f"s.kind IN ({kinds})", *where]
        parts.append(f"SELECT * FROM (SELECT s.entry_id AS id, {rank} + (s.kind IN ('offered', 'profession')) AS skill_rank, "
                     f"NULL AS text_rank, c.sort_name FROM catalogue_skills s JOIN catalogue c INDEXED BY catalogue_filters "
                     f"ON c.id = s.entry_id WHERE {' AND '.join(conditions)} LIMIT ?)")
        part_params += [json.dumps(tier), *params, cap]
    return parts, part_params


@dataclass
class Found:
    """A page of entries, how many matched (counted up to the cap) and the facets of a sample."""

    rows: list[dict[str, Any]]
    total: int
    total_capped: bool  # more than `total` match
    facets: dict[str, list[tuple[str, str, int]]]
    sampled: bool  # facets count the first entries only


def _matched(query: Query, cap: int) -> tuple[str, list[Any], str]:
    """(SQL of the matched entry ids with their skill_rank and text_rank, its params, its ORDER BY).

    skill_rank: the best tier of a matching concept, offered above sought (0 for a text-only
    match); text_rank: FTS5 bm25, lower is better, NULL without a text match.

    Each source of hits (a tier of concepts, the text) reads at most `cap` people who pass
    the filters, in index order, and only those are ranked: a word found in a tenth of the
    catalogue, or a popular skill, would otherwise cost a bm25 or a row per person on every
    page view, to order people the count already calls "more than `cap`". The text part is
    materialised because bm25() only works while FTS5 runs its own query.
    """
    where, params = _filters(query)
    condition = f"WHERE {' AND '.join(where)}" if where else ""
    if not query.text and query.offers is None:
        # Broad filters walk the name index; a space or a city has few members: let SQLite pick.
        index = "" if query.space_id or query.city else "INDEXED BY catalogue_browse "
        return (f"SELECT c.id, 0 AS skill_rank, NULL AS text_rank FROM catalogue c {index}{condition}", params,
                " ORDER BY c.sort_name, c.id")
    order = " ORDER BY skill_rank DESC, text_rank IS NULL, text_rank, sort_name, id"
    if not query.text:  # the skill filter alone: offered skills, exact concepts above widened ones
        widened = [uri for uri in query.offers or () if uri not in query.exact_offers]
        parts, hit_params = _tier_hits([query.exact_offers, widened], "'offered'", where, params, cap)
    else:
        # "Who can help": a concept matches the people who offer it or practise it as their profession,
        # never those who only seek it.
        parts, hit_params = _tier_hits(query.tiers, "'offered', 'profession'", where, params, cap)
    prefix = ""
    if query.fts is not None:
        text_sql = ("SELECT c.id AS id, 0 AS skill_rank, bm25(catalogue_fts) AS text_rank, c.sort_name FROM catalogue_fts "
                    "JOIN catalogue c INDEXED BY catalogue_filters ON c.id = catalogue_fts.rowid "
                    f"WHERE {' AND '.join(['catalogue_fts MATCH ?', *where])} LIMIT ?")
        prefix = f"fts AS MATERIALIZED ({text_sql}), "
        hit_params = [query.fts, *params, cap, *hit_params]
        parts.append("SELECT * FROM fts")
    sql = (f"WITH {prefix}hits AS ({' UNION ALL '.join(parts)}) SELECT id, MAX(skill_rank) AS skill_rank, "
           f"MIN(text_rank) AS text_rank, sort_name FROM hits GROUP BY id")
    return sql, hit_params, order


def search(store: Store, query: Query, *, limit: int, offset: int, count_cap: int, sample: int) -> Found:
    """One page, best first (skill tier, offered before sought, text rank, name), with its count and facets.

    Every step is bounded whatever the catalogue's size: a search computes its hits once
    and keeps the first `count_cap`; browsing walks the name index; facets count the first
    `sample` entries of the same order.
    """
    sql, params, order = _matched(query, count_cap + 1)
    if query.text or query.offers is not None:
        ids = [row[0] for row in store.conn.execute(f"{sql}{order} LIMIT ?", [*params, count_cap + 1])]
        total_capped, ids = len(ids) > count_cap, ids[:count_cap]
        total, page_ids, sample_ids = len(ids), ids[offset : offset + limit], ids[:sample]
    else:
        window = max(sample, offset + limit) if offset + limit <= count_cap else sample
        ids = [row[0] for row in store.conn.execute(f"{sql}{order} LIMIT ?", [*params, window])]
        sample_ids = ids[:sample]
        if offset + limit <= len(ids) or len(ids) < window:
            page_ids = ids[offset : offset + limit]
        else:
            page_ids = [row[0] for row in store.conn.execute(f"{sql}{order} LIMIT ? OFFSET ?", [*params, limit, offset])]
        total = len(ids) if len(ids) < window else store.conn.execute(
            f"SELECT count(*) FROM ({sql} LIMIT ?)", [*params, count_cap + 1]).fetchone()[0]
        total_capped, total = total > count_cap, min(total, count_cap)
    return Found(rows=_entries(store, page_ids), total=total, total_capped=total_capped,
                 facets=_facets(store, sample_ids), sampled=len(sample_ids) < total or total_capped)


def _entries(store: Store, ids: list[int]) -> list[dict[str, Any]]:
    """The entries with these ids, in this order."""
    rows = {row["id"]: row for row in store.db.query("SELECT * FROM catalogue WHERE id IN (SELECT value FROM json_each(?))",
                                                     [json.dumps(ids)])}
    return [decode(rows[entry_id], JSON_FIELDS) for entry_id in ids if entry_id in rows]  # type: ignore[misc]


def _facets(store: Store, ids: list[int], top: int = FACET_TOP) -> dict[str, list[tuple[str, str, int]]]:
    """(value, label, count) per country, home space, language and offered skill, biggest first."""
    rows = store.conn.execute(
        "SELECT country, space_id, space_name, languages, skills_offered FROM catalogue "
        "WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(ids)]
    ).fetchall()
    names = {space_id: name for _country, space_id, name, _languages, _skills in rows}

    def biggest(values: Iterable[str], labels: dict[str, str] | None = None) -> list[tuple[str, str, int]]:
        counted = sorted(Counter(values).most_common(top), key=lambda item: (-item[1], item[0]))
        return [(value, (labels or {}).get(value, ""), n) for value, n in counted]

    return {
        "country": biggest(row[0] for row in rows if row[0]),
        "space": biggest((row[1] for row in rows), names),
        "language": biggest(_elements(row[3] for row in rows)),
        "skill": biggest(_elements(row[4] for row in rows)),
    }


def _elements(lists: Iterable[str]) -> list[Any]:
    """The elements of many stored JSON lists, parsed at once (one json.loads, not one per row):
    they are lists we encoded, so their bodies join into one list."""
    bodies = [text[1:-1] for text in lists if text != "[]"]
    return json.loads(f"[{','.join(bodies)}]")


# --- backfill jobs ----------------------------------------------------------------------------


def job(store: Store, space_id: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM backfill_jobs WHERE space_id = ?", [space_id]))
    return rows[0] if rows else None


def jobs(store: Store) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM backfill_jobs ORDER BY queued_at DESC, id DESC"))


def queue_job(store: Store, space_id: str, lease_until: str | None = None) -> dict[str, Any]:
    """(Re)start a space's walk from its first page; with `lease_until`, claimed at once (running).

    A job another process is running (its lease not expired) is left alone: the row returned
    then is theirs.
    """
    stamp = now_iso()
    state, started = ("running", stamp) if lease_until else ("queued", None)
    store.conn.execute(
        """INSERT INTO backfill_jobs (space_id, state, queued_at, lease_until, started_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (space_id) DO UPDATE SET state = excluded.state, next_url = NULL, pages_done = 0,
             items_done = 0, items_rejected = 0, queued_at = excluded.queued_at, lease_until = excluded.lease_until,
             started_at = excluded.started_at, finished_at = NULL, error = NULL, attempts = 0, retry_at = NULL
           WHERE backfill_jobs.state != 'running' OR backfill_jobs.lease_until < excluded.queued_at""",
        [space_id, state, stamp, lease_until, started],
    )
    return job(store, space_id)  # type: ignore[return-value]


# A due job: queued, running with an expired lease (its owner died), or failed with its retry time reached.
_DUE_JOB = ("(state = 'queued' OR (state = 'running' AND lease_until < :now)"
            " OR (state = 'failed' AND retry_at <= :now))")


def has_due_job(store: Store) -> bool:
    return store.conn.execute(f"SELECT 1 FROM backfill_jobs WHERE {_DUE_JOB} LIMIT 1", {"now": now_iso()}).fetchone() is not None


def claim_job(store: Store, lease_until: str, space_id: str | None = None) -> dict[str, Any] | None:
    """Take the oldest due job (see `_DUE_JOB`).

    The UPDATE's WHERE repeats the due condition, so two processes never claim the same job.
    """
    stamp = now_iso()
    where, params = ((f"{_DUE_JOB} AND space_id = :space", {"now": stamp, "space": space_id}) if space_id
                     else (_DUE_JOB, {"now": stamp}))
    candidate = store.conn.execute(
        f"SELECT id FROM backfill_jobs WHERE {where} ORDER BY coalesce(retry_at, queued_at), id LIMIT 1", params,
    ).fetchone()
    if candidate is None:
        return None
    claimed = store.conn.execute(
        "UPDATE backfill_jobs SET state = 'running', lease_until = :lease, started_at = coalesce(started_at, :now) "
        f"WHERE id = :id AND {_DUE_JOB}",
        {"lease": lease_until, "now": stamp, "id": candidate[0]},
    ).rowcount
    if not claimed:
        return None
    return next(iter(store.db.query("SELECT * FROM backfill_jobs WHERE id = ?", [candidate[0]])))


def save_job(store: Store, job_id: int, **fields: Any) -> None:
    store.db["backfill_jobs"].update(job_id, fields)


def delete_job(store: Store, space_id: str) -> None:
    store.conn.execute("DELETE FROM backfill_jobs WHERE space_id = ?", [space_id])


# --- discovered spaces ------------------------------------------------------------------------


def put_discovered(store: Store, row: dict[str, Any]) -> None:
    store.db["discovered_spaces"].upsert(encode(row, ("document",)) | {"discovered_at": now_iso()}, pk="id")


def forget_discovered(store: Store, ids: list[str]) -> None:
    store.conn.executemany("DELETE FROM discovered_spaces WHERE id = ?", [(space_id,) for space_id in ids])


def discovered(store: Store) -> list[dict[str, Any]]:
    rows = store.db.query("SELECT * FROM discovered_spaces ORDER BY country, name COLLATE NOCASE")
    return [decode(dict(row), ("document",)) for row in rows]  # type: ignore[misc]
