"""`ivr web user add|list`: the password from stdin or the environment, never argv."""

from __future__ import annotations

import subprocess

from support import IVR, ROOT


def _ivr(config, *args, stdin="", env=None):
    import os
    return subprocess.run([*IVR, "--config", str(config), *args], cwd=ROOT, input=stdin, text=True,
                          capture_output=True, timeout=120,
                          env={**{k: v for k, v in os.environ.items() if k != "IVR_WEB_PASSWORD"}, **(env or {})})


def test_add_from_stdin_and_env(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(f"state_dir: {tmp_path / 'var'}\n")
    assert _ivr(config, "web", "user", "add", "sam", stdin="from-stdin-pw\n").returncode == 0
    assert _ivr(config, "web", "user", "add", "ada", "--role", "admin",
                env={"IVR_WEB_PASSWORD": "from-env-pw"}).returncode == 0
    assert _ivr(config, "web", "user", "list").stdout.split("\n")[:2] == ["ada\tadmin", "sam\tops"]
    again = _ivr(config, "web", "user", "add", "sam", stdin="another-pw\n")
    assert again.returncode == 1 and "user 'sam' exists" in again.stderr
    short = _ivr(config, "web", "user", "add", "tim", stdin="short\n")
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    assert _ivr(config, "web", "user", "add", "x", "--role", "root", stdin="long-enough\n").returncode == 2
    from sqlalchemy import create_engine, text
    engine = create_engine(f"sqlite:///{tmp_path / 'var/ivr.db'}")
    with engine.connect() as conn:
        hashes = [h for (h,) in conn.execute(text("select password_hash from users"))]
    engine.dispose()
    assert all(h.startswith("scrypt$") and "pw" not in h for h in hashes)


def test_users_and_sessions_through_the_store(tmp_path):
    import dataclasses

    import pytest

    from ivr.errors import UserError
    from ivr.store.db import open_engine
    from ivr.web.auth import new_session
    from ivr.web.store import StoredUser, find_user
    from ivr.web.users import add_user, authenticate, current_session, end_sessions, list_users

    engine = open_engine(f"sqlite:///{tmp_path / 'ivr.db'}")
    add_user(engine, "sam", "ops", "long-enough-pw")
    stored = find_user(engine, "sam")
    assert isinstance(stored, StoredUser) and stored.role == "ops" and stored.password_hash.startswith("scrypt$")
    with pytest.raises(dataclasses.FrozenInstanceError):
        stored.role = "admin"
    assert find_user(engine, "nobody") is None and authenticate(engine, "nobody", "long-enough-pw") is None
    assert authenticate(engine, "sam", "long-enough-pw").role == "ops"
    assert authenticate(engine, "sam", "wrong-password") is None
    with pytest.raises(UserError, match="user 'sam' exists"):
        add_user(engine, "sam", "admin", "another-long-pw")
    cookie = new_session("sam", "ops", now=stored.sessions_after.timestamp() + 0.001)   # issued after the add
    assert current_session(engine, cookie) == cookie
    add_user(engine, "sam", "admin", "another-long-pw", replace=True)    # a new password ends the sessions
    assert current_session(engine, cookie) is None
    later = new_session("sam", "ops", now=find_user(engine, "sam").sessions_after.timestamp() + 0.001)
    assert current_session(engine, later).role == "admin"                 # the role is the current one
    end_sessions(engine, "sam")
    assert current_session(engine, later) is None
    assert [(u.name, u.role) for u in list_users(engine)] == [("sam", "admin")]
