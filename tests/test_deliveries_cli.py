"""`coffee-node deliveries DIR [--domain D] [--json]`: what is waiting, when it is tried next, and why."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

from node.storage import deliveries as deliveries_store
from node.storage.db import connect
from node.config import load
from tests.commands import make_node_dir, run


def queue(store, inbox: str, *, attempts: int, error: str | None, due: datetime) -> None:
    activity_id = f"https://lille.test/activities/{inbox.split('/')[2]}-{attempts}"
    store.conn.execute(
        "INSERT INTO activities (id, actor, type, document, published) VALUES (?, 'https://lille.test/', 'Update', '{}', ?)",
        [activity_id, due.isoformat()])
    deliveries_store.add(store, activity_id=activity_id, inbox=inbox, domain=inbox.split("/")[2],
                         signer="https://lille.test/")
    store.conn.execute("UPDATE deliveries SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE activity_id = ?",
                       [attempts, error, due.isoformat(timespec="seconds"), activity_id])


def test_pending_rows_per_domain_with_attempts_next_try_last_error_and_the_schedule(tmp_path, capsys) -> None:
    # Given two domains with deliveries waiting for a retry
    data_dir = make_node_dir(tmp_path)
    store = connect(load(data_dir, env={}).db_path)
    soon = datetime.now(timezone.utc) + timedelta(minutes=4)
    queue(store, "https://tournai.test/inbox", attempts=3, error="HTTP 503 Service Unavailable", due=soon)
    queue(store, "https://mons.test/inbox", attempts=0, error=None, due=soon - timedelta(hours=1))
    store.close()
    # When the operator looks at one domain
    code, out, _ = run(capsys, "deliveries", data_dir, "--domain", "Tournai.test")
    # Then each pending row says its attempts, next try and last error, and the schedule is spelt out
    assert code == 0
    line = next(line for line in out.splitlines() if "https://tournai.test/inbox" in line)
    assert "attempts=3/16" in line and "HTTP 503 Service Unavailable" in line
    assert re.search(rf"next try {re.escape(soon.isoformat(timespec='seconds'))} \(in (3\.\d|4) min\)", line), line
    assert "mons.test" not in out
    assert "at most 16 attempts" in out and "Retry-After" in out
    # And --json carries the same
    code, out, _ = run(capsys, "deliveries", data_dir, "--json")
    data = json.loads(out)
    assert sorted(d["domain"] for d in data["domains"]) == ["mons.test", "tournai.test"]
    tournai = next(d for d in data["domains"] if d["domain"] == "tournai.test")
    assert tournai["pending"] == 1
    assert tournai["pending_rows"][0].items() >= {"attempts": 3, "last_error": "HTTP 503 Service Unavailable",
                                                  "activity_type": "Update"}.items()
    assert "attempt⁴" in data["schedule"]
