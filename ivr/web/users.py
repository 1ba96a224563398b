"""Console users: scrypt password hashes (as account PINs), roles ops|admin.
The rules live here; the rows in the web package's store (ivr/web/store.py)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.engine import Engine

from ..data.pins import hash_pin, verify_pin
from ..errors import UserError
from .auth import ROLES, SessionData
from .store import WebUser, end_sessions, find_user, list_users, save_user

__all__ = ["MIN_PASSWORD", "WebUser", "add_user", "authenticate", "current_session", "end_sessions", "list_users"]

MIN_PASSWORD = 8


def add_user(engine: Engine, name: str, role: str, password: str, replace: bool = False) -> WebUser:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise UserError(f"user name {name!r}: 1 to 64 characters, no spaces")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password for {name!r}: at least {MIN_PASSWORD} characters")
    return save_user(engine, name, role, hash_pin(password), replace=replace)


def authenticate(engine: Engine, name: str, password: str) -> WebUser | None:
    user = find_user(engine, name)
    if user is None:
        hash_pin(password)   # same work either way: the time taken does not tell who exists
        return None
    return WebUser(user.name, user.role) if verify_pin(password, user.password_hash) else None


def current_session(engine: Engine, cookie: SessionData) -> SessionData | None:
    """The cookie's session as the database sees it now: None once the user is
    gone or logged out after it was issued; the role is the user's current one."""
    user = find_user(engine, cookie.user)
    if user is None:
        return None
    if user.sessions_after is not None and cookie.iat <= user.sessions_after.timestamp():
        return None
    return replace(cookie, role=user.role)
