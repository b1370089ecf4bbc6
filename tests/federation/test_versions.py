"""Ordering two versions of one object by `updated`, with the doubtful cases read from the origin."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from federation.versions import Verdict, digest, judge, updated_of

NOW = datetime.now(timezone.utc)
HELD = {"@context": "https://www.w3.org/ns/activitystreams", "id": "https://a.example/@x", "name": "v2",
        "updated": (NOW - timedelta(minutes=5)).isoformat()}


def at(minutes: int) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(("incoming", "verdict"), [
    ({"id": HELD["id"], "name": "v3", "updated": at(-1)}, Verdict.APPLY),              # newer
    ({"id": HELD["id"], "name": "v1", "updated": at(-9)}, Verdict.STALE),              # older: ignored
    ({k: v for k, v in HELD.items() if k != "@context"}, Verdict.SAME),                 # the same, without context
    ({"id": HELD["id"], "name": "v?"}, Verdict.REFETCH),                                # no updated
    ({"id": HELD["id"], "name": "v?", "updated": HELD["updated"]}, Verdict.REFETCH),    # same time, other content
    ({"id": HELD["id"], "name": "v?", "updated": "yesterday"}, Verdict.REFETCH),        # unreadable time
])
def test_an_inbound_version_is_judged_against_the_one_held(incoming, verdict) -> None:
    assert judge(incoming, updated_of(HELD), digest(HELD), now=NOW) is verdict


def test_nothing_held_is_always_applied() -> None:
    assert judge({"id": HELD["id"], "name": "v?"}, None, None) is Verdict.APPLY


def test_a_newer_version_sent_before_a_long_outage_is_read_from_the_origin() -> None:
    newer = {"id": HELD["id"], "name": "v3", "updated": at(-1)}
    assert judge(newer, updated_of(HELD), digest(HELD), sent=NOW - timedelta(minutes=2), now=NOW) is Verdict.APPLY
    assert judge(newer, updated_of(HELD), digest(HELD), sent=NOW - timedelta(hours=2), now=NOW) is Verdict.REFETCH


def test_updated_reads_iso_times_with_z_and_falls_back_to_published() -> None:
    assert updated_of({"updated": "2026-01-02T03:04:05Z"}) == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert updated_of({"published": "2026-01-02T03:04:05"}) == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert updated_of({"updated": 42}) is None and updated_of(None) is None
