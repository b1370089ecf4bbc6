"""One GET of a node's `/healthz`: `check` asks through the public URL, `health` asks the process itself."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class Probe:
    """What answered: `status` is the HTTP status, or None with `reason` when nothing did."""

    url: str
    status: int | None
    reason: str = ""


def get_healthz(url: str, timeout: float, *, direct: bool = False) -> Probe:
    """`direct` ignores HTTP(S)_PROXY: a probe of 127.0.0.1 must not be sent to a proxy."""
    opener = urllib.request.build_opener(*([urllib.request.ProxyHandler({})] if direct else []))
    try:
        with opener.open(url, timeout=timeout) as response:
            return Probe(url, response.status)
    except urllib.error.HTTPError as exc:
        return Probe(url, exc.code)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        return Probe(url, None, str(getattr(exc, "reason", exc)))
