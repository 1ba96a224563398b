"""The console's queries: its users and when their sessions were last ended.

Rows in, frozen views out; the rules (roles, password length, what makes a
session valid) live in users.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..errors import UserError
from ..store.models import User, utcnow


@dataclass(frozen=True)
class WebUser:
    name: str
    role: str


@dataclass(frozen=True)
class StoredUser:
    """What the console checks a login or a session against."""

    name: str
    role: str
    password_hash: str
    sessions_after: datetime | None   # sessions issued until then are refused; None: none ended yet


def save_user(engine: Engine, name: str, role: str, password_hash: str, replace: bool = False) -> WebUser:
    """Add a user, or (with `replace`) set an existing one's role and password.
    Either way the sessions issued until now are ended: a new password or role
    logs the old sessions out."""
    with Session(engine) as session, session.begin():
        user = session.scalars(select(User).where(User.name == name)).first()
        if user is not None and not replace:
            raise UserError(f"user {name!r} exists (use --replace to set a new password and role)")
        if user is None:
            user = User(name=name)
            session.add(user)
        user.role, user.password_hash = role, password_hash
        user.sessions_after = utcnow()
    return WebUser(name, role)


def find_user(engine: Engine, name: str) -> StoredUser | None:
    with Session(engine) as session:
        user = session.scalars(select(User).where(User.name == name)).first()
        return StoredUser(user.name, user.role, user.password_hash, user.sessions_after) if user else None


def list_users(engine: Engine) -> list[WebUser]:
    with Session(engine) as session:
        return [WebUser(u.name, u.role) for u in session.scalars(select(User).order_by(User.name))]


def end_sessions(engine: Engine, name: str) -> None:
    """Log the user out everywhere: every session issued until now is refused."""
    with Session(engine) as session, session.begin():
        session.execute(update(User).where(User.name == name).values(sessions_after=utcnow()))
