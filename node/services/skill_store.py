"""The on-disk index of the ESCO vocabulary: built once from the vendored files, then only read.

Why a file: the whole vocabulary (13,762 skills, 2,942 occupations, ~170,000 labels in five
languages) held as Python objects would add tens of MiB to every node's resident memory. The
index is a SQLite file with an FTS5 table of label words; a process keeps only a few compact
arrays (one small integer per label) for ranking. The file name carries a digest of the
vendored data and of this builder, so an upgrade that ships new data or a new builder builds a
new file at `coffee-node init`/start (`ensure_index()`), and an unchanged one is reused by every
node of the machine.

Sources, all in `node/data/` (see `esco/ATTRIBUTION.md` and `coffee/README.md`):
- `esco/skills.csv.gz`, `esco/skills_collections.csv.gz`, `esco/occupations.csv.gz`,
  `esco/skill_groups.csv`: ESCO's labels;
- `coffee/labels.csv`: the project's own Dutch and German labels and synonyms, marked as such
  (`source = 'coffee'`) wherever labels are credited.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import logging
import os
import sqlite3
import tempfile
from array import array
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from node.services.skill_text import content_words, fold, joined_hyphens, key, split_compound

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ESCO_DIR = DATA_DIR / "esco"
SKILLS_CSV = ESCO_DIR / "skills.csv.gz"
COLLECTIONS_CSV = ESCO_DIR / "skills_collections.csv.gz"  # the earlier 1,763-skill extract (ESCO v1.2 labels)
OCCUPATIONS_CSV = ESCO_DIR / "occupations.csv.gz"
GROUPS_CSV = ESCO_DIR / "skill_groups.csv"
COFFEE_LABELS_CSV = DATA_DIR / "coffee" / "labels.csv"
INDEX_DIR = DATA_DIR / "index"  # git-ignored; a temporary directory when the package is read-only

LANGUAGES = ("en", "fr", "nl", "de", "es")  # the label languages; "*" marks a synonym of every language
ANY_LANGUAGE = "*"
LANG_CODES = {lang: code for code, lang in enumerate((*LANGUAGES, ANY_LANGUAGE))}
SPLIT_LANGUAGES = frozenset({"nl", "de", ANY_LANGUAGE})  # languages that glue words into compounds
OCCUPATION_PREFIX = "http://data.europa.eu/esco/occupation/"

# Flags of one label, packed in one byte per label for the ranking.
PREFERRED, PROJECT, OCCUPATION = 1, 2, 4
_BUILDER_VERSION = "4"  # bump when the schema or the way labels are cut changes


def _open_csv(path: Path) -> Iterator[dict[str, str]]:
    raw = gzip.open(path, "rt", encoding="utf-8", newline="") if path.suffix == ".gz" else path.open(
        encoding="utf-8", newline="")
    with raw as handle:
        yield from csv.DictReader(line for line in handle if not line.startswith("#"))


def vocabulary_rows() -> Iterator[dict[str, str]]:
    """The vendored ESCO skill rows (bench and tests read the English labels from them)."""
    return _open_csv(SKILLS_CSV)


def data_digest() -> str:
    digest = hashlib.sha256(_BUILDER_VERSION.encode())
    for path in (SKILLS_CSV, COLLECTIONS_CSV, OCCUPATIONS_CSV, GROUPS_CSV, COFFEE_LABELS_CSV):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def index_path() -> Path:
    """Where the index of the current data lives (it may not be built yet): next to the data,
    else, when the package is read-only and the index was not built with it (see
    deploy/Dockerfile), in the temporary directory."""
    name = f"skills-{data_digest()}.sqlite"
    beside, temporary = INDEX_DIR / name, Path(tempfile.gettempdir()) / "coffee-index" / name
    if beside.exists() or os.access(INDEX_DIR if INDEX_DIR.exists() else DATA_DIR, os.W_OK):
        return beside
    return temporary


def ensure_index() -> Path:
    """The index file of the current data, built first when missing. Safe when several processes
    start at once: each builds under a private name and renames it into place (atomic)."""
    path = index_path()
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=path.stem, suffix=".partial", dir=path.parent)
    os.close(handle)
    try:
        _build(Path(partial))
        os.chmod(partial, 0o644)  # public data, read by the node's user (mkstemp made it 0600)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    for stale in path.parent.glob("skills-*.sqlite"):  # an older data set's index
        if stale != path:
            stale.unlink(missing_ok=True)
    log.info("skills.index_built", extra={"path": str(path)})
    return path


# --- building ----------------------------------------------------------------------------------


class _Labels:
    """Label rows collected before they are numbered (preferred first, then shorter first)."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, str, str, int, str]] = []  # concept id, lang, text, flags, form

    def add(self, concept: int, lang: str, text: str, flags: int, form: str = "") -> None:
        text = " ".join(text.split())
        if text:
            self.rows.append((concept, lang, text, flags, form))


def _esco_labels(row: dict[str, str], newer: dict[str, str] | None, lang: str) -> list[str]:
    """A skill's ESCO labels in `lang`, the preferred one first. For the concepts of the earlier
    extract, its labels (ESCO v1.2, what nodes showed until now) stay preferred; the whole
    pillar's differing ones (an older release: "Python" for "Python (computer programming)")
    and the extract's alternative labels become alternatives, so text typed before still works."""
    texts = [row[f"label_{lang}"]]
    if newer is not None:
        texts = [newer[f"label_{lang}"], *texts, *(newer.get(f"alt_{lang}") or "").split(" | ")]
    return list(dict.fromkeys(text for text in texts if text))


def _split_gendered(text: str) -> list[tuple[str, str]]:
    """ESCO writes gendered French and Spanish job titles as 'traducteur/traductrice'."""
    if text.count("/") == 1:
        masculine, feminine = (part.strip() for part in text.split("/"))
        if masculine and feminine:
            return [(text, ""), (masculine, "m"), (feminine, "f")]
    return [(text, "")]


def _collect(db: sqlite3.Connection) -> _Labels:
    labels = _Labels()
    concepts: dict[str, int] = {}

    def concept(uri: str, kind: str, skill_type: str = "", group: str = "", isco: str = "") -> int:
        concepts[uri] = len(concepts) + 1
        db.execute("INSERT INTO concept VALUES (?, ?, ?, ?, ?, ?)",
                   (concepts[uri], uri, kind, skill_type, group, isco))
        return concepts[uri]

    esco_preferred: set[tuple[int, str]] = set()
    newer = {row["uri"]: row for row in _open_csv(COLLECTIONS_CSV)}
    for row in _open_csv(SKILLS_CSV):
        cid = concept(row["uri"], "skill", row["skill_type"], row["broader_uri"])
        for lang in LANGUAGES:
            texts = _esco_labels(row, newer.get(row["uri"]), lang)
            for n, text in enumerate(texts):
                labels.add(cid, lang, text, PREFERRED if n == 0 else 0)
            if texts:
                esco_preferred.add((cid, lang))
            for alt in (row.get(f"alt_{lang}") or "").split(" | "):
                labels.add(cid, lang, alt, 0)
    for row in _open_csv(OCCUPATIONS_CSV):
        cid = concept(row["uri"], "occupation", isco=row["isco_group"])
        for lang in ("en", "fr", "es"):
            for text, form in _split_gendered(row[f"label_{lang}"]):
                labels.add(cid, lang, text, PREFERRED | OCCUPATION, form)
                esco_preferred.add((cid, lang))
            for alt in row[f"alt_{lang}"].split(" | "):
                labels.add(cid, lang, alt, OCCUPATION)
    for row in _open_csv(COFFEE_LABELS_CSV):
        cid = concepts.get(row["uri"])
        if cid is None:
            raise ValueError(f"coffee/labels.csv: {row['uri']} is not in the vendored ESCO data")
        kind = OCCUPATION if row["uri"].startswith(OCCUPATION_PREFIX) else 0
        for lang in ("nl", "de"):
            if not row[lang]:
                continue
            preferred = PREFERRED if (cid, lang) not in esco_preferred else 0
            for text, form in _split_gendered(row[lang]) if kind else [(row[lang], "")]:
                labels.add(cid, lang, text, preferred | PROJECT | kind, form)
        for synonym in filter(None, row["synonyms"].split(" | ")):
            lang, _, text = synonym.partition(":")
            if lang not in LANG_CODES:
                raise ValueError(f"coffee/labels.csv: unknown language in {synonym!r}")
            labels.add(cid, lang, text, PROJECT | kind)
    return labels


def _build(path: Path) -> None:
    db = sqlite3.connect(path)
    db.executescript(_SCHEMA)
    labels = _collect(db)
    rows = sorted(labels.rows, key=lambda row: (not row[3] & PREFERRED, len(row[2])))
    folded = [fold(row[2]) for row in rows]
    words = [text.split() for text in folded]
    known = Counter(word for label_words in words for word in set(label_words))
    concept_ids, langs, flags, sizes = array("i"), array("b"), array("b"), array("b")
    document_frequency: Counter[str] = Counter()
    for label_id, ((cid, lang, text, flag, form), text_folded) in enumerate(zip(rows, folded, strict=True), 1):
        tokens = [*words[label_id - 1], *joined_hyphens(text)]
        if lang in SPLIT_LANGUAGES:
            for word in words[label_id - 1]:
                parts = split_compound(word, lambda part: known[part] > 0 and len(part) >= 3)
                tokens += parts or []
        tokens = list(dict.fromkeys(tokens))
        document_frequency.update(tokens)
        db.execute("INSERT INTO label VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (label_id, cid, lang, text, flag, form, key(text_folded)))
        db.execute("INSERT INTO label_words(rowid, words) VALUES (?, ?)", (label_id, " ".join(tokens)))
        concept_ids.append(cid)
        langs.append(LANG_CODES[lang])
        flags.append(flag)
        sizes.append(min(len(content_words(text_folded, None if lang == ANY_LANGUAGE else lang)), 127))
    db.executemany("INSERT INTO term VALUES (?, ?)", document_frequency.items())
    _build_groups(db)
    db.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("label_concept", concept_ids.tobytes()), ("label_lang", langs.tobytes()),
        ("label_flags", flags.tobytes()), ("label_size", sizes.tobytes()),
    ])
    db.execute("INSERT INTO label_words(label_words) VALUES ('optimize')")
    db.commit()
    db.execute("VACUUM")
    db.close()


def _build_groups(db: sqlite3.Connection) -> None:
    groups = list(_open_csv(GROUPS_CSV))
    db.executemany("INSERT INTO grp VALUES (?, ?, ?, ?, ?, ?, ?)", [
        (row["uri"], row["broader_uri"] or None, *(row[f"label_{lang}"] for lang in LANGUAGES)) for row in groups
    ])
    broader = {row["uri"]: row["broader_uri"] for row in groups}
    members: list[tuple[str, int]] = []
    for cid, group in db.execute("SELECT id, grp FROM concept WHERE kind = 'skill' AND grp != ''").fetchall():
        seen: set[str] = set()
        while group in broader and group not in seen:
            seen.add(group)
            members.append((group, cid))
            group = broader[group]
    db.executemany("INSERT INTO grp_member VALUES (?, ?)", members)


_SCHEMA = """
CREATE TABLE meta(k TEXT PRIMARY KEY, v BLOB);
CREATE TABLE concept(id INTEGER PRIMARY KEY, uri TEXT UNIQUE NOT NULL, kind TEXT NOT NULL,
                     skill_type TEXT, grp TEXT, isco TEXT);
CREATE TABLE label(id INTEGER PRIMARY KEY, concept INTEGER NOT NULL, lang TEXT NOT NULL, text TEXT NOT NULL,
                   flags INTEGER NOT NULL, form TEXT NOT NULL, key TEXT NOT NULL);
CREATE INDEX label_key ON label(key);
CREATE INDEX label_concept ON label(concept);
CREATE VIRTUAL TABLE label_words USING fts5(words, content='', detail=none, prefix='3',
    tokenize="unicode61 remove_diacritics 0 tokenchars '+#'");
CREATE TABLE term(term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE grp(uri TEXT PRIMARY KEY, broader TEXT, label_en TEXT, label_fr TEXT, label_nl TEXT,
                 label_de TEXT, label_es TEXT);
CREATE TABLE grp_member(grp TEXT NOT NULL, concept INTEGER NOT NULL);
CREATE INDEX grp_member_grp ON grp_member(grp);
"""

