"""Source health: ok, failing, stale (answers but nothing new), disabled, pending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.model import Account, SourceKind, SourceSpec
from bot.reader.fetcher import Fetcher
from bot.reader.health import coverage_warning, describe_sources, source_state, stale_after, unconfigured_reason
from bot.reader.parser import parse_document
from bot.reader.sources import resolve_source
from bot.settings import load_settings
from bot.storage.accounts import list_source_rows, sync_watchlist
from bot.storage.db import open_database
from bot.storage.sources import record_failure, record_success
from bot.storage.tables import SourceRow
from tests.support.feed_server import FeedServer

NOW = datetime(2025, 5, 12, 12, 0, tzinfo=UTC)
POLL = 300


def row(**fields: object) -> SourceRow:
    defaults: dict[str, object] = {
        "account_id": "rubio",
        "kind": "x",
        "handle": "SecRubio",
        "disabled": False,
        "consecutive_errors": 0,
        "last_success_at": NOW,
        "newest_item_at": NOW - timedelta(hours=2),
        "last_new_item_at": NOW - timedelta(hours=2),
    }
    return SourceRow(**{**defaults, **fields})


def test_stale_threshold_is_three_days_or_fifty_polls() -> None:
    assert stale_after(300) == timedelta(days=3)
    assert stale_after(3600 * 2) == timedelta(hours=100)


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({}, "ok"),
        ({"disabled": True, "consecutive_errors": 3}, "disabled"),
        ({"consecutive_errors": 1, "last_error": "HTTP 429"}, "failing"),
        ({"last_success_at": None, "newest_item_at": None, "last_new_item_at": None}, "pending"),
        ({"newest_item_at": None, "last_new_item_at": None}, "empty"),
        (
            {
                "newest_item_at": NOW - timedelta(days=4),
                "last_new_item_at": NOW - timedelta(days=4),
            },
            "stale",
        ),
        (
            {
                "newest_item_at": NOW - timedelta(days=4),
                "last_new_item_at": NOW - timedelta(hours=1),
            },
            "ok",
        ),
        ({"newest_item_at": NOW - timedelta(days=2, hours=23), "last_new_item_at": None}, "ok"),
    ],
)
def test_source_state(fields: dict[str, object], state: str) -> None:
    assert source_state(row(**fields), NOW, POLL) == state


@pytest.fixture
def db(tmp_path: Path):
    database = open_database(f"sqlite:///{tmp_path / 'lw.sqlite3'}")
    yield database
    database.close()


ACCOUNTS = [
    Account(
        "rubio",
        "Marco Rubio",
        "US Secretary of State",
        "US",
        ("en",),
        (SourceSpec(SourceKind.X, "SecRubio"),),
    ),
    Account(
        "eeas",
        "EEAS",
        "",
        "EU",
        ("en",),
        (
            SourceSpec(SourceKind.MASTODON, "@EEAS@social.network.europa.eu"),
            SourceSpec(SourceKind.BLUESKY, "eeas.europa.eu"),
        ),
    ),
]


async def test_bridge_that_keeps_serving_old_items_is_detected_as_stale(db, feed_server: FeedServer) -> None:
    feed_server.set("/SecRubio/rss", Path("tests/data/reader/nitter_secrubio.xml").read_bytes())
    settings = load_settings(
        {
            "LADDERWATCH_X_BRIDGE": feed_server.url("/{handle}/rss"),
            "LADDERWATCH_ALLOW_PRIVATE_URLS": "1",
        },
        env_file=None,
    )
    sync_watchlist(db, ACCOUNTS[:1], now=datetime(2025, 5, 10, tzinfo=UTC))
    [source] = list_source_rows(db)
    resolved = resolve_source(SourceSpec(SourceKind.X, source.handle), settings)

    async def poll(now: datetime, new_items: int) -> str:
        async with Fetcher(allow_private=True, timeout=5.0) as fetcher:
            result = await fetcher.fetch(resolved.url)
        entries = parse_document(result.body, result.content_type, result.url, resolved.fmt)
        newest = max(e.published for e in entries if e.published)
        record_success(
            db,
            source.id,
            now=now,
            url=result.url,
            etag=None,
            last_modified=None,
            next_poll_at=now + timedelta(seconds=POLL),
            newest_item_at=newest,
            new_items=new_items,
        )
        [stored] = list_source_rows(db)
        return source_state(stored, now, POLL)

    assert await poll(datetime(2025, 5, 10, 14, tzinfo=UTC), new_items=3) == "ok"
    assert await poll(datetime(2025, 5, 12, 14, tzinfo=UTC), new_items=0) == "ok"
    assert await poll(datetime(2025, 5, 20, 14, tzinfo=UTC), new_items=0) == "stale"


def test_describe_sources_lists_each_account_source_url_and_state(db) -> None:
    sync_watchlist(db, ACCOUNTS, now=NOW - timedelta(hours=1))
    rubio_x = next(r for r in list_source_rows(db) if r.kind == "x")
    record_failure(
        db,
        rubio_x.id,
        now=NOW - timedelta(minutes=5),
        error="HTTP 403 from the bridge",
        next_poll_at=NOW + timedelta(minutes=10),
    )
    bridge = load_settings({"LADDERWATCH_X_BRIDGE": "https://nitter.example/{handle}/rss"}, env_file=None)
    text = describe_sources(list_source_rows(db), ACCOUNTS, NOW, POLL, settings=bridge)

    assert text.splitlines()[0] == "2 accounts, 3 sources: 1 failing, 2 pending"
    assert "rubio: Marco Rubio — US Secretary of State [US]" in text
    assert "  - x SecRubio: failing" in text
    assert "error (1x): HTTP 403 from the bridge" in text
    assert "url: https://social.network.europa.eu/@EEAS.rss" in text
    assert "url: https://bsky.app/profile/eeas.europa.eu/rss" in text
    assert "next poll: 2025-05-12 12:10 UTC" in text
    assert "last success: never" in text
    assert "warning:" not in text


def test_without_a_bridge_x_sources_are_unconfigured_and_the_advice_is_given_once(db) -> None:
    many = [
        *ACCOUNTS,
        Account("kallas", "Kaja Kallas", "", "EU", ("en",), (SourceSpec(SourceKind.X, "kajakallas"),)),
    ]
    sync_watchlist(db, many, now=NOW - timedelta(hours=1))
    for source in list_source_rows(db):
        if source.kind == "x":  # an earlier poll tried it and stored the resolver's advice as its error
            record_failure(db, source.id, now=NOW, error="x source needs an RSS bridge: set …", next_poll_at=NOW)
    text = describe_sources(list_source_rows(db), many, NOW, POLL, settings=load_settings({}, env_file=None))

    lines = text.splitlines()
    assert lines[0] == "3 accounts, 4 sources: 2 pending, 2 unconfigured"
    assert lines[1] == (
        "warning: 2 of 3 accounts have only X sources and LADDERWATCH_X_BRIDGE is not set: "
        "nothing is read from them (rubio, kallas); 2 X sources in all are not read"
    )
    assert lines[2].startswith("to fix: X accounts are read through an RSS bridge: set LADDERWATCH_X_BRIDGE")
    assert text.count("LADDERWATCH_X_BRIDGE to a URL template") == 1
    assert "  - x SecRubio: unconfigured (LADDERWATCH_X_BRIDGE is not set; see above)" in text
    assert "needs an RSS bridge" not in text


def test_coverage_warning_counts_x_sources_of_accounts_that_have_other_sources_too() -> None:
    mixed = [
        Account("rubio", "Marco Rubio", "", "US", (), (SourceSpec(SourceKind.X, "SecRubio"),
                                                       SourceSpec(SourceKind.RSS, "https://state.example/feed"))),
    ]
    settings = load_settings({}, env_file=None)
    assert coverage_warning(mixed, settings) == "1 X source is not read because LADDERWATCH_X_BRIDGE is not set"
    bridged = load_settings({"LADDERWATCH_X_BRIDGE": "https://nitter.example/{handle}/rss"}, env_file=None)
    assert coverage_warning(mixed, bridged) is None
    assert unconfigured_reason("telegram", settings) is None


def test_a_source_fetched_a_second_ago_with_an_empty_feed_is_empty_not_stale(db) -> None:
    sync_watchlist(db, ACCOUNTS[1:], now=NOW)
    source = list_source_rows(db)[0]
    record_success(
        db, source.id, now=NOW, url="https://x.example/feed", etag=None, last_modified=None,
        next_poll_at=NOW + timedelta(seconds=POLL), newest_item_at=None, new_items=0,
    )
    [stored] = [r for r in list_source_rows(db) if r.id == source.id]
    assert source_state(stored, NOW + timedelta(seconds=1), POLL) == "empty"


def test_a_first_fetch_of_old_items_is_not_stale_until_the_source_was_watched_long_enough(db) -> None:
    sync_watchlist(db, ACCOUNTS[1:], now=NOW)
    source = list_source_rows(db)[0]
    record_success(
        db, source.id, now=NOW, url="https://x.example/feed", etag=None, last_modified=None,
        next_poll_at=NOW + timedelta(seconds=POLL), newest_item_at=NOW - timedelta(days=30), new_items=4,
    )
    [stored] = [r for r in list_source_rows(db) if r.id == source.id]
    assert source_state(stored, NOW + timedelta(seconds=1), POLL) == "ok"
    assert source_state(stored, NOW + stale_after(POLL) + timedelta(seconds=1), POLL) == "stale"


def test_describe_sources_without_settings_shows_unresolved_sources_plainly(db) -> None:
    sync_watchlist(db, ACCOUNTS, now=NOW)
    text = describe_sources(list_source_rows(db), ACCOUNTS, NOW, POLL)
    assert "url: not resolved yet" in text and "next poll: due now" in text


def test_a_feed_of_undated_items_is_not_listed_as_newest_item_never(ladderwatch_env, feed_server, capsys):
    from bot.cli import main

    feed_server.set(
        "/undated.xml",
        b"<rss version='2.0'><channel><title>t</title><item><guid>u-1</guid><title>Talks</title>"
        b"<description>The ministers met to discuss trade.</description></item></channel></rss>",
    )
    ladderwatch_env.write_watchlist(
        f"accounts:\n  - id: a\n    name: A\n    sources: [{{rss: '{feed_server.url('/undated.xml')}'}}]\n"
    )
    assert main(["poll", "--once"]) == 0
    capsys.readouterr()
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert "newest item: never" not in out and "newest item: undated (items read, the last new one at" in out


def test_a_switched_off_source_shows_its_last_error_and_how_to_bring_it_back():
    disabled = row(kind="rss", handle="https://a.example/feed", disabled=True, consecutive_errors=40,
                   last_error="HTTP 410 Gone", last_fetch_at=NOW - timedelta(days=3))
    text = describe_sources([disabled], [Account("rubio", "Marco Rubio", sources=())], NOW, POLL)
    assert "disabled" in text and "error (40x): HTTP 410 Gone" in text
    assert "switched off after failing for days: an admin brings it back with /watch enable rubio" in text
