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
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import WebError

SESSION_COOKIE = "ivr_session"
LOGIN_CSRF_COOKIE = "ivr_login_csrf"   # double-submit token of the login form (no session yet)
SESSION_S = 12 * 3600
ROLES = ("ops", "admin")
MIN_SECRET = 32   # bytes: anything shorter (an empty file!) would let anyone sign a cookie


@dataclass(frozen=True)
class SessionData:
    user: str
    role: str
    csrf: str
    exp: float
    iat: float = 0.0   # issued at: sessions older than the user's last logout are refused

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def new_session(user: str, role: str, now: float | None = None) -> SessionData:
    now = now or time.time()
    return SessionData(user, role, secrets.token_urlsafe(24), now + SESSION_S, now)


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
    # bytes: compare_digest refuses non-ASCII str, and a stray é must be a 403, not a 500
    return bool(expected) and bool(given) and hmac.compare_digest(expected.encode(), given.encode())


def load_secret(state_dir: Path) -> bytes:
    """$IVR_WEB_SECRET, else `<state_dir>/web-secret`, made (mode 0600) on first use."""
    if os.environ.get("IVR_WEB_SECRET"):
        secret = os.environ["IVR_WEB_SECRET"].encode()
        if len(secret) < MIN_SECRET:
            raise WebError(f"IVR_WEB_SECRET has {len(secret)} bytes, at least {MIN_SECRET} are needed")
        return secret
    path = Path(state_dir) / "web-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole to a temporary file, then linked into place: a second
        # process starting at once never reads a half-written (or empty) secret.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".web-secret-")
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_urlsafe(48).encode())
        try:
            os.link(tmp, path)
        except FileExistsError:   # another process was first: use theirs
            pass
        finally:
            os.unlink(tmp)
    secret = path.read_bytes().strip()
    if len(secret) < MIN_SECRET:
        raise WebError(f"{path}: the session secret has {len(secret)} bytes, at least {MIN_SECRET} are needed "
                       "(delete the file to have a new one made)")
    return secret
