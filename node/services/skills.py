"""ESCO skills: the multilingual taxonomy behind every member's skills.

One immutable `SkillIndex` per process (`load_skill_index()`), built from the
vendored extract in `node/data/esco/` (see its ATTRIBUTION.md). It serves the
picker's typed-as-you-go search, maps a label typed in any language to concept
URIs (so a Dutch query finds a skill entered in French), walks the skill groups
for the catalogue's "widen to the group" option, and checks the URIs stored on
profiles.

Every comparison goes through `fold()`: case, accents, apostrophes (’ or ') and
punctuation do not matter, so "Développer", "developper" and "DÉVELOPPER" are
the same word, and "d’un" equals "d'un".
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from node.errors import InvalidInput

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "esco"
LANGUAGES = ("en", "fr", "nl", "de", "es")  # the label columns ESCO fills (label_lv is empty)
ALT_LANGUAGES = ("en", "fr", "nl")  # the alternative-label columns of the extract
DEFAULT_LANGUAGE = "en"
MAX_QUERY_LENGTH = 100
MAX_LIMIT = 50
DEFAULT_LIMIT = 10

# Letters that NFKD does not decompose but that people type without the ligature.
_LIGATURES = (("œ", "oe"), ("æ", "ae"), ("ø", "o"), ("ł", "l"), ("đ", "d"), ("ı", "i"))
# The combining-mark blocks (diacritics) that NFKD splits off Latin letters.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_PUNCTUATION = re.compile(r"[^\w\s+#]+")  # '+' and '#' are letters, or C++, C# and C would collide
_HYPHENATED = re.compile(r"[\w+#]+(?:-[\w+#]+)+")
_PREFIX_END = chr(0x10FFFF)  # sorts after every string that starts with a given prefix
# The last search tier cuts longer query words to this many letters, so that words of one
# root match across languages: 'développement' finds 'development', 'programmation' 'programming'.
_STEM_LENGTH = 6


def _bare(text: str) -> str:
    """Casefolded, without accents or ligatures; punctuation kept (for `_HYPHENATED`)."""
    text = text.casefold()
    if text.isascii():
        return text
    for letter, plain in _LIGATURES:  # str.replace: 50 times faster than str.translate here
        text = text.replace(letter, plain)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def fold(text: str) -> str:
    """Comparable form of a label or query: 'S’adresser à un auditoire' -> 's adresser a un auditoire'."""
    return " ".join(_PUNCTUATION.sub(" ", _bare(text)).split())


def _key(folded: str) -> str:
    """Exact-match key: spaces dropped too, so 'webdesign', 'web design' and 'web-design' are equal."""
    return folded.replace(" ", "")


def _pick(labels: Mapping[str, str], lang: str) -> str:
    """The label in `lang`, else English, else any (Dutch lacks 102 concepts)."""
    return labels.get(lang) or labels.get(DEFAULT_LANGUAGE) or next(iter(labels.values()), "")


@dataclass(frozen=True, slots=True)
class Skill:
    """One ESCO concept. Mappings are read-only: the index is shared by every app in the process."""

    uri: str
    labels: Mapping[str, str]  # preferred label per language, only the languages ESCO has
    alt_labels: Mapping[str, tuple[str, ...]]  # alternative labels per language (en, fr, nl)
    skill_type: str  # "skill/competence", "knowledge", or "" for the 5 DigComp areas
    group: str  # the nearest skill group, a uri of skill_groups.csv


@dataclass(frozen=True, slots=True)
class SkillGroup:
    """An ESCO skill group or ISCED-F field: the steps a catalogue search widens through."""

    uri: str
    labels: Mapping[str, str]
    broader: str | None  # None for the 4 roots


@dataclass(frozen=True, slots=True)
class SkillHit:
    """A search result: the concept in the reader's language, plus the label that matched
    when it is not that one (the reader typed an alternative or another language's label)."""

    uri: str
    label: str
    matched: str | None = None
    matched_lang: str | None = None


class SkillIndex:
    """Every skill of the extract with the lookups the picker and the catalogue need.

    Labels (preferred and alternative, every language) are numbered preferred first,
    then shorter first, so the label id breaks every ranking tie. Search never scans the
    ~21,000 labels in Python: exact labels and label prefixes are `bisect`s on sorted
    folded labels, word prefixes a `bisect` on the sorted vocabulary of their words.
    Immutable once built, so one instance serves every app in the process.
    """

    def __init__(self, skills: Iterable[Skill], groups: Iterable[SkillGroup]) -> None:
        self._skills = {skill.uri: skill for skill in skills}
        self._groups = {group.uri: group for group in groups}
        self._chains = {uri: self._walk_up(uri) for uri in self._groups}
        members: dict[str, set[str]] = {}
        for skill in self._skills.values():
            for group in (skill.group, *self._chains.get(skill.group, ())):
                members.setdefault(group, set()).add(skill.uri)
        self._members = {group: frozenset(uris) for group, uris in members.items()}
        self._build_label_index()

    @classmethod
    def from_csv(cls, skills_csv: Path, groups_csv: Path) -> SkillIndex:
        with skills_csv.open(encoding="utf-8", newline="") as handle:
            skills = [_skill_from_row(row) for row in csv.DictReader(handle)]
        with groups_csv.open(encoding="utf-8", newline="") as handle:
            groups = [
                SkillGroup(uri=row["uri"], labels=_labels(row), broader=row["broader_uri"] or None)
                for row in csv.DictReader(handle)
            ]
        return cls(skills, groups)

    def _walk_up(self, group_uri: str) -> tuple[str, ...]:
        """The groups above `group_uri`, nearest first; stops on a cycle rather than looping."""
        chain: list[str] = []
        current = self._groups[group_uri].broader
        while current in self._groups and current not in chain and current != group_uri:
            chain.append(current)
            current = self._groups[current].broader
        return tuple(chain)

    def _build_label_index(self) -> None:
        # One row per label, in columns: preferred labels, then alternative ones.
        uris: list[str] = []
        langs: list[str] = []
        texts: list[str] = []
        for skill in self._skills.values():
            uris += [skill.uri] * len(skill.labels)
            langs += skill.labels.keys()
            texts += skill.labels.values()
        self._n_preferred = len(texts)
        for skill in self._skills.values():
            for lang, alt_labels in skill.alt_labels.items():
                uris += [skill.uri] * len(alt_labels)
                langs += [lang] * len(alt_labels)
                texts += alt_labels
        # All labels folded as `fold()` does, in one pass (much faster than one call each).
        bare_text = _bare("\n".join(texts))  # no label has a newline
        bare = bare_text.split("\n")
        words = [line.split() for line in _PUNCTUATION.sub(" ", bare_text).split("\n")]
        folded = [" ".join(label_words) for label_words in words]
        # Label ids: preferred first, then shorter first, then file order; ranking ties follow ids.
        lengths = list(map(len, folded))
        order = sorted(range(self._n_preferred), key=lengths.__getitem__)
        order += sorted(range(self._n_preferred, len(texts)), key=lengths.__getitem__)
        self._uri = [uris[row] for row in order]
        self._lang = [langs[row] for row in order]
        self._text = [texts[row] for row in order]
        words = [words[row] for row in order]
        folded = [folded[row] for row in order]
        self._folded_ids = sorted(range(len(folded)), key=folded.__getitem__)
        self._folded = [folded[label_id] for label_id in self._folded_ids]
        keys = list(map(_key, folded))
        self._key_ids = sorted(range(len(keys)), key=keys.__getitem__)
        self._keys = [keys[label_id] for label_id in self._key_ids]
        postings: defaultdict[str, list[int]] = defaultdict(list)  # word -> label ids
        for label_id, label_words in enumerate(words):
            for word in label_words:
                postings[word].append(label_id)
        for label_id, row in enumerate(order):
            if "-" in bare[row]:  # 'front-end' is also 'frontend', 'e-learning' also 'elearning'
                for compound in _HYPHENATED.findall(bare[row]):
                    postings[compound.replace("-", "")].append(label_id)
        self._postings = dict(postings)
        self._vocabulary = sorted(postings)

    # Concepts and labels

    def get(self, uri: str) -> Skill | None:
        return self._skills.get(uri)

    def label(self, uri: str, lang: str) -> str:
        """The preferred label in `lang`, else English, else any; the URI itself for a concept
        this extract lacks (a remote profile may use a skill from a newer ESCO release)."""
        skill = self._skills.get(uri)
        return _pick(skill.labels, lang) if skill else uri

    def validate(self, uris: Iterable[str]) -> list[str]:
        """The URIs in order without repeats; profiles store only concepts this index knows."""
        unique = list(dict.fromkeys(uris))
        for uri in unique:
            if uri not in self._skills:
                raise InvalidInput("This is not a known ESCO skill: %(uri)s", uri=uri)
        return unique

    # Search

    def search(self, text: str, lang: str, limit: int = DEFAULT_LIMIT) -> list[SkillHit]:
        """Typed-as-you-go search over every label in every language, one hit per concept.

        Ranked by how the label matches (the whole label; its beginning; each query word
        starting a word of the label; the same with query words cut to their first six
        letters), then preferred before alternative labels, then the reader's language
        first, then shorter labels first.
        """
        if lang not in LANGUAGES:
            raise InvalidInput(
                "Unknown language %(lang)s: use one of %(languages)s.",
                field="lang", lang=lang[:20], languages=", ".join(LANGUAGES),
            )
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput("Ask for between 1 and %(max)s results.", field="limit", max=MAX_LIMIT)
        if len(text) > MAX_QUERY_LENGTH:
            raise InvalidInput("The search text is too long (at most %(max)s characters).", max=MAX_QUERY_LENGTH)
        folded = fold(text)
        if not folded:
            return []
        hits: dict[str, SkillHit] = {}
        for candidates in self._tiers(folded):
            for label_id in self._ranked(candidates, lang):
                uri = self._uri[label_id]
                if uri not in hits:
                    hits[uri] = self._hit(label_id, lang)
                    if len(hits) == limit:
                        return list(hits.values())
        return list(hits.values())

    def _ranked(self, candidates: Iterable[int], lang: str) -> Iterator[int]:
        """Preferred before alternative labels, the reader's language first within each,
        then by id (shorter first). Lazy: a search stops reading once it has enough hits."""
        ids = sorted(candidates)
        split = bisect_left(ids, self._n_preferred)
        for block in (ids[:split], ids[split:]):
            yield from (label_id for label_id in block if self._lang[label_id] == lang)
            yield from (label_id for label_id in block if self._lang[label_id] != lang)

    def _tiers(self, folded: str) -> Iterator[Iterable[int]]:
        """Candidate label ids, best tier first; lazily, as a short query fills up on the first."""
        yield self._exact(folded)
        yield self._folded_ids[bisect_left(self._folded, folded) : bisect_left(self._folded, folded + _PREFIX_END)]
        by_token = {token: self._with_word_prefix(token) for token in set(folded.split())}
        yield set.intersection(*by_token.values())
        if any(len(token) > _STEM_LENGTH for token in by_token):
            yield set.intersection(
                *(
                    self._with_word_prefix(token[:_STEM_LENGTH]) if len(token) > _STEM_LENGTH else labels
                    for token, labels in by_token.items()
                )
            )

    def _exact(self, folded: str) -> list[int]:
        """Labels equal to `folded` once spaces are dropped too."""
        key = _key(folded)
        return self._key_ids[bisect_left(self._keys, key) : bisect_right(self._keys, key)]

    def _with_word_prefix(self, prefix: str) -> set[int]:
        """Labels with a word that starts with `prefix`."""
        vocabulary = self._vocabulary
        words = vocabulary[bisect_left(vocabulary, prefix) : bisect_left(vocabulary, prefix + _PREFIX_END)]
        return set().union(*map(self._postings.__getitem__, words))

    def _hit(self, label_id: int, lang: str) -> SkillHit:
        uri, text = self._uri[label_id], self._text[label_id]
        shown = self.label(uri, lang)
        if text == shown:
            return SkillHit(uri, shown)
        return SkillHit(uri, shown, text, self._lang[label_id])

    def resolve(self, text: str, *, preferred: bool = False) -> set[str]:
        """Concepts with a preferred or alternative label (only preferred with `preferred`),
        in any language, equal to `text` (folded): the catalogue matches a Dutch query to a
        skill entered in French. ESCO reuses labels: "CSS" is one concept's preferred label
        and an alternative label of two others."""
        label_ids = self._exact(fold(text))
        return {self._uri[label_id] for label_id in label_ids if not preferred or label_id < self._n_preferred}

    def resolve_loose(self, text: str) -> set[str]:
        """Concepts with a label that contains every word of `text` (free-text catalogue queries)."""
        tokens = set(fold(text).split())
        if not tokens:
            return set()
        label_ids = set.intersection(*(set(self._postings.get(token, ())) for token in tokens))
        return {self._uri[label_id] for label_id in label_ids}

    # Groups

    def group_of(self, uri: str) -> str | None:
        skill = self._skills.get(uri)
        return skill.group if skill else None

    def group_label(self, group_uri: str, lang: str) -> str:
        group = self._groups.get(group_uri)
        return _pick(group.labels, lang) if group else group_uri

    def skills_in_group(self, group_uri: str) -> set[str]:
        """Every skill under the group, directly or through its subgroups."""
        return set(self._members.get(group_uri, ()))

    def broader_groups(self, uri: str) -> list[str]:
        """The groups above a skill (or a group), nearest first, up to the root: the steps
        the catalogue offers when a search is widened."""
        skill = self._skills.get(uri)
        if skill is not None:
            return [skill.group, *self._chains.get(skill.group, ())]
        return list(self._chains.get(uri, ()))


def _labels(row: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType({lang: row[f"label_{lang}"] for lang in LANGUAGES if row[f"label_{lang}"]})


def _skill_from_row(row: Mapping[str, str]) -> Skill:
    alt_labels = {lang: tuple(row[f"alt_{lang}"].split(" | ")) for lang in ALT_LANGUAGES if row[f"alt_{lang}"]}
    return Skill(
        uri=row["uri"],
        labels=_labels(row),
        alt_labels=MappingProxyType(alt_labels),
        skill_type=row["skill_type"],
        group=row["broader_uri"],
    )


@functools.lru_cache(maxsize=1)
def load_skill_index() -> SkillIndex:
    """The index of the vendored extract, parsed once per process (tests start many nodes)."""
    return SkillIndex.from_csv(DATA_DIR / "skills.csv", DATA_DIR / "skill_groups.csv")


def resolve_form_input(
    index: SkillIndex, selected_uris: Iterable[str], added_text: str, lang: str
) -> tuple[list[str], list[SkillHit], InvalidInput | None]:
    """The picker without JavaScript: the checked boxes plus the free text of `NAME_add`.

    The text may be an ESCO URI or a label in any language. One matching concept is added;
    otherwise the selection is unchanged and the caller shows the error and offers the
    candidates (the same concepts the search would suggest) as unchecked boxes.
    Returns (selected URIs, candidates, error); raises InvalidInput for an unknown checked URI.
    """
    uris = index.validate(selected_uris)
    text = added_text.strip()
    if not text:
        return uris, [], None
    matches = {text} if index.get(text) else index.resolve(text)
    if len(matches) > 1:  # a preferred label beats alternative ones: "CSS" is the concept CSS
        matches = index.resolve(text, preferred=True) or matches
    if len(matches) == 1:
        (uri,) = matches
        return (uris if uri in uris else [*uris, uri]), [], None
    hits = [hit for hit in index.search(text[:MAX_QUERY_LENGTH], lang, MAX_LIMIT) if hit.uri not in uris]
    if matches:
        candidates = [hit for hit in hits if hit.uri in matches]
        return uris, candidates, InvalidInput("Several skills are called “%(text)s”: choose one.", text=text)
    if hits:
        return uris, hits[:DEFAULT_LIMIT], InvalidInput("No skill is called “%(text)s”: choose one of these.", text=text)
    return uris, [], InvalidInput("No skill matches “%(text)s”.", text=text)
