"""Fixtures for the operations tests: settings, a real SQLite database, source rows in known states."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.settings import Settings, load_settings
from bot.storage.db import Database, open_database
from bot.storage.tables import AccountRow, SourceRow

NOW = datetime.now(UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One request; status 0 when the server closed the connection instead of answering."""
    request = urllib.request.Request(url, body, headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        try:
            return int(error.code), error.read()
        except ConnectionError:  # answered, then hung up on a body it refused
            return int(error.code), b""
    except (urllib.error.URLError, ConnectionError):  # the server hung up without an answer
        return 0, b""


def make_settings(folder: Path, **env: str) -> Settings:
    values = {"DATABASE_URL": f"sqlite:///{folder / 'ladderwatch.sqlite3'}", "LADDERWATCH_TRANSLATOR": "none", **env}
    return load_settings(values, env_file=None)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, LADDERWATCH_HTTP_PORT=str(free_port()))


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = open_database(settings.database_url)
    yield database
    database.close()


def add_source(
    db: Database,
    account_id: str,
    kind: str = "rss",
    *,
    answered_hours_ago: float | None = None,
    errors: int = 0,
    polled: bool = True,
    disabled: bool = False,
) -> int:
    """A source of `account_id` (created if needed) whose last success was that long ago."""
    with db.session() as session:
        if session.get(AccountRow, account_id) is None:
            session.add(AccountRow(id=account_id, name=account_id.title(), languages=[], updated_at=NOW))
            session.flush()
        success = None if answered_hours_ago is None else NOW - timedelta(hours=answered_hours_ago)
        row = SourceRow(
            account_id=account_id,
            kind=kind,
            handle=f"{account_id}-{kind}-{answered_hours_ago}-{errors}-{polled}",
            last_success_at=success,
            last_fetch_at=NOW - timedelta(minutes=5) if polled else None,
            consecutive_errors=errors,
            last_error="connection refused" if errors else None,
            disabled=disabled,
        )
        session.add(row)
        session.flush()
        return row.id
