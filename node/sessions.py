"""Sessions in an encrypted, authenticated cookie (Fernet); nothing stored server side.

The cookie carries the member id, the member's session version (raised to sign out
every session, node.services.accounts), the CSRF token and the issue time. It is
HttpOnly, SameSite=Lax, and Secure whenever the node's URL is https.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

COOKIE_NAME = "coffee_session"
MAX_AGE = 14 * 24 * 3600


class Session(dict):
    """A dict that remembers whether it changed, so unchanged sessions set no cookie."""

    def __init__(self, data: dict[str, Any] | None = None, *, new: bool = True) -> None:
        super().__init__(data or {})
        self.new = new
        self.changed = False

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.changed = True

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.changed = True

    def csrf_token(self) -> str:
        """The session's CSRF token, created on first use (so anonymous forms have one)."""
        if "csrf" not in self:
            self["csrf"] = secrets.token_urlsafe(32)
        return self["csrf"]

    def login(self, member_id: int, version: int) -> None:
        """Start an authenticated session with a fresh CSRF token (no fixation); `version` is the member's
        session version, so raising it ends this session."""
        self.clear()
        self["uid"] = member_id
        self["sv"] = version
        self["csrf"] = secrets.token_urlsafe(32)
        self.changed = True

    def logout(self) -> None:
        self.clear()
        self.changed = True


class SessionCodec:
    def __init__(self, secret_hex: str) -> None:
        key = base64.urlsafe_b64encode(hashlib.sha256(bytes.fromhex(secret_hex)).digest())
        self._fernet = Fernet(key)

    def dumps(self, session: Session) -> str:
        return self._fernet.encrypt(json.dumps(dict(session)).encode()).decode("ascii")

    def loads(self, token: str | None) -> Session:
        if not token:
            return Session()
        try:
            data = json.loads(self._fernet.decrypt(token.encode("ascii"), ttl=MAX_AGE))
        except (InvalidToken, ValueError, UnicodeEncodeError):
            return Session()
        return Session(data if isinstance(data, dict) else {}, new=False)
