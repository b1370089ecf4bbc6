"""ESCO skills and occupations: the multilingual vocabulary behind members' skills and professions.

One `SkillIndex` per process (`load_skill_index()`) reads the on-disk index that
`skill_store.ensure_index()` builds from the vendored data (the whole ESCO skills pillar, the
occupations, and the project's own Dutch and German labels). It is the one look-up engine of
the picker, the catalogue search, matching and opportunities:

- the exact label (any language, spaces ignored: "webdesign" = "web design") comes first;
- then labels by how much of the query they hold: whole words before prefixes and inflected
  forms ("projets" finds "projet"), Dutch and German compounds cut into known words
  ("Webentwicklung" -> web + entwicklung), stop words ignored;
- within that, labels of the reader's language first, then labels with fewer extra words,
  preferred before alternative labels;
- below a confidence threshold nothing is suggested: "no skill found" beats a false friend.

Each hit says which label matched and in which language, so the UI can show why.
"""

from __future__ import annotations

import functools
import math
import sqlite3
import unicodedata
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from node.errors import InvalidInput
from node.services.skill_store import (
    ANY_LANGUAGE,
    LANGUAGES,
    OCCUPATION,
    PREFERRED,
    PROJECT,
    ensure_index,
    vocabulary_rows,
)
from node.services.skill_text import STOP_WORDS_ANY, content_words, fold, inflections, key, split_compound

__all__ = ["LANGUAGES", "Skill", "SkillHit", "SkillIndex", "fold", "load_skill_index", "resolve_form_input",
           "vocabulary_rows"]

DEFAULT_LANGUAGE = "en"
MAX_QUERY_LENGTH = 100
MAX_LIMIT = 50
DEFAULT_LIMIT = 10
GENDERS = ("m", "f", "")  # a profession shown masculine, feminine, or neutral (both forms)

_MAX_WORDS = 6  # a longer phrase is a sentence, not a skill: its first words decide
_PREFIX_FROM = 3  # shorter words match whole only ("ux", "hr", "3d")
_WHOLE, _PARTIAL = 1.0, 0.8  # how much a word counts when it matches a whole label word, or a prefix
_MIN_COVERAGE = 0.3  # below this share of the query's (weighted) words, a label is not a suggestion
_CAP = 1500  # labels read per FTS5 query: the first ones, preferred and short
_PARTIAL_CAP = 300  # the same for the fallback (labels holding only some of the words)


@dataclass(frozen=True, slots=True)
class Skill:
    """One ESCO concept (a skill or an occupation), read from the index when asked for."""

    uri: str
    labels: Mapping[str, str]  # preferred label per language (ESCO's, else the project's)
    alt_labels: Mapping[str, tuple[str, ...]]  # alternative labels and synonyms per language
    skill_type: str  # "skill/competence", "knowledge", "" (DigComp areas), or "occupation"
    group: str  # the nearest skill group (skills), or the ISCO group code (occupations)
    project_labels: frozenset[str] = frozenset()  # languages whose preferred label is the project's


@dataclass(frozen=True, slots=True)
class SkillHit:
    """A suggestion: the concept in the reader's language, plus the label that matched when it is
    not that one (an alternative label, a synonym, or another language's label) and its
    language ("*" for an abbreviation of every language)."""

    uri: str
    label: str
    matched: str | None = None
    matched_lang: str | None = None


def _is_bad_query(text: str) -> bool:
    """Queries answered with nothing at once: too long to be a skill, or holding control characters."""
    return len(text) > MAX_QUERY_LENGTH or any(unicodedata.category(char) == "Cc" for char in text)


class SkillIndex:
    """Read-only access to the index file; safe to share between the apps of one process."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._db.execute("PRAGMA cache_size = -1024")  # KiB: the OS page cache does the rest
        meta = dict(self._db.execute("SELECT k, v FROM meta"))
        self._concept, self._lang, self._flags, self._size = array("i"), array("b"), array("b"), array("b")
        for column, name in ((self._concept, "label_concept"), (self._lang, "label_lang"),
                             (self._flags, "label_flags"), (self._size, "label_size")):
            column.frombytes(meta[name])
        self._lang_code = {lang: code for code, lang in enumerate((*LANGUAGES, ANY_LANGUAGE))}
        self._any = self._lang_code[ANY_LANGUAGE]

    # Concepts and labels

    @functools.lru_cache(maxsize=2048)  # noqa: B019 - one index per process, never freed
    def get(self, uri: str) -> Skill | None:
        row = self._db.execute("SELECT id, kind, skill_type, grp, isco FROM concept WHERE uri = ?", (uri,)).fetchone()
        if row is None:
            return None
        cid, kind, skill_type, group, isco = row
        labels: dict[str, str] = {}
        project: set[str] = set()
        alt_labels: dict[str, list[str]] = {}
        for lang, text, flags, form in self._db.execute(
            "SELECT lang, text, flags, form FROM label WHERE concept = ? ORDER BY id", (cid,)
        ):
            if flags & PREFERRED and not form and lang not in labels:
                labels[lang] = text
                if flags & PROJECT:
                    project.add(lang)
            elif not flags & PREFERRED:
                alt_labels.setdefault(lang, []).append(text)
        return Skill(
            uri=uri,
            labels=MappingProxyType(labels),
            alt_labels=MappingProxyType({lang: tuple(texts) for lang, texts in alt_labels.items()}),
            skill_type="occupation" if kind == "occupation" else skill_type,
            group=isco if kind == "occupation" else group,
            project_labels=frozenset(project),
        )

    def is_occupation(self, uri: str) -> bool:
        skill = self.get(uri)
        return skill is not None and skill.skill_type == "occupation"

    def label(self, uri: str, lang: str, gender: str = "") -> str:
        """The preferred label in `lang`, else English, else any; the URI itself for a concept this
        index lacks (a remote profile may use one from a newer ESCO release). For an occupation,
        `gender` "m" or "f" picks that form of a gendered title ("traductrice"); "" shows both."""
        skill = self.get(uri)
        if skill is None:
            return uri
        text = skill.labels.get(lang) or skill.labels.get(DEFAULT_LANGUAGE) or next(iter(skill.labels.values()), uri)
        if gender in ("m", "f") and text.count("/") == 1:
            masculine, feminine = (part.strip() for part in text.split("/"))
            return masculine if gender == "m" else feminine
        return text

    def validate(self, uris: Iterable[str], field: str | None = None, *, occupations: bool = False) -> list[str]:
        """The URIs in order without repeats; a profile stores only concepts of this vocabulary
        (skills, or occupations with `occupations`), and the error names the field."""
        unique = list(dict.fromkeys(uris))
        for uri in unique:
            if self.is_occupation(uri) != occupations or self.get(uri) is None:
                message = ("This is not a known ESCO occupation: %(uri)s" if occupations
                           else "This is not a known ESCO skill: %(uri)s")
                raise InvalidInput(message, field=field, uri=uri[:200])
        return unique

    # Search

    def search(self, text: str, lang: str, limit: int = DEFAULT_LIMIT, *, occupations: bool = False) -> list[SkillHit]:
        """The best concepts for what someone typed, best first; [] when nothing is close enough
        (the UI then says "no skill found — try another word")."""
        if lang not in LANGUAGES:
            raise InvalidInput(
                "Unknown language %(lang)s: use one of %(languages)s.",
                field="lang", lang=lang[:20], languages=", ".join(LANGUAGES),
            )
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput("Ask for between 1 and %(max)s results.", field="limit", max=MAX_LIMIT)
        if _is_bad_query(text):
            return []
        folded = fold(text)
        if len(folded) < 2:
            return []
        hits: dict[int, SkillHit] = {}
        for label_id in self._ranked(text, folded, lang, occupations):
            cid = self._concept[label_id - 1]
            if cid not in hits:
                hits[cid] = self._hit(label_id, lang)
                if len(hits) == limit:
                    break
        return list(hits.values())

    def _ranked(self, text: str, folded: str, lang: str, occupations: bool) -> list[int]:
        """Label ids worth suggesting, best first.

        Every FTS5 query is capped at `_CAP` labels: FTS5 returns labels in id order, and ids
        put preferred and short labels first, so a word found in 50,000 labels ("de", "pro")
        costs as much as a rare one. Labels holding every word come from one AND query; only
        when there is none, the labels holding some of the words (the fallback).
        """
        wanted = OCCUPATION if occupations else 0
        exact = [label_id for (label_id,) in self._db.execute("SELECT id FROM label WHERE key = ?", (key(folded),))]
        typed = " ".join(text.split())
        words = content_words(folded, lang)[:_MAX_WORDS]
        if all(word in STOP_WORDS_ANY for word in words):  # "de", "the": only a label equal to it
            words = []
        forms = [self._forms(word) for word in words]
        weights = [self._weight(word, any_form) if len(words) > 1 else 1.0
                   for word, (_, any_form) in zip(words, forms, strict=True)]
        scores: dict[int, float] = {}
        matched: dict[int, int] = {}

        def add(label_ids: Iterable[int], i: int, whole: set[int]) -> None:
            for label_id in label_ids:
                scores[label_id] = scores.get(label_id, 0.0) + weights[i] * (_WHOLE if label_id in whole else _PARTIAL)
                matched[label_id] = matched.get(label_id, 0) + 1

        every = self._fts(" AND ".join(f"({any_form})" for _, any_form in forms)) if forms else []
        if every:  # which of them hold each word whole: that word's labels within their id range
            for i, (whole_form, _) in enumerate(forms):
                add(every, i, set(self._fts(whole_form, _CAP, (every[0], every[-1]))))
        if len(words) > 1 and not every:  # no label holds every word: those holding the most
            for i, (whole_form, any_form) in enumerate(forms):
                add(self._fts(any_form, _PARTIAL_CAP), i, set(self._fts(whole_form, _PARTIAL_CAP)))
        total = sum(weights)
        own = self._lang_code[lang]
        flags, langs, sizes = self._flags, self._lang, self._size
        starting = self._starting_with(key(folded))
        ranked = []
        for label_id, score in scores.items():
            coverage = score / total if total else 0.0
            if coverage < _MIN_COVERAGE or flags[label_id - 1] & OCCUPATION != wanted:
                continue
            code = langs[label_id - 1]
            extra = max(sizes[label_id - 1] - matched[label_id], 0)
            ranked.append((-round(coverage, 1), code not in (own, self._any), label_id not in starting, extra,
                           not flags[label_id - 1] & PREFERRED, label_id))
        ranked.sort()
        exact_ids = sorted((label_id for label_id in exact if flags[label_id - 1] & OCCUPATION == wanted),
                           key=lambda label_id: self._exact_rank(label_id, typed, own))
        return [*exact_ids, *(row[-1] for row in ranked)]

    def _forms(self, word: str) -> tuple[str, str]:
        """FTS5 expressions of a query word: (as a whole word, in any form). Any form adds the
        word as a prefix and its inflections ("projets" -> "projet"); a word no label has may be
        a compound of words labels have ("webentwicklung" -> "web" AND "entwicklung")."""
        whole = f'"{word}"'
        if not self._known(word):
            parts = split_compound(word, self._known)
            if parts:
                whole = " AND ".join(f'"{part}"' for part in parts)
        if len(word) < _PREFIX_FROM:
            return whole, whole
        prefixes = " OR ".join(f'"{form}"*' for form in (word, *inflections(word)))
        return whole, f"({whole}) OR {prefixes}"

    def _weight(self, word: str, any_form: str) -> float:
        """Rarer words weigh more (inverse document frequency over the labels)."""
        row = self._db.execute("SELECT df FROM term WHERE term = ?", (word,)).fetchone()
        frequency = row[0] if row else len(self._fts(any_form))
        return math.log(len(self._concept) / (1 + frequency))

    def _starting_with(self, prefix: str) -> set[int]:
        """Labels that begin with what was typed (as you type, "s'adr" is "s'adresser..."), from the
        index on exact-match keys; capped (a tie-break), as a short prefix begins thousands of labels."""
        return {label_id for (label_id,) in self._db.execute(
            "SELECT id FROM label WHERE key >= ? AND key < ? LIMIT 500", (prefix, prefix + "\U0010ffff"))}

    def _exact_rank(self, label_id: int, typed: str, own: int) -> tuple[bool, bool, bool, bool, int]:
        """Among labels equal to the query: the one written exactly as typed ("React", not "react"),
        the reader's language, preferred labels, then the project's curated synonyms before ESCO's
        alternative labels (ESCO reuses common words as alternatives of unrelated concepts)."""
        text = self._db.execute("SELECT text FROM label WHERE id = ?", (label_id,)).fetchone()[0]
        flags = self._flags[label_id - 1]
        return (text != typed, self._lang[label_id - 1] not in (own, self._any), not flags & PREFERRED,
                not flags & PROJECT, label_id)

    def _fts(self, expression: str, cap: int = _CAP, between: tuple[int, int] = (1, 2**31)) -> list[int]:
        """Label ids matching an FTS5 expression, ascending (the order FTS5 reads them)."""
        return [row[0] for row in self._db.execute(
            "SELECT rowid FROM label_words WHERE label_words MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid LIMIT ?",
            (expression, *between, cap))]

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one index per process, never freed
    def _known(self, word: str) -> bool:
        return self._db.execute("SELECT 1 FROM term WHERE term = ?", (word,)).fetchone() is not None

    def _hit(self, label_id: int, lang: str) -> SkillHit:
        uri, text, label_lang = self._db.execute(
            "SELECT concept.uri, label.text, label.lang FROM label JOIN concept ON concept.id = label.concept "
            "WHERE label.id = ?", (label_id,)).fetchone()
        shown = self.label(uri, lang)
        if text == shown:
            return SkillHit(uri, shown)
        return SkillHit(uri, shown, text, label_lang)

    def resolve(self, text: str, *, preferred: bool = False, occupations: bool = False) -> set[str]:
        """Concepts with a label (only preferred ones with `preferred`), in any language, equal to
        `text` folded: the catalogue matches a Dutch query to a skill entered in French. ESCO
        reuses labels: "CSS" is one concept's preferred label and an alternative of two others."""
        wanted = OCCUPATION if occupations else 0
        found = set()
        for label_id, uri in self._db.execute(
            "SELECT label.id, concept.uri FROM label JOIN concept ON concept.id = label.concept WHERE key = ?",
            (key(fold(text)),),
        ):
            flags = self._flags[label_id - 1]
            if flags & OCCUPATION == wanted and (not preferred or flags & PREFERRED):
                found.add(uri)
        return found

    def resolve_loose(self, text: str, *, occupations: bool = False) -> set[str]:
        """Concepts with a label that holds every content word of `text` whole (free-text queries)."""
        if _is_bad_query(text):
            return set()
        words = content_words(fold(text))
        if not words:
            return set()
        wanted = OCCUPATION if occupations else 0
        label_ids = set.intersection(*(set(self._fts(f'"{word}"')) for word in words))
        cids = {self._concept[label_id - 1] for label_id in label_ids if self._flags[label_id - 1] & OCCUPATION == wanted}
        return self._uris(cids)

    def _uris(self, cids: Iterable[int]) -> set[str]:
        ids = list(cids)
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        return {uri for (uri,) in self._db.execute(f"SELECT uri FROM concept WHERE id IN ({marks})", ids)}

    # Groups

    def group_of(self, uri: str) -> str | None:
        skill = self.get(uri)
        return skill.group or None if skill and skill.skill_type != "occupation" else None

    def group_label(self, group_uri: str, lang: str) -> str:
        row = self._db.execute(f"SELECT label_{lang if lang in LANGUAGES else 'en'}, label_en FROM grp WHERE uri = ?",
                               (group_uri,)).fetchone()
        return (row[0] or row[1]) if row else group_uri

    def skills_in_group(self, group_uri: str) -> set[str]:
        """Every skill under the group, directly or through its subgroups."""
        return {uri for (uri,) in self._db.execute(
            "SELECT concept.uri FROM grp_member JOIN concept ON concept.id = grp_member.concept WHERE grp_member.grp = ?",
            (group_uri,))}

    def broader_groups(self, uri: str) -> list[str]:
        """The groups above a skill (or a group), nearest first, up to the root: the steps the
        catalogue offers when a search is widened."""
        skill = self.get(uri)
        chain = [skill.group] if skill and skill.group and skill.skill_type != "occupation" else []
        current = chain[0] if chain else uri
        while True:
            row = self._db.execute("SELECT broader FROM grp WHERE uri = ?", (current,)).fetchone()
            if not row or not row[0] or row[0] in chain or row[0] == uri:
                return chain
            chain.append(row[0])
            current = row[0]


@functools.lru_cache(maxsize=1)
def load_skill_index() -> SkillIndex:
    """The index of the vendored data, opened once per process (tests start many nodes)."""
    return SkillIndex(ensure_index())


def resolve_form_input(
    index: SkillIndex, selected_uris: Iterable[str], added_text: str, lang: str, field: str | None = None,
    *, occupations: bool = False,
) -> tuple[list[str], list[SkillHit], InvalidInput | None]:
    """The picker without JavaScript: the checked boxes plus the free text of `NAME_add`.

    The text may be an ESCO URI or a label in any language. One matching concept is added;
    otherwise the selection is unchanged and the caller shows the error and offers the
    candidates (the same concepts the search would suggest) as unchecked boxes.
    Returns (selected URIs, candidates, error); raises InvalidInput for an unknown checked URI.
    """
    uris = index.validate(selected_uris, field, occupations=occupations)
    text = added_text.strip()
    if not text:
        return uris, [], None
    if index.get(text) and index.is_occupation(text) == occupations:
        matches = {text}
    else:
        matches = index.resolve(text, occupations=occupations)
    if len(matches) > 1:  # a preferred label beats alternative ones: "CSS" is the concept CSS
        matches = index.resolve(text, preferred=True, occupations=occupations) or matches
    if len(matches) == 1:
        (uri,) = matches
        return (uris if uri in uris else [*uris, uri]), [], None
    hits = [hit for hit in index.search(text[:MAX_QUERY_LENGTH], lang, MAX_LIMIT, occupations=occupations)
            if hit.uri not in uris]
    if matches:
        candidates = [hit for hit in hits if hit.uri in matches]
        return uris, candidates, InvalidInput("Several skills are called “%(text)s”: choose one.", text=text)
    if hits:
        return uris, hits[:DEFAULT_LIMIT], InvalidInput("No skill is called “%(text)s”: choose one of these.", text=text)
    return uris, [], InvalidInput("No skill found for “%(text)s”: try another word.", text=text)
