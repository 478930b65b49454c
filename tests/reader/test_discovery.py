"""Feed discovery on an HTML page served from loopback."""

from __future__ import annotations

from pathlib import Path

from bot.reader.discovery import find_feed_links
from bot.reader.fetcher import Fetcher
from tests.support.feed_server import FeedServer

PAGE = Path("tests/data/reader/page_with_feed_link.html").read_bytes()


async def test_page_fetched_from_loopback_advertises_rss_and_atom_in_order(
    feed_server: FeedServer,
) -> None:
    feed_server.set("/it/sala-stampa/", PAGE, content_type="text/html; charset=utf-8")
    async with Fetcher(allow_private=True, timeout=5.0) as fetcher:
        result = await fetcher.fetch(feed_server.url("/it/sala-stampa/"))

    assert find_feed_links(result.body, result.url) == [
        feed_server.url("/it/comunicati/feed/"),
        "https://feeds.example.org/notizie.atom",
    ]


def test_base_href_and_type_parameters_are_honoured() -> None:
    html = (
        b'<html><head><base href="https://site.example/en/">'
        b'<link rel="ALTERNATE" type="application/rss+xml; charset=utf-8" href="feed.xml">'
        b'<link rel="alternate" type="text/html" href="other.html"></head></html>'
    )
    assert find_feed_links(html, "https://mirror.example/") == ["https://site.example/en/feed.xml"]


def test_page_without_feeds_gives_nothing() -> None:
    assert find_feed_links(b"<html><head><title>x</title></head></html>", "https://a.example/") == []
    assert find_feed_links(b"", "https://a.example/") == []
