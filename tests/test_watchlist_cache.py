"""A watchlist read twice unchanged is validated once; a changed or broken file is read afresh."""

from __future__ import annotations

import pytest

from bot import watchlist
from bot.watchlist import WatchlistError, load_watchlist

ONE = "accounts:\n  - id: mfa\n    name: Ministry\n    sources:\n      - rss: https://mfa.example/rss\n"


def test_an_unchanged_file_is_parsed_once_and_a_changed_one_again(tmp_path):
    path = tmp_path / "watchlist.yaml"
    path.write_text(ONE, encoding="utf-8")
    first = load_watchlist(path)
    hits = watchlist._parse_once.cache_info().hits
    again = load_watchlist(path)
    assert again == first and again is not first
    assert watchlist._parse_once.cache_info().hits == hits + 1

    path.write_text(ONE.replace("Ministry", "Foreign Ministry"), encoding="utf-8")
    assert [account.name for account in load_watchlist(path)] == ["Foreign Ministry"]


def test_a_broken_file_fails_every_time(tmp_path):
    path = tmp_path / "watchlist.yaml"
    path.write_text(ONE.replace("    name: Ministry\n", ""), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(WatchlistError, match="name"):
            load_watchlist(path)
