"""A temp config, database and recordings directory, and WAVs made by sox."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from support import run


def sox_wav(path: Path, seconds: float, freq: int = 440) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "synth", str(seconds),
                    "sine", str(freq)], check=True)
    return path


@pytest.fixture(autouse=True)
def _own_database(monkeypatch):
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)  # each test's config names its own


@pytest.fixture
def make_wav():
    """sox_wav(path, seconds): a fixture, since test modules cannot import a conftest by name."""
    return sox_wav


@dataclass
class RecEnv:
    config: Path
    db_url: str
    recordings: Path
    engine: object

    def add(self, unique_id: str, seconds: float, caller: str, queue: str, agent: str, age_days: float = 1):
        """A closed WAV and its row, as after a consenting call `age_days` ago."""
        from ivr.recordings.finalize import finalize
        sox_wav(self.recordings / f"{unique_id}.wav", seconds)
        started = datetime.now(timezone.utc) - timedelta(days=age_days)
        return run(finalize(self.engine, self.recordings, unique_id, caller, queue, agent, started, timeout=10))


@pytest.fixture
def rec_env(tmp_path, db_url):
    from ivr.store.db import open_engine
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    config = tmp_path / "config.yaml"
    config.write_text(f"state_dir: {tmp_path / 'var'}\ndatabase: {{url: '{db_url}'}}\n"
                      f"recordings: {{directory: {recordings}, format: wav, retention_days: 90}}\n")
    engine = open_engine(db_url)
    yield RecEnv(config, db_url, recordings, engine)
    engine.dispose()


@pytest.fixture
def three(rec_env):
    """Three recordings: two recent (3 s, 6 s), one past retention (2 s, 200 days old)."""
    a = rec_env.add("1700000001.1", 3, "+48600100200", "support", "PJSIP/alice")
    b = rec_env.add("1700000002.2", 6, "+48600999888", "sales", "PJSIP/bob")
    old = rec_env.add("1600000003.3", 2, "+48600100200", "support", "PJSIP/alice", age_days=200)
    return a, b, old
