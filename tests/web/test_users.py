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
