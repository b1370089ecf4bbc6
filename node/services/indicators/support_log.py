"""The support log: the accompaniment a space gave, recorded by its admins.

Private to the space's admins: no federated document, public page or API carries an entry;
only the counts in `counting` leave the node. The same validation serves the admin form,
the CSV import and the CLI, and names the field it refuses.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import date
from typing import Any, Mapping

from node.errors import InvalidInput
from node.services.space import COUNTRIES
from node.storage import indicators as indicators_store
from node.storage import members as members_store
from node.storage.db import Store
from node.timeutil import now

KINDS = ("business_creation", "development", "communication", "financial_modelling", "public_funding",
         "cross_border_market", "training", "other")
BENEFICIARY_TYPES = ("company", "person")
CSV_FIELDS = ("date", "beneficiary_type", "beneficiary_name", "beneficiary_country", "new_company", "member",
              "kind", "hours", "given_by", "note")
_TRUE = {"1", "true", "yes", "on", "oui", "ja", "y"}
MAX_IMPORT_BYTES = 1_000_000
MAX_HOURS = 10_000


def _text(data: Mapping[str, Any], name: str, limit: int = 200) -> str:
    value = str(data.get(name) or "").strip()
    if len(value) > limit:
        raise InvalidInput("This text is too long.", field=name)
    return value


def validate(store: Store, data: Mapping[str, Any]) -> dict[str, Any]:
    """A clean row for `support_log`, or InvalidInput naming the first bad field."""
    kind = _text(data, "kind")
    if not kind:
        raise InvalidInput("Choose the kind of support.", field="kind")
    if kind not in KINDS:
        raise InvalidInput("Unknown kind of support: %(kind)s.", field="kind", kind=kind)
    try:
        day = date.fromisoformat(_text(data, "date"))
    except ValueError:
        raise InvalidInput("The date must be a day, YYYY-MM-DD.", field="date") from None
    if day > now().date():
        raise InvalidInput("The date is in the future.", field="date")
    try:
        hours = float(_text(data, "hours") or "0")
    except ValueError:
        hours = math.nan
    if not math.isfinite(hours):
        raise InvalidInput("Hours must be a number.", field="hours")
    if hours < 0:
        raise InvalidInput("Hours cannot be negative.", field="hours")
    if hours > MAX_HOURS:
        raise InvalidInput("At most %(max)s hours in one entry.", field="hours", max=MAX_HOURS)
    kind_of = _text(data, "beneficiary_type") or "company"
    if kind_of not in BENEFICIARY_TYPES:
        raise InvalidInput("The beneficiary is a company or a person.", field="beneficiary_type")
    member_id = None
    if username := _text(data, "member"):
        member = members_store.get_by_username(store, username)
        if member is None:
            raise InvalidInput("No member %(username)s here.", field="member", username=username)
        member_id = member["id"]
    name = _text(data, "beneficiary_name") or (username if member_id else "")
    if not name:
        raise InvalidInput("Name who was supported.", field="beneficiary_name")
    country = _text(data, "beneficiary_country").upper()
    if country and country not in COUNTRIES:
        raise InvalidInput("Unknown country code: %(code)s.", field="beneficiary_country", code=country)
    return {
        "beneficiary_type": kind_of, "beneficiary_name": name, "beneficiary_country": country,
        "new_company": int(kind_of == "company" and _text(data, "new_company").lower() in _TRUE),
        "member_id": member_id, "kind": kind, "support_date": day.isoformat(), "hours": hours,
        "given_by": _text(data, "given_by"), "note": _text(data, "note", 2000),
    }


def add(store: Store, data: Mapping[str, Any]) -> int:
    return indicators_store.add_support(store, validate(store, data))


def import_csv(store: Store, text: str) -> int:
    """Add every row of a spreadsheet export (header line with CSV_FIELDS); all or nothing.

    An error names the line and the field, so the spreadsheet can be fixed and imported again.
    """
    if len(text.encode()) > MAX_IMPORT_BYTES:
        raise InvalidInput("The file is larger than 1 MB.", field="file")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [name for name in ("date", "kind") if name not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput("The CSV header lacks %(fields)s.", field="file", fields=", ".join(missing))
    rows = []
    for line, record in enumerate(reader, start=2):
        try:
            rows.append(validate(store, record))
        except InvalidInput as exc:
            raise InvalidInput("Line %(line)s: %(error)s", field=exc.field, line=line, error=exc.message) from None
    with store.transaction():
        for row in rows:
            indicators_store.add_support(store, row)
    return len(rows)


def export_csv(store: Store) -> str:
    """The log as the CSV `import_csv` reads (for the space's own records; admins only)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for entry in reversed(indicators_store.support_entries(store)):  # oldest first, as a spreadsheet
        writer.writerow({
            "date": entry["support_date"], "beneficiary_type": entry["beneficiary_type"],
            "beneficiary_name": entry["beneficiary_name"], "beneficiary_country": entry["beneficiary_country"],
            "new_company": "yes" if entry["new_company"] else "", "member": entry["username"] or "",
            "kind": entry["kind"], "hours": entry["hours"], "given_by": entry["given_by"], "note": entry["note"],
        })
    return out.getvalue()
