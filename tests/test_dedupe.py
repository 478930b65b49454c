"""Dedupe keys: guid, else link, else text; the same words from two sources share a hash."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.dedupe import content_hash, normalise_text, statement_key, to_statement
from bot.model import FeedEntry


def test_key_falls_back_from_guid_to_link_to_text():
    with_guid = FeedEntry(text="a", guid="g1", url="https://x/1")
    assert statement_key("acc", with_guid) == statement_key("acc", FeedEntry(text="b", guid="g1"))
    assert statement_key("acc", FeedEntry(text="a", url="https://x/1")) != statement_key("acc", with_guid)
    by_text = FeedEntry(text="Same words.", title="T")
    assert statement_key("acc", by_text) == statement_key("acc", FeedEntry(text="same   WORDS", title="t"))


def test_key_is_scoped_to_the_account():
    entry = FeedEntry(text="a", guid="g1")
    assert statement_key("one", entry) != statement_key("two", entry)


def test_content_hash_ignores_case_spacing_punctuation_and_links():
    a = FeedEntry(text="We call for RESTRAINT!  https://t.co/xyz", title="Call")
    b = FeedEntry(text="we call for restraint", title="call")
    assert content_hash(a) == content_hash(b)
    assert normalise_text("Ｆｕｌｌ-width, text") == "full width text"


def test_a_missing_date_becomes_the_fetch_time_and_is_flagged():
    fetched = datetime(2025, 5, 10, tzinfo=UTC)
    statement = to_statement("acc", 1, FeedEntry(text="x"), fetched)
    assert statement.published == fetched and statement.published_estimated


def test_a_bridge_title_that_repeats_the_post_is_dropped_but_a_real_headline_kept():
    fetched = datetime(2025, 5, 10, tzinfo=UTC)
    text = "We call for restraint on all sides"
    repost = to_statement("acc", 1, FeedEntry(text=text, title=f"RT by @owner: {text}"), fetched)
    assert repost.title == ""
    cut = to_statement("acc", 1, FeedEntry(text=text, title="We call for restraint on…"), fetched)
    assert cut.title == ""
    headline = to_statement("acc", 1, FeedEntry(text="A trade delegation visited.", title="Trade delegation"), fetched)
    assert headline.title == "Trade delegation"
