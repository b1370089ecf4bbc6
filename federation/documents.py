"""Documents we publish carry only what they say: empty properties are left out.

ActivityStreams has no "empty" value: `summary: ""`, `summaryMap: {}` or `seeks: []` say
nothing a missing property would not, and some servers show or reject them (an empty
summary drawn as a blank bio, an empty language map read as "no name in any language").
Every builder of an actor, object, activity or collection document passes its result
through `omit_empty`; `false` and `0` are values, not absences, and stay.
"""

from __future__ import annotations

from typing import Any

# Keys whose value is JSON-LD machinery, never content: kept exactly as written.
_VERBATIM = frozenset({"@context"})


def is_empty(value: Any) -> bool:
    """None, "", [], {}, or an object that has nothing left but its `type`."""
    if value is None or value == "" or value == [] or value == {}:
        return True
    return isinstance(value, dict) and set(value) <= {"type", "@type"}


def omit_empty(value: Any) -> Any:
    """`value` with every empty property (and empty list entry) removed, at any depth."""
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            cleaned = item if key in _VERBATIM else omit_empty(item)
            if key in _VERBATIM or not is_empty(cleaned):
                kept[key] = cleaned
        return kept
    if isinstance(value, list):
        return [cleaned for cleaned in map(omit_empty, value) if not is_empty(cleaned)]
    return value
