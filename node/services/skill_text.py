"""How skill labels and typed queries become comparable words.

Shared by the index builder and the look-up so both sides cut text the same way:
`fold()` drops case, accents and punctuation; `content_words()` drops the little words of
each language ("gestion *de* projet", "spreken *in het* openbaar"); `inflections()` gives the
forms a plural or a German/Dutch ending hides ("projets" -> "projet"); `split_compound()`
cuts Dutch and German compounds into known words ("webentwicklung" -> "web" + "entwicklung").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Letters that NFKD does not decompose but that people type without the ligature.
_LIGATURES = (("œ", "oe"), ("æ", "ae"), ("ø", "o"), ("ł", "l"), ("đ", "d"), ("ı", "i"))
# The combining-mark blocks (diacritics) that NFKD splits off Latin letters.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_PUNCTUATION = re.compile(r"[^\w\s+#]+")  # '+' and '#' are letters, or C++, C# and C would collide
_HYPHENATED = re.compile(r"[\w+#]+(?:-[\w+#]+)+")

# Words that carry no skill of their own, per language. Small on purpose: a word listed here is
# never searched, so only articles, prepositions, conjunctions and "my/your" forms are in.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("a an the of and or in on for to with by at from as my your our into".split()),
    "fr": frozenset("le la les l un une des du de d et ou en au aux a pour par sur avec dans mon ma mes".split()),
    "nl": frozenset("de het een en of in op voor van met door bij aan te tot mijn uit".split()),
    "de": frozenset("der die das den dem des ein eine einer eines und oder in im am an auf fur mit von vom zu zur zum bei".split()),
    "es": frozenset("el la los las un una unos unas de del y o e en a al para por con mi mis".split()),
}
STOP_WORDS_ANY = frozenset().union(*STOP_WORDS.values())

# Endings that hide the word a label uses: plurals (fr, en, es, nl), German/Dutch -en/-e/-n.
_ENDINGS = ("es", "en", "s", "e", "n")
_MIN_STEM = 4
# Dutch and German glue compounds with these letters: "Arbeit-s-markt", "boek-en-kast".
_LINKERS = ("", "s", "es", "n", "en", "e")
_MIN_HEAD, _MIN_TAIL = 3, 4


def bare(text: str) -> str:
    """Casefolded, without accents or ligatures; punctuation kept (for hyphenated compounds)."""
    text = text.casefold()
    if text.isascii():
        return text
    for letter, plain in _LIGATURES:  # str.replace: 50 times faster than str.translate here
        text = text.replace(letter, plain)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def fold(text: str) -> str:
    """Comparable form of a label or query: 'S’adresser à un auditoire' -> 's adresser a un auditoire'."""
    return " ".join(_PUNCTUATION.sub(" ", bare(text)).split())


def key(folded: str) -> str:
    """Exact-match key: spaces dropped too, so 'webdesign', 'web design' and 'web-design' are equal."""
    return folded.replace(" ", "")


def joined_hyphens(text: str) -> list[str]:
    """'front-end' is also 'frontend', 'e-learning' also 'elearning'."""
    return [part.replace("-", "") for part in _HYPHENATED.findall(bare(text))]


def content_words(folded: str, lang: str | None = None) -> list[str]:
    """The words of a folded query that name something, in order, without repeats.

    Stop words of the reader's language go, and those of every language when the reader may
    type in another ("web development" on a French page). A query of stop words only keeps them;
    single letters never count.
    """
    words = list(dict.fromkeys(folded.split()))
    stop = STOP_WORDS.get(lang or "", STOP_WORDS_ANY) | STOP_WORDS_ANY
    kept = [word for word in words if word not in stop and (len(word) > 1 or word.isdigit())]
    return kept or [word for word in words if len(word) > 1]


def inflections(word: str) -> list[str]:
    """Shorter forms of `word` a label may use: 'projets' -> ['projet'], 'ubersetzungen' ->
    ['ubersetzung', 'ubersetzunge']. Never below four letters, so short words stay whole."""
    return [word[: -len(end)] for end in _ENDINGS if word.endswith(end) and len(word) - len(end) >= _MIN_STEM]


def split_compound(word: str, known: Callable[[str], bool]) -> list[str] | None:
    """`word` as known words glued together, longest head first: 'webentwicklung' ->
    ['web', 'entwicklung'], 'fahrradreparatur' -> ['fahrrad', 'reparatur'], up to three parts.
    None when no split makes every part a known word (so no invented false friends)."""
    if len(word) < _MIN_HEAD + _MIN_TAIL:
        return None
    for cut in range(len(word) - _MIN_TAIL, _MIN_HEAD - 1, -1):
        head, rest = word[:cut], word[cut:]
        if head in STOP_WORDS_ANY or not known(head):
            continue
        for linker in _LINKERS:
            if not rest.startswith(linker):
                continue
            tail = rest[len(linker):]
            if len(tail) < _MIN_TAIL:
                continue
            if known(tail):
                return [head, tail]
            deeper = split_compound(tail, known) if len(tail) >= 2 * _MIN_TAIL else None
            if deeper and len(deeper) == 2:
                return [head, *deeper]
    return None
