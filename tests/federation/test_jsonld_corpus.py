"""The one JSON-LD normalisation, on activities as Mastodon, Mobilizon, Fedify and Coffee send them.

The inbox has no fast path of its own any more: every inbound document goes through
`jsonld.normalise` (pyld). What makes it cheaper, bundled contexts cached as processed
once per process, must not change a single output: checked against pyld loading and
processing every context afresh.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cachetools import LRUCache
from pyld import jsonld as pyld

from federation import jsonld
from federation.jsonld import PUBLIC, normalise

VECTORS = sorted((Path(__file__).parent / "vectors" / "activities").glob("*.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def fresh_pyld(doc: dict, monkeypatch: pytest.MonkeyPatch) -> dict:
    """`normalise(doc)` with an empty context cache and nothing tagged cacheable: every context processed anew."""
    cached_loader = jsonld.load_document

    def untagged(url: str, options: dict | None = None) -> dict:
        return {key: value for key, value in cached_loader(url, options).items() if key != "tag"}

    with monkeypatch.context() as patch:
        patch.setattr(pyld, "_resolved_context_cache", LRUCache(maxsize=100))
        patch.setattr(jsonld, "load_document", untagged)
        return normalise(doc)


def test_the_corpus_has_every_kind_of_peer() -> None:
    assert {path.stem.split("-")[0] for path in VECTORS} == {"mastodon", "mobilizon", "fedify", "coffee"}


@pytest.mark.parametrize("path", VECTORS, ids=lambda path: path.stem)
def test_cached_contexts_give_exactly_what_fresh_pyld_gives(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = load(path)
    warm = normalise(doc)
    assert normalise(doc) == warm
    assert fresh_pyld(doc, monkeypatch) == warm


@pytest.mark.parametrize("path", VECTORS, ids=lambda path: path.stem)
def test_one_stable_shape(path: Path) -> None:
    """A fixed point; Public spelled one way; one actor as a plain id: what the node's readers rely on."""
    out = normalise(load(path))
    assert normalise(out) == out
    assert isinstance(out["actor"], str)
    audiences = [out.get("to"), out.get("cc")]
    if isinstance(out.get("object"), dict):
        audiences += [out["object"].get("to"), out["object"].get("cc")]
    for audience in audiences:
        for item in audience if isinstance(audience, list) else [audience]:
            assert item not in ("as:Public", "Public", "http://www.w3.org/ns/activitystreams#Public")
    if "Public" in path.read_text(encoding="utf-8"):
        assert PUBLIC in json.dumps(out)


def test_what_the_removed_fast_path_kept_is_normalised() -> None:
    """Our own context, `as:Public` and a one-element actor list: the shape pyld gives, not the one sent."""
    doc = load(Path(__file__).parent / "vectors" / "activities" / "coffee-update-person.json")
    doc = doc | {"actor": [doc["actor"]], "to": ["as:Public"], "cc": "Public"}
    out = normalise(doc)
    assert (out["actor"], out["to"], out["cc"]) == ("https://lille.example/", PUBLIC, PUBLIC)
