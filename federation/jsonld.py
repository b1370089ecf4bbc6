"""JSON-LD for ActivityPub documents: one stable context out, one stable shape in.

Outbound documents are written compact with `COFFEE_CONTEXT` (our terms inline, so a
peer never has to fetch anything of ours). Inbound documents are read through
`normalise`: expanded with their own context (which decides what each key means),
then compacted again with ours. `as:actor`, a full IRI or a home-made alias for
`actor` all come out as `actor`, and a key redefined to mean something else no
longer reads as one of our terms.

No context is ever fetched. The AS2 and security-v1 contexts are served from
`schemas/`; every other remote context (`https://w3id.org/identity/v1`, Mastodon's
`http://joinmastodon.org/ns`, FEP or schema.org contexts, a peer's own) is replaced
by an empty one. Expansion starts from `COFFEE_CONTEXT`, so the terms of a dropped
context keep the meaning we give them; a term we do not define expands to a `_:`
(blank-node) property under AS2's `@vocab` and compacts back to its bare name, which
no code of ours reads. A peer therefore cannot make us fetch anything, and we never
act on a term whose meaning we could not check offline.

IRI forms. The vendored AS2 context (kept byte-identical) maps `as:` to
`http://www.w3.org/ns/activitystreams#`; schema.org terms use `http://schema.org#`,
the form Mastodon, Mobilizon and Pleroma emit; event terms follow FEP-8a8e
(`https://w3id.org/fep/8a8e/`), with Mobilizon's `mz:` terms where FEP-8a8e has
none. Peers spell some of these differently, so the expanded form is folded onto
ours before compaction (`NAMESPACE_ALIASES`, `IRI_ALIASES`): otherwise Lemmy's
`http://schema.org/`, Mobilizon's `mz:timezone` or a spelled-out `https://` AS2 IRI
would come out as full IRIs that our code never looks at.

Stable shape, beyond plain compaction: the public collection is always
`PUBLIC` (`as:Public` and `Public` are folded onto it); an untyped literal under a
property we type (`"as:actor": "https://..."`) takes our type, as a plain JSON reader
would; non-XSD literal types (Mobilizon's `sc:Boolean`) are dropped; relative IRIs
stay relative (pyld would otherwise resolve them against `http://example.org/base/`).
Single values are not wrapped in lists (pyld's compactArrays), so readers accept both.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from pyld import jsonld as pyld

from federation.errors import MalformedError
from schemas import SCHEMAS_DIR

AS2_URL = "https://www.w3.org/ns/activitystreams"
SECURITY_URL = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

AS_NS = "http://www.w3.org/ns/activitystreams#"
SCHEMA_NS = "http://schema.org#"
FEP_8A8E_NS = "https://w3id.org/fep/8a8e/"
MOBILIZON_NS = "https://joinmobilizon.org/ns#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"

_BUNDLED: dict[str, str] = {
    **{
        f"{scheme}://www.w3.org/ns/activitystreams{suffix}": "activitystreams.jsonld"
        for scheme in ("https", "http")
        for suffix in ("", "#", ".jsonld")
    },
    **{
        f"{scheme}://w3id.org/security/v1{suffix}": "security-v1.jsonld"
        for scheme in ("https", "http")
        for suffix in ("", ".jsonld")
    },
}

COFFEE_CONTEXT: list = [
    AS2_URL,
    SECURITY_URL,
    json.loads((SCHEMAS_DIR / "context.jsonld").read_text(encoding="utf-8"))["@context"],
]

# Namespaces peers spell differently from us: (their prefix, ours).
NAMESPACE_ALIASES: tuple[tuple[str, str], ...] = (
    ("https://www.w3.org/ns/activitystreams#", AS_NS),
    ("http://schema.org/", SCHEMA_NS),
    ("https://schema.org/", SCHEMA_NS),
    ("https://schema.org#", SCHEMA_NS),
)

# Single properties with the same meaning under another IRI (after namespace folding).
IRI_ALIASES: dict[str, str] = {
    MOBILIZON_NS + "timezone": FEP_8A8E_NS + "timezone",
    MOBILIZON_NS + "joinMode": FEP_8A8E_NS + "joinMode",
    MOBILIZON_NS + "externalParticipationUrl": FEP_8A8E_NS + "externalParticipationUrl",
    SCHEMA_NS + "category": FEP_8A8E_NS + "category",
    SCHEMA_NS + "location": AS_NS + "location",  # Mobilizon maps `location` to sc:location
}

# Every way the public collection shows up once expanded.
_PUBLIC_FORMS = frozenset({PUBLIC, AS_NS + "Public", "as:Public", "Public"})


def load_document(url: str, options: dict | None = None) -> dict:
    """pyld document loader: bundled contexts by URL, an empty context for any other URL.

    Both answers never change, so they are tagged `static`: pyld then keeps the processed
    context in its process-wide cache instead of loading and canonicalising the AS2 context
    again for every document (half of the time `normalise` took).
    """
    name = _BUNDLED.get(url)
    document = json.loads(_bundled_text(name)) if name else {"@context": {}}
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": document,
        "tag": "static",
    }


def expand(doc: dict | list) -> list:
    """Expanded form of `doc`, read with `COFFEE_CONTEXT` as base and aliases folded onto our IRIs."""
    if not isinstance(doc, (dict, list)):
        raise MalformedError("a JSON-LD document must be an object or an array")
    options = {"expandContext": COFFEE_CONTEXT, "documentLoader": load_document, "base": None}
    return [_fold(node) for node in _pyld(pyld.expand, doc, options)]


def compact(doc: dict | list, context: Any = COFFEE_CONTEXT) -> dict:
    """`doc` (compact or expanded) re-expressed in `context`; keys mean what `context` says."""
    return _pyld(pyld.compact, expand(doc), context, {"documentLoader": load_document, "base": None})


def normalise(doc: dict) -> dict:
    """An inbound document in our stable shape: the one way the rest of the code reads peers.

    No fast path: even a document carrying exactly our context can hide `as:` keys or
    one-element arrays, so skipping the round trip would not give the same result.
    """
    return compact(doc, COFFEE_CONTEXT)


def _pyld(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except pyld.JsonLdError as exc:
        raise MalformedError(f"invalid JSON-LD: {exc.args[0] if exc.args else exc.type}") from exc
    except RecursionError as exc:
        raise MalformedError("invalid JSON-LD: nested too deeply") from exc


@functools.cache
def _bundled_text(name: str) -> str:
    return (SCHEMAS_DIR / name).read_text(encoding="utf-8")


@functools.cache
def _our_types() -> dict[str, str]:
    """Property IRI → the type our context gives its values: `@id` or an XSD datatype.

    Found by letting pyld expand one probe value per term, so the answer follows JSON-LD's
    own rules rather than a second reading of the context files. A property some term of
    ours leaves untyped is not listed.
    """
    terms: set[str] = set()
    for context in COFFEE_CONTEXT:
        definitions = json.loads(_bundled_text(_BUNDLED[context]))["@context"] if isinstance(context, str) else context
        terms.update(term for term, definition in definitions.items() if definition not in ("@id", "@type"))
    probe = {"@context": COFFEE_CONTEXT, **{term: "urn:probe" for term in terms if not term.startswith("@")}}
    [expanded] = pyld.expand(probe, {"documentLoader": load_document})
    types: dict[str, str] = {}
    for iri, values in expanded.items():
        found = {_value_type(value["@list"][0] if "@list" in value else value) for value in values}
        if len(found) == 1 and None not in found:
            types[iri] = found.pop()
    return types


def _value_type(value: dict) -> str | None:
    return "@id" if "@id" in value else value.get("@type")


def _fold_iri(iri: str) -> str:
    for theirs, ours in NAMESPACE_ALIASES:
        if iri.startswith(theirs):
            iri = ours + iri[len(theirs):]
            break
    return IRI_ALIASES.get(iri, iri)


def _fold(node: Any) -> Any:
    """Rewrite an expanded node onto our IRIs (properties, types, the public collection)."""
    if isinstance(node, list):
        return [_fold(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "@value" in node:
        # Mobilizon types plain literals with classes (sc:Boolean, mz:joinModeType);
        # only XSD datatypes and @json carry meaning for us, others would block compaction.
        datatype = node.get("@type")
        if datatype is None or datatype == "@json" or datatype.startswith(XSD_NS):
            return node
        return {key: value for key, value in node.items() if key != "@type"}
    folded: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@id":
            folded[key] = _node_id(value)
        elif key == "@type":
            folded[key] = [_fold_iri(iri) for iri in value]
        elif key.startswith("@"):
            folded[key] = _fold(value)
        else:
            iri = _fold_iri(key)
            values = _fold(value)
            ours = _our_types().get(iri)
            if ours is not None:
                values = [_typed(item, ours) for item in values]
            folded.setdefault(iri, []).extend(values)
    return folded


def _node_id(iri: str) -> str:
    return PUBLIC if iri in _PUBLIC_FORMS else iri


def _typed(value: Any, ours: str) -> Any:
    """An untyped literal under a property we type is read with our type.

    `"as:actor": "https://..."` or a spelled-out `published` carry no coercion of their own;
    a plain JSON reader would take them as the reference and the date we expect, and so do we.
    """
    if not isinstance(value, dict) or value.keys() != {"@value"}:
        return value
    if ours != "@id":
        return {**value, "@type": ours}
    return {"@id": _node_id(value["@value"])} if isinstance(value["@value"], str) else value
