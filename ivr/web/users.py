"""Console users: scrypt password hashes (as account PINs), roles ops|admin."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..data.pins import hash_pin, verify_pin
from ..errors import UserError
from ..store.models import User, utcnow
from .auth import ROLES, SessionData

MIN_PASSWORD = 8


@dataclass(frozen=True)
class WebUser:
    name: str
    role: str


def add_user(engine: Engine, name: str, role: str, password: str, replace: bool = False) -> WebUser:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise UserError(f"user name {name!r}: 1 to 64 characters, no spaces")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password for {name!r}: at least {MIN_PASSWORD} characters")
    with Session(engine) as session:
        user = session.scalars(select(User).where(User.name == name)).first()
        if user is not None and not replace:
            raise UserError(f"user {name!r} exists (use --replace to set a new password and role)")
        if user is None:
            user = User(name=name)
            session.add(user)
        user.role, user.password_hash = role, hash_pin(password)
        user.sessions_after = utcnow()   # a new password or role logs the old sessions out
        session.commit()
    return WebUser(name, role)


def list_users(engine: Engine) -> list[WebUser]:
    with Session(engine) as session:
        return [WebUser(u.name, u.role) for u in session.scalars(select(User).order_by(User.name))]


def authenticate(engine: Engine, name: str, password: str) -> WebUser | None:
    with Session(engine) as session:
        user = session.scalars(select(User).where(User.name == name)).first()
        if user is None:
            hash_pin(password)   # same work either way: the time taken does not tell who exists
            return None
        return WebUser(user.name, user.role) if verify_pin(password, user.password_hash) else None


def current_session(engine: Engine, cookie: SessionData) -> SessionData | None:
    """The cookie's session as the database sees it now: None once the user is
    gone or logged out after it was issued; the role is the user's current one."""
    with Session(engine) as session:
        user = session.scalars(select(User).where(User.name == cookie.user)).first()
        if user is None:
            return None
        if user.sessions_after is not None and cookie.iat <= user.sessions_after.timestamp():
            return None
        return replace(cookie, role=user.role)


def end_sessions(engine: Engine, name: str) -> None:
    """Log the user out everywhere: every session issued until now is refused."""
    with Session(engine) as session, session.begin():
        session.execute(update(User).where(User.name == name).values(sessions_after=utcnow()))
