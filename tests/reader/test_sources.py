"""SOURCES stage: every kind of source resolves to the URL and format the fetcher needs."""

from __future__ import annotations

import pytest

from bot.model import SourceKind, SourceSpec
from bot.reader.fetcher import Fetcher
from bot.reader.parser import parse_document
from bot.reader.sources import (
    FEED,
    TELEGRAM_HTML,
    ResolvedSource,
    SourceResolutionError,
    profile_url,
    resolve_source,
)
from bot.settings import Settings, load_settings
from tests.support.feed_server import FeedServer

DATA = "tests/data/reader"


def settings(**env: str) -> Settings:
    return load_settings(env, env_file=None)


def spec(kind: str, handle: str) -> SourceSpec:
    return SourceSpec(SourceKind(kind), handle)


def test_rss_source_is_its_own_url() -> None:
    resolved = resolve_source(spec("rss", "https://www.state.gov/rss-feed/press-releases/feed/"), settings())
    assert resolved == ResolvedSource("https://www.state.gov/rss-feed/press-releases/feed/", FEED)


@pytest.mark.parametrize("handle", ["SecRubio", "@SecRubio"])
def test_x_handle_goes_through_the_bridge_template(handle: str) -> None:
    bridged = settings(LADDERWATCH_X_BRIDGE="https://nitter.example.org/{handle}/rss")
    assert resolve_source(spec("x", handle), bridged) == ResolvedSource("https://nitter.example.org/SecRubio/rss", FEED)


def test_x_without_bridge_says_which_setting_to_set() -> None:
    with pytest.raises(SourceResolutionError, match="set LADDERWATCH_X_BRIDGE") as caught:
        resolve_source(spec("x", "SecRubio"), settings())
    assert "@SecRubio" in str(caught.value) and "{handle}" in str(caught.value)


def test_bluesky_handle_uses_the_profile_rss() -> None:
    resolved = resolve_source(spec("bluesky", "@Ministry.bsky.social"), settings())
    assert resolved == ResolvedSource("https://bsky.app/profile/ministry.bsky.social/rss", FEED)


def test_mastodon_handle_uses_the_instance_account_rss() -> None:
    resolved = resolve_source(spec("mastodon", "@EEAS@social.network.europa.eu"), settings())
    assert resolved == ResolvedSource("https://social.network.europa.eu/@EEAS.rss", FEED)


def test_mastodon_handle_without_instance_is_refused() -> None:
    with pytest.raises(SourceResolutionError, match="@user@instance"):
        resolve_source(spec("mastodon", "@EEAS"), settings())


def test_telegram_defaults_to_the_channel_web_preview() -> None:
    resolved = resolve_source(spec("telegram", "@MID_Russia"), settings())
    assert resolved == ResolvedSource("https://t.me/s/MID_Russia", TELEGRAM_HTML)


def test_telegram_rss_bridge_template_serves_a_feed() -> None:
    bridged = settings(LADDERWATCH_TELEGRAM_BRIDGE="https://rsshub.example.org/telegram/channel/{channel}")
    assert resolve_source(spec("telegram", "MID_Russia"), bridged) == ResolvedSource(
        "https://rsshub.example.org/telegram/channel/MID_Russia", FEED
    )


def test_telegram_preview_mirror_is_recognised_by_its_path() -> None:
    for template in ("http://127.0.0.1:8080/s/{channel}", "https://proxy.example/tg/s/{channel}/"):
        mirrored = settings(LADDERWATCH_TELEGRAM_BRIDGE=template)
        assert resolve_source(spec("telegram", "MID_Russia"), mirrored).fmt == TELEGRAM_HTML


def test_profile_urls_point_at_the_human_pages() -> None:
    assert profile_url(spec("x", "@SecRubio")) == "https://x.com/SecRubio"
    assert profile_url(spec("telegram", "MID_Russia")) == "https://t.me/MID_Russia"
    assert profile_url(spec("mastodon", "@EEAS@social.network.europa.eu")) == ("https://social.network.europa.eu/@EEAS")
    assert profile_url(spec("rss", "https://example.org/feed")) is None


async def fetch_and_parse(resolved: ResolvedSource) -> list:
    async with Fetcher(allow_private=True, timeout=5.0) as fetcher:
        result = await fetcher.fetch(resolved.url)
    return parse_document(result.body, result.content_type, result.url, resolved.fmt)


async def test_bridged_x_and_telegram_sources_are_read_from_loopback(
    feed_server: FeedServer,
) -> None:
    with (
        open(f"{DATA}/nitter_secrubio.xml", "rb") as nitter,
        open(f"{DATA}/tme_s_mid_test.html", "rb") as page,
    ):
        feed_server.set("/SecRubio/rss", nitter.read())
        feed_server.set("/s/mid_test", page.read(), content_type="text/html; charset=utf-8")
    loopback = settings(
        LADDERWATCH_X_BRIDGE=feed_server.url("/{handle}/rss"),
        LADDERWATCH_TELEGRAM_BRIDGE=feed_server.url("/s/{channel}"),
        LADDERWATCH_ALLOW_PRIVATE_URLS="1",
    )

    tweets = await fetch_and_parse(resolve_source(spec("x", "@SecRubio"), loopback))
    posts = await fetch_and_parse(resolve_source(spec("telegram", "mid_test"), loopback))

    assert len(tweets) == 3
    assert tweets[0].url == "http://nitter.test/SecRubio/status/1921000000000000001#m"
    assert [p.url for p in posts] == [f"https://t.me/mid_test/{i}" for i in (1201, 1202, 1203, 1204)]


def test_shipped_watchlist_loads_and_covers_the_crisis_parties() -> None:
    from pathlib import Path

    from bot.watchlist import load_watchlist

    accounts = load_watchlist(Path("config/watchlist.yaml"))
    assert len(accounts) >= 8
    assert {"US", "IN", "PK", "IT"} <= {a.country for a in accounts}
    bridged = settings(LADDERWATCH_X_BRIDGE="https://nitter.example.org/{handle}/rss")
    resolved = [resolve_source(s, bridged) for a in accounts for s in a.sources]
    assert all(r.url.startswith("https://") for r in resolved)
    handles = {s.handle for a in accounts for s in a.sources}
    assert {
        "SecRubio",
        "DrSJaishankar",
        "CMShehbaz",
        "ForeignOfficePk",
        "Antonio_Tajani",
    } <= handles
