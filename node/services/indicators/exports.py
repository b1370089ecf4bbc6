"""The indicators as rows for funders: CSV and XLSX with the same rows as the JSON API.

One row per (scope, space, indicator, month or 'total', country or ''): `value` is the number,
empty with `fewer_than_3` = 1 when the small-count rule applies; unavailable indicators are one
row with `available` = 0. `rows()` reads the API's JSON, so the files cannot say something else.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable

COLUMNS = ("scope", "space", "indicator", "available", "month", "country", "value", "fewer_than_3")


def _indicator_rows(scope: str, space: str, item: dict[str, Any]) -> Iterable[dict[str, Any]]:
    base = {"scope": scope, "space": space, "indicator": item["indicator"]}
    if not item.get("available"):
        yield base | {"available": 0, "month": "total", "country": "", "value": None, "fewer_than_3": 0}
        return
    yield base | {"available": 1, "month": "total", "country": "", "value": item["total"], "fewer_than_3": 0}
    for month in item["monthly"]:
        yield base | {"available": 1, "month": month["month"], "country": "", "value": month["value"],
                      "fewer_than_3": 0}
    for country in item["byCountry"]:
        hidden = "value" not in country
        yield base | {"available": 1, "month": "total", "country": country["country"] or "unknown",
                      "value": None if hidden else country["value"], "fewer_than_3": int(hidden)}


def rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of `/api/indicators` (and its `network` part when present)."""
    out = [row for item in data["figures"] for row in _indicator_rows("node", data["space"], item)]
    for space in data.get("network", {}).get("spaces", [])[1:]:
        for item in space["figures"] or []:
            out.extend(_indicator_rows("space", space["space"], item))
    for item in data.get("network", {}).get("totals", []):
        out.extend(_indicator_rows("network", "", {**item, "byCountry": [
            {"country": c["country"], "value": c["value"]} for c in item["byCountry"]]}))
    return out


def to_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(data))
    return out.getvalue()


def to_xlsx(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook  # imported here: only the export needs it

    book = Workbook()
    sheet = book.active
    sheet.title = "indicators"
    sheet.append(list(COLUMNS))
    for row in rows(data):
        sheet.append([row[name] for name in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
