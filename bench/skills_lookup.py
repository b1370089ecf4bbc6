"""How well the skill look-up finds what people type, per language, and how fast.

    .venv/bin/python bench/skills_lookup.py [--devset bench/skills_devset.tsv] [--json]

The development set (`skills_devset.tsv`) holds phrases as coworkers write them on profiles,
each with the ESCO concepts a person would accept, written before looking at the engine's
answers. For each language it prints, over the phrases that have a concept:
- top-1: the first suggestion is acceptable;
- top-3: an acceptable concept is among the first three;
- wrong-only: suggestions were shown and none of the first three is acceptable (the worst case:
  the member is led to a wrong skill);
- none: no suggestion at all ("no skill found").
Then the look-up latency (p50, p95, max over every phrase, ten rounds, after one warm-up round)
and this process's resident memory before and after the index is opened.
Targets (issue 19): top-3 >= 90 % and wrong-only <= 3 % in every language; p95 < 10 ms.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ESCO_CSV = Path("/work/shared/esco/skills_full.csv")
LANGS = ("fr", "nl", "en", "de", "es")
NONSENSE = ("xqzvbt", "blorptonique", "fnargl", "zzkwq plomf", "asdfgh")


def rss_kib() -> int:
    """Resident set size of this process now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def english_labels() -> dict[str, list[str]]:
    """English preferred label -> concept URIs, from the vendored data (or the shared copy)."""
    from node.services import skills as skills_mod

    source = getattr(skills_mod, "vocabulary_rows", None)
    rows = source() if source else csv.DictReader(ESCO_CSV.open(encoding="utf-8", newline=""))
    by_label: dict[str, list[str]] = {}
    for row in rows:
        if row.get("label_en"):
            by_label.setdefault(row["label_en"], []).append(row["uri"])
    return by_label


def read_devset(path: Path, by_label: dict[str, list[str]]) -> list[tuple[str, str, set[str]]]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, phrase, accepted = line.split("\t")
        uris = {uri for label in accepted.split(" | ") for uri in by_label[label]}
        cases.append((lang, phrase, uris))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=ROOT / "bench" / "skills_devset.tsv")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show", choices=LANGS, help="print every miss of this language")
    args = parser.parse_args()

    before = rss_kib()
    from node.services.skills import load_skill_index

    index = load_skill_index()
    index.search("warm up", "en", 3)
    after = rss_kib()
    cases = read_devset(args.devset, english_labels())

    table: dict[str, dict[str, float]] = {}
    for lang in LANGS:
        mine = [case for case in cases if case[0] == lang]
        top1 = top3 = wrong = none = 0
        for _, phrase, accepted in mine:
            uris = [hit.uri for hit in index.search(phrase, lang, 3)]
            if not uris:
                none += 1
            elif uris[0] in accepted:
                top1 += 1
            if set(uris) & accepted:
                top3 += 1
            elif uris:
                wrong += 1
                if args.show == lang:
                    print(f"  wrong {phrase!r}: {[index.label(uri, lang) for uri in uris]}")
            elif args.show == lang:
                print(f"  none  {phrase!r}")
        n = len(mine)
        table[lang] = {"n": n, "top1": 100 * top1 / n, "top3": 100 * top3 / n,
                       "wrong_only": 100 * wrong / n, "none": 100 * none / n}
    nonsense_hits = sum(bool(index.search(word, "en", 3)) for word in NONSENSE)

    timings = []
    for _ in range(11):
        for lang, phrase, _ in cases:
            start = time.perf_counter()
            index.search(phrase, lang, 10)
            timings.append((time.perf_counter() - start) * 1000)
    timings = timings[len(cases):]  # the first round warms caches
    latency = {"p50_ms": statistics.median(timings),
               "p95_ms": statistics.quantiles(timings, n=20)[-1], "max_ms": max(timings)}
    memory = {"rss_before_index_mib": before / 1024, "rss_after_index_mib": after / 1024,
              "index_mib": (after - before) / 1024}
    if args.json:
        print(json.dumps({"languages": table, "latency": latency, "memory": memory,
                          "nonsense_with_suggestions": nonsense_hits}, indent=2))
        return
    print("| lang | phrases | top-1 | top-3 | wrong only | none |")
    print("|---|---|---|---|---|---|")
    for lang, row in table.items():
        print(f"| {lang} | {row['n']} | {row['top1']:.0f} % | {row['top3']:.0f} % "
              f"| {row['wrong_only']:.0f} % | {row['none']:.0f} % |")
    print(f"\nlatency over {len(timings)} look-ups: p50 {latency['p50_ms']:.2f} ms, "
          f"p95 {latency['p95_ms']:.2f} ms, max {latency['max_ms']:.2f} ms")
    print(f"RSS: {memory['rss_before_index_mib']:.1f} MiB before the index, "
          f"{memory['rss_after_index_mib']:.1f} MiB after (+{memory['index_mib']:.1f} MiB)")
    print(f"nonsense words with suggestions: {nonsense_hits}/{len(NONSENSE)}")


if __name__ == "__main__":
    main()
