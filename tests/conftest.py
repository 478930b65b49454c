"""Shared test fixtures: the loopback peers (feeds, LibreTranslate) and a private configuration.

Tests never touch the internet: every HTTP peer is a real server on 127.0.0.1 started here
(see tests/support/), and every command runs against a SQLite database in a temp folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.classify import Classifier
from tests.support.classifier import shared_classifier
from tests.support.feed_server import FeedServer
from tests.support.libretranslate import LibreTranslateDouble

# Test files that empty the one PostgreSQL database CI provides (and the benchmark runner,
# whose worker step uses it): pytest-xdist runs them one after another on one worker.
SHARED_DATABASE = frozenset(
    {
        "test_postgres.py",
        "test_scale_out.py",
        "test_workers_postgres.py",
        "test_sync_watchlist.py",
        "test_storage_fits.py",
        "test_runner.py",
    }
)


def pytest_itemcollected(item: pytest.Item) -> None:
    """Spread over the cores (`-n auto --dist loadgroup` in pyproject.toml), except the
    tests sharing the PostgreSQL database, which stay in one group (marked as each test is
    collected, before pytest-xdist reads the groups)."""
    if item.path.name in SHARED_DATABASE:
        item.add_marker(pytest.mark.xdist_group("postgres"))


@pytest.fixture(autouse=True)
def classifier_loaded_once(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every start-up in a test gets the session's classifier (tests/support/classifier.py)."""
    if request.node.get_closest_marker("fresh_classifier") is None:
        monkeypatch.setattr(Classifier, "load", classmethod(lambda cls, learned=True: shared_classifier(learned)))


@pytest.fixture
def libretranslate_server() -> Iterator[LibreTranslateDouble]:
    """A LibreTranslate double on a free loopback port (see tests/support/libretranslate.py)."""
    with LibreTranslateDouble() as double:
        yield double


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A feed server on a free loopback port (see tests/support/feed_server.py)."""
    with FeedServer() as server:
        yield server


@dataclass
class LadderwatchEnv:
    """A private configuration for running `ladderwatch` commands in-process."""

    folder: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.folder / 'ladderwatch.sqlite3'}"

    def write_watchlist(self, text: str) -> Path:
        path = self.folder / "config" / "watchlist.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def set(self, **values: str) -> None:
        for name, value in values.items():
            self.monkeypatch.setenv(name, value)


@pytest.fixture
def ladderwatch_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LadderwatchEnv:
    """Settings pointing at a temp database and config folder; no translation, loopback allowed.

    The working folder is the temp folder too, so a developer's `.env` is never read.
    """
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith(("LADDERWATCH_", "TELEGRAM_", "LIBRETRANSLATE_"))]:
        monkeypatch.delenv(name)
    env = LadderwatchEnv(tmp_path, monkeypatch)
    env.set(
        DATABASE_URL=env.database_url,
        LADDERWATCH_CONFIG=str(tmp_path / "config"),
        LADDERWATCH_ALLOW_PRIVATE_URLS="1",
        LADDERWATCH_TRANSLATOR="none",
    )
    return env
