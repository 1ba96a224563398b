"""Session fixtures that start real things once: the sandbox Asterisk, the
test controller. In CI nothing that needs Asterisk skips: it fails."""

from __future__ import annotations

import os
import shutil
import zlib
import subprocess
from pathlib import Path

import pytest

from support import E2E_CONFIG, ROOT, TEST_STATE, Controller


@pytest.fixture(scope="session")
def sandbox():
    from ivr.errors import SandboxError
    from ivr.sandbox.chroot import Sandbox

    sb = Sandbox.for_project(ROOT, ROOT / "var/sandbox", [TEST_STATE])
    started_here = not sb.is_up()
    try:
        sb.up()
    except SandboxError as exc:
        pytest.fail(f"the sandbox Asterisk is needed and could not start: {exc}")
    yield sb
    if started_here:
        sb.down()


@pytest.fixture(scope="session")
def e2e_settings(sandbox):
    from ivr.audio.synth import load_catalog, synth_missing
    from ivr.config import load_settings

    settings = load_settings(E2E_CONFIG)
    synth_missing(load_catalog(ROOT / "tests/e2e/catalog.yaml"), settings.prompts_dir, ["en", "pl"])
    for lang in ("en", "pl"):  # the speech fragments are the product's own, one word each
        if (ROOT / "prompts" / lang / "say").is_dir():   # else identify tests fail naming the file
            shutil.copytree(ROOT / "prompts" / lang / "say", settings.prompts_dir / lang / "say",
                            dirs_exist_ok=True)
    settings.recordings.directory.mkdir(parents=True, exist_ok=True)
    return settings


@pytest.hookimpl(tryfirst=True)   # before xdist's own, which reads the group into the node id
def pytest_collection_modifyitems(config, items):
    """`make test` runs two workers (pytest-xdist, --dist loadgroup): every test that
    needs the sandbox Asterisk goes to one of them, so its calls never meet another
    test's, while the other worker runs the rest (the sandbox tests mostly wait on
    real-time audio)."""
    for item in items:
        if "sandbox" in item.fixturenames:
            item.add_marker(pytest.mark.xdist_group("sandbox"))


# Per checkout, so a second clone's test run (CI beside a session) never meets this one's
# server, and per xdist worker, so a fault test that stops its PostgreSQL stops no other
# worker's. Reached by its Unix socket only: a TCP port in the ephemeral range could be
# held by any client connection of the moment (the AGI tests open thousands).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
PG_PORT = 55432 + (zlib.crc32(str(ROOT).encode()) % 100) * 4 + int(WORKER.removeprefix("gw") or 0) % 4


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        pytest.fail("PostgreSQL is not installed (Debian's postgresql package; make test installs it)")
    return str(found[-1])


class PostgresServer:
    """The tests' own PostgreSQL (Debian's package): started once per session; a fault
    test may stop it and start it again (`stop()`, `start()`)."""

    def __init__(self):
        self.data = TEST_STATE / f"pg-{WORKER}"
        self.sock = Path(f"/tmp/ivr-test-pg-{PG_PORT}")
        self.as_pg = ["runuser", "-u", "postgres", "--"]

    def init(self) -> None:
        for d in (self.data.parent, self.sock):
            d.mkdir(parents=True, exist_ok=True)
        subprocess.run(["chown", "postgres", str(self.sock)], check=True)
        if not (self.data / "PG_VERSION").exists():
            self.data.mkdir(exist_ok=True)
            subprocess.run(["chown", "postgres", str(self.data)], check=True)
            subprocess.run([*self.as_pg, _pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"],
                           check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run([*self.as_pg, _pg_bin("pg_ctl"), "-D", str(self.data), "stop", "-m", "fast"],
                       capture_output=True)

    def running(self) -> bool:
        return subprocess.run([*self.as_pg, _pg_bin("pg_ctl"), "-D", str(self.data), "status"],
                              capture_output=True).returncode == 0

    def start(self) -> None:
        started = subprocess.run([*self.as_pg, _pg_bin("pg_ctl"), "-D", str(self.data), "-w", "-l",
                                  str(self.sock / "pg.log"), "-o", f"-p {PG_PORT} -k {self.sock} -c listen_addresses=''",
                                  "start"], capture_output=True, text=True)
        if started.returncode != 0:
            pytest.fail(f"PostgreSQL did not start: {started.stdout}{started.stderr}")

    def run(self, tool: str, *args: str, check: bool = True) -> None:
        subprocess.run([*self.as_pg, _pg_bin(tool), "-h", str(self.sock), "-p", str(PG_PORT), *args],
                       check=check, capture_output=not check)


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer()
    server.init()
    # Another test session of this checkout may be using it (each works in a database of
    # its own): share it, and leave stopping it to the session that started it.
    shared = server.running()
    if not shared:
        server.start()
    yield server
    if not shared:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server):
    """A database of this session's own on the tests' PostgreSQL."""
    db = f"ivr_{os.getpid()}"
    postgres_server.run("createdb", db)
    yield f"postgresql+psycopg://postgres@/{db}?host={postgres_server.sock}&port={PG_PORT}"
    postgres_server.run("dropdb", db, check=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The same store test on SQLite (the default) and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ivr.db'}"
    url = request.getfixturevalue("postgres_url")
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.begin() as conn:  # each test starts from an empty schema
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def controller(e2e_settings):
    ctl = Controller(E2E_CONFIG, e2e_settings.controller.port, TEST_STATE / "controller.log")
    yield ctl
    ctl.stop()
