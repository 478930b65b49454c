"""End to end: `ladderwatch poll --once` reads an X account through a bridge and a Telegram
channel page, both served from loopback; `ladderwatch sources` shows every kind's URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.storage.db import open_database
from bot.storage.tables import StatementRow
from tests.support.feed_server import FeedServer

DATA = Path("tests/data/reader").resolve()

WATCHLIST = """\
accounts:
  - id: rubio
    name: Marco Rubio
    role: US Secretary of State
    country: US
    languages: [en]
    sources:
      - x: "@SecRubio"
  - id: mid-test
    name: Test Ministry
    country: RU
    sources:
      - telegram: mid_test
"""

SOCIAL = """\
accounts:
  - id: eeas
    name: European External Action Service
    country: EU
    sources:
      - mastodon: "@EEAS@social.network.europa.eu"
      - bluesky: eeas.bsky.social
"""


@pytest.fixture
def environment(tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    feed_server.set("/SecRubio/rss", (DATA / "nitter_secrubio.xml").read_bytes())
    feed_server.set("/s/mid_test", (DATA / "tme_s_mid_test.html").read_bytes(), content_type="text/html; charset=utf-8")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "watchlist.yaml").write_text(WATCHLIST, encoding="utf-8")
    database = tmp_path / "lw.sqlite3"
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name, value in {
        "LADDERWATCH_X_BRIDGE": feed_server.url("/{handle}/rss"),
        "LADDERWATCH_TELEGRAM_BRIDGE": feed_server.url("/s/{channel}"),
        "LADDERWATCH_ALLOW_PRIVATE_URLS": "1",
        "LADDERWATCH_TRANSLATOR": "none",
        "LADDERWATCH_CONFIG": str(tmp_path / "config"),
        "DATABASE_URL": f"sqlite:///{database}",
    }.items():
        monkeypatch.setenv(name, value)
    return database


def test_poll_once_ingests_x_posts_and_telegram_channel_posts(environment: Path, capsys) -> None:
    assert main(["poll", "--once"]) == 0
    out = capsys.readouterr().out
    lines = [line.split("\t") for line in out.splitlines()]

    assert {line[2] for line in lines} == {"rubio", "mid-test"}
    texts = "\n".join(line[4] for line in lines)
    assert "Urged both sides to find ways to de-escalate" in texts
    assert "We welcome the ceasefire agreed on 10 May 2025." in texts
    assert "Photo: the Minister meets the Ambassador of Pakistan." in texts

    db = open_database(f"sqlite:///{environment}")
    try:
        with db.session() as session:
            rows = session.scalars(select(StatementRow)).all()
            reposts = {row.url for row in rows if row.is_repost}
            guids = {row.guid for row in rows}
    finally:
        db.close()
    assert reposts == {
        "http://nitter.test/StateDept/status/1921000000000000002#m",
        "http://nitter.test/SecRubio/status/1921000000000000003#m",
        "https://t.me/mid_test/1203",
    }
    assert "tg:-1065276858/1204" in guids


def test_sources_shows_resolved_urls_for_every_kind(environment: Path, tmp_path: Path, capsys) -> None:
    assert main(["poll", "--once"]) == 0
    # Added after the poll, so no test ever fetches bsky.app or a Mastodon server.
    (tmp_path / "social.yaml").write_text(SOCIAL, encoding="utf-8")
    assert main(["watchlist", "import", str(tmp_path / "social.yaml")]) == 0
    assert "added eeas: European External Action Service" in capsys.readouterr().out

    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert "https://bsky.app/profile/eeas.bsky.social/rss" in out
    assert "https://social.network.europa.eu/@EEAS.rss" in out
    assert "  - x @SecRubio: ok" in out
    assert "  - telegram mid_test: ok" in out
