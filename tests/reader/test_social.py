"""Reposts and replies are marked, so they are stored but not alerted as the account's words."""

from __future__ import annotations

from pathlib import Path

from bot.model import FeedEntry, SourceKind, SourceSpec
from bot.reader.parser import parse_document
from bot.reader.social import mark_reposts
from bot.reader.tme import parse_channel_page

DATA = Path("tests/data/reader")


def feed(name: str) -> list[FeedEntry]:
    body = (DATA / name).read_bytes()
    return parse_document(body, "application/rss+xml", f"https://bridge.test/{name}", "feed")


def reposts(entries: list[FeedEntry]) -> list[bool]:
    return [entry.is_repost for entry in entries]


def test_nitter_retweet_and_reply_are_marked_own_post_is_not() -> None:
    marked = mark_reposts(feed("nitter_secrubio.xml"), SourceSpec(SourceKind.X, "@SecRubio"))
    assert reposts(marked) == [False, True, True]
    assert marked[0].text.startswith("Spoke with Pakistani Prime Minister")


def test_real_nitter_item_by_its_owner_is_not_a_repost() -> None:
    entries = feed("nitter_rss_FabrizioRomano_nitter.kylrth.com_2023_el_monitorro.xml")
    assert reposts(mark_reposts(entries, SourceSpec(SourceKind.X, "FabrizioRomano"))) == [False]
    assert reposts(mark_reposts(entries, SourceSpec(SourceKind.X, "SecRubio"))) == [True]


def test_bridge_author_by_display_name_alone_is_not_taken_for_a_repost() -> None:
    entry = FeedEntry(
        text="Statement",
        title="Statement",
        author="Marco Rubio",
        url="https://rsshub.test/x/SecRubio/status/1",
    )
    assert mark_reposts([entry], SourceSpec(SourceKind.X, "SecRubio")) == [entry]
    anonymous_link = FeedEntry(text="Statement", url="https://x.com/i/web/status/1921")
    assert mark_reposts([anonymous_link], SourceSpec(SourceKind.X, "SecRubio")) == [anonymous_link]


def test_mastodon_boost_links_to_another_account() -> None:
    marked = mark_reposts(
        feed("mastodon_profile.rss"), SourceSpec(SourceKind.MASTODON, "@EEAS@social.example.eu")
    )
    assert reposts(marked) == [False, True]


def test_real_mastodon_feed_own_post_is_kept() -> None:
    entries = feed("mastodon_rss_v4.2.10_anonymized_discourse.rss")
    assert reposts(
        mark_reposts(entries, SourceSpec(SourceKind.MASTODON, "@foo@mathstodon.bar"))
    ) == [False]


def test_bluesky_post_from_another_did_is_a_repost() -> None:
    entries = feed("bluesky_profile.rss")
    assert [e.published is not None for e in entries] == [True, True, True]
    marked = mark_reposts(entries, SourceSpec(SourceKind.BLUESKY, "ministry.example.org"))
    assert reposts(marked) == [False, False, True]


def test_bluesky_with_no_clear_owner_marks_nothing() -> None:
    entries = feed("bluesky_profile.rss")[1:]  # one post each from two DIDs
    assert reposts(
        mark_reposts(entries, SourceSpec(SourceKind.BLUESKY, "ministry.example.org"))
    ) == [False, False]


def test_telegram_forward_stays_marked_and_rss_is_untouched() -> None:
    posts = parse_channel_page(
        (DATA / "tme_s_mid_test.html").read_bytes(), "https://t.me/s/mid_test"
    )
    assert reposts(mark_reposts(posts, SourceSpec(SourceKind.TELEGRAM, "mid_test"))) == [
        False,
        False,
        True,
        False,
    ]
    tweets = feed("nitter_secrubio.xml")
    assert mark_reposts(tweets, SourceSpec(SourceKind.RSS, "https://bridge.test/x")) == tweets
