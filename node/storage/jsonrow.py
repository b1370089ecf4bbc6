"""Rows with JSON-text columns: the one encode/decode pair every storage module uses."""

from __future__ import annotations

import json
from typing import Any, Iterable


def encode(fields: dict[str, Any], json_fields: Iterable[str]) -> dict[str, Any]:
    names = set(json_fields)
    return {k: json.dumps(v, ensure_ascii=False) if k in names else v for k, v in fields.items()}


def decode(row: dict[str, Any] | None, json_fields: Iterable[str]) -> dict[str, Any] | None:
    if row is None:
        return None
    for key in json_fields:
        if key in row and isinstance(row[key], str):
            row[key] = json.loads(row[key])
    return row
