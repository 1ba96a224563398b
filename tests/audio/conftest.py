"""Fixtures of the audio tests: each test's config names its own database;
the audio tools are installed."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(autouse=True)
def _own_database(monkeypatch):
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)  # each test's config names its own


@pytest.fixture
def tools():
    missing = [t for t in ("ffmpeg", "sox", "espeak-ng") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed (Debian packages; make test installs them)")
