"""Sessions in a signed cookie, the secret that signs them, CSRF tokens.

The cookie holds `base64(json).base64(hmac-sha256)`: user, role, expiry
and the session's CSRF token. Nothing server-side to store or expire;
changing the secret logs everyone out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

SESSION_COOKIE = "ivr_session"
LOGIN_CSRF_COOKIE = "ivr_login_csrf"   # double-submit token of the login form (no session yet)
SESSION_S = 12 * 3600
ROLES = ("ops", "admin")


@dataclass(frozen=True)
class SessionData:
    user: str
    role: str
    csrf: str
    exp: float

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def new_session(user: str, role: str, now: float | None = None) -> SessionData:
    return SessionData(user, role, secrets.token_urlsafe(24), (now or time.time()) + SESSION_S)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, secret: bytes):
        self._key = hashlib.sha256(b"ivr-web-session:" + secret).digest()

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def dump(self, session: SessionData) -> str:
        body = _b64(json.dumps(asdict(session), separators=(",", ":")).encode())
        return f"{body}.{self._mac(body)}"

    def load(self, cookie: str | None, now: float | None = None) -> SessionData | None:
        """The session, or None if absent, tampered with, malformed or expired."""
        if not cookie or "." not in cookie:
            return None
        body, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            session = SessionData(**json.loads(_unb64(body)))
        except (ValueError, TypeError):
            return None
        if session.exp < (now or time.time()) or session.role not in ROLES:
            return None
        return session


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given)


def load_secret(state_dir: Path) -> bytes:
    """$IVR_WEB_SECRET, else `<state_dir>/web-secret`, made (mode 0600) on first use."""
    if os.environ.get("IVR_WEB_SECRET"):
        return os.environ["IVR_WEB_SECRET"].encode()
    path = Path(state_dir) / "web-secret"
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:   # another process made it first: use theirs
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as f:
        f.write(secret)
    return secret
