"""Watchlist validation: file, line and reason for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.model import SourceKind
from bot.watchlist import WatchlistError, dump_watchlist, load_watchlist, parse_watchlist

GOOD = """accounts:
  - id: tajani
    name: Antonio Tajani
    role: Foreign Minister of Italy
    country: it
    languages: [it]
    sources:
      - rss: https://example.org/feed.xml
      - x: Antonio_Tajani
      - bluesky: handle.bsky.social
      - mastodon: "@user@instance.social"
      - telegram: channelname
"""


def test_a_valid_watchlist_gives_accounts_with_every_kind_of_source():
    [account] = parse_watchlist(GOOD)
    assert account.country == "IT" and account.languages == ("it",)
    assert [s.kind for s in account.sources] == list(SourceKind)


def test_dump_and_parse_round_trip():
    accounts = parse_watchlist(GOOD)
    assert parse_watchlist(dump_watchlist(accounts)) == accounts


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("accounts:\n  - id: a\n    name: A\n    sources:\n      - fax: 123\n", 5, "unknown source kind 'fax'"),
        ("accounts:\n  - id: Not A Slug\n    name: A\n    sources:\n      - x: a_b\n", 2, "lowercase slug"),
        ("accounts:\n  - id: a\n    name: A\n    country: Italy\n    sources:\n      - x: ab\n", 4, "ISO 3166"),
        ("accounts:\n  - id: a\n    name: A\n", 2, "missing 'sources'"),
        ("accounts:\n  - id: a\n    name: A\n    sources:\n      - rss: not-a-url\n", 5, "http(s) URL"),
        (
            "accounts:\n  - id: a\n    name: A\n    sources: [{x: ab}]\n"
            "  - id: a\n    name: B\n    sources: [{x: cd}]\n",
            5,
            "duplicate",
        ),
        ("accounts:\n  - id: a\n    name: [unclosed\n", 4, "not valid YAML"),
        ("accounts:\n  - id: a\n    nmae: A\n    sources: [{x: ab}]\n", 3, "unknown key 'nmae'"),
    ],
)
def test_mistakes_are_reported_with_file_line_and_reason(text, line, reason):
    with pytest.raises(WatchlistError) as error:
        parse_watchlist(text, "config/watchlist.yaml")
    assert error.value.line == line
    assert reason in error.value.reason
    assert str(error.value).startswith(f"config/watchlist.yaml:{line}: ")


def test_a_missing_file_says_which_setting_to_change(tmp_path):
    with pytest.raises(WatchlistError, match="LADDERWATCH_CONFIG"):
        load_watchlist(tmp_path / "watchlist.yaml")


def test_the_shipped_watchlist_is_valid():
    accounts = load_watchlist(Path(__file__).parent.parent / "config" / "watchlist.yaml")
    assert len(accounts) >= 8
    assert {"US", "IN", "PK", "IT"} <= {a.country for a in accounts}


def test_the_shipped_watchlist_reads_india_and_pakistan_without_an_x_bridge():
    accounts = load_watchlist(Path(__file__).parent.parent / "config" / "watchlist.yaml")
    readable = {a.country for a in accounts if any(s.kind.value != "x" for s in a.sources)}
    assert {"IN", "PK", "US", "RU"} <= readable
