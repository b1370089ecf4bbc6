"""Reading submitted forms as plain strings (a file part where text is expected counts as empty)."""

from __future__ import annotations

from typing import Any

from multidict import MultiMapping


def form_text(form: MultiMapping[Any], name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def form_list(form: MultiMapping[Any], name: str) -> list[str]:
    """Every value of a repeated field (checkboxes, several inputs with one name)."""
    return [value for value in form.getall(name, []) if isinstance(value, str)]


def form_map(form: MultiMapping[Any], prefix: str) -> dict[str, str]:
    """Fields named `prefix.key` as {key: text}: one textarea per language (`bio_map.fr`)."""
    start = f"{prefix}."
    return {name[len(start):]: form_text(form, name) for name in form if name.startswith(start)}

