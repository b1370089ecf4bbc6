"""UTC timestamps as ISO 8601 strings, the one format stored in the database."""

from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)


def now_iso() -> str:
    return now().isoformat(timespec="seconds")
