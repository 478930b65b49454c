"""Hostile servers and inputs beyond issue 9's list, each polled beside a good feed.

Where `hostile.py` holds the inputs that once crashed `poll --once`, this catalogue is the
red-team pass: peers that never answer, trickle, reset, bomb, redirect in circles or to
`file:`, break HTTP, lie about their charset, or serve JSON Feed, an HTML error page,
100,000 items or a megabyte in one item. Every peer is a real loopback server
(`tests/faults/raw_server.py` or the feed server). Each case says what must hold: the
source failing with a reason an operator can act on and backed off, or read correctly.
`tests/faults/test_hostile_servers.py` runs the catalogue; `tests/faults/figures.py`
counts it, and `tests/faults/soak.py` runs all of it at once under `ladderwatch run`.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from tests.faults.hostile import GOOD_FEED, Outcome, all_of, fails_with, item, poll_beside_good_feed, rss, stores
from tests.faults.raw_server import (
    RawServer,
    answer,
    deflate_bomb,
    endless_chunked,
    gzip_bomb,
    head,
    reset_mid_body,
    sends,
    silent,
    trickle,
)
from tests.support.feed_server import FeedServer

HTML = "text/html; charset=utf-8"
# A source line for the watchlist ("rss: URL") and the settings it needs, once started.
Started = tuple[str, dict[str, str]]


@dataclass(frozen=True)
class ServerCase:
    """One hostile peer: how to start it (beside the feed server) and what must hold after."""

    name: str
    start: Callable[[ExitStack, FeedServer], Started]
    check: Callable[[Outcome], None]
    slow: bool = False  # ends in the fetch timeout, so it takes that long
    polls: int = 1  # polled this many times in a row (validators are sent from the second)
    tags: tuple[str, ...] = field(default_factory=tuple)


def raw(behaviour: Callable, *, path: str = "/feed", host: str | None = None, scheme: str = "http") -> Callable:
    """Start a RawServer with `behaviour` (on the feed server's host unless `host` is given)
    and watch its URL as an rss source."""

    def start(stack: ExitStack, feeds: FeedServer) -> Started:
        server = stack.enter_context(RawServer(behaviour, host=host or feeds.host))
        return f"rss: {server.url(path, scheme=scheme)}", {}

    return start


def on_feed_server(path: str, setup: Callable[[FeedServer], None], *, scheme: str = "http") -> Callable:
    """Configure routes of the feed server and watch `path` on it."""

    def start(stack: ExitStack, feeds: FeedServer) -> Started:
        setup(feeds)
        return f"rss: {feeds.url(path).replace('http://', scheme + '://', 1)}", {}

    return start


def bridge(kind: str, handle: str, setting: str, template: str, behaviour: Callable) -> Callable:
    """A bridge (X or Telegram) on a RawServer: the source is `kind: handle`."""

    def start(stack: ExitStack, feeds: FeedServer) -> Started:
        server = stack.enter_context(RawServer(behaviour, host=feeds.host))
        return f"{kind}: {handle}", {setting: server.url(template)}

    return start


def run_server_case(case: ServerCase, feeds: FeedServer, folder: Path, *, in_process: bool = True) -> Outcome:
    """Start the case's peer, then `ladderwatch poll --once` (`case.polls` times) beside the good feed."""
    with ExitStack() as stack:
        source, env = case.start(stack, feeds)
        for _ in range(case.polls):
            outcome = poll_beside_good_feed(feeds, folder, source, env, in_process=in_process)
    return outcome


# --- inputs ------------------------------------------------------------------------------------

TALKS = rss(item("We held talks with our partners today.", guid="talks-1"))
TECHNICAL_DIFFICULTIES = (
    b"<!DOCTYPE html><html><head><title>Technical Difficulties</title></head><body>"
    b"<h1>We are experiencing technical difficulties</h1><p>Please try again later.</p></body></html>"
)


def big_html() -> bytes:
    return b"<!DOCTYPE html><html><body>" + b"<div><p>a b c</p><a href='/x'>l</a></div>" * 110_000 + b"</body></html>"


JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Ministry",
        "items": [
            {
                "id": "j1",
                "url": "https://mfa.example/j1",
                "title": "Talks",
                "content_text": "We held talks with our partners today.",
                "date_published": "2025-05-10T12:00:00Z",
                "authors": [{"name": "Press office"}],
            },
            {"id": 2, "content_html": "<p>A second <b>statement</b>.</p>", "url": "javascript:alert(1)"},
            {"id": "no-text"},
            "not an item",
        ],
    }
).encode()


def many_items(count: int) -> bytes:
    return rss("".join(f"<item><title>t{n}</title></item>" for n in range(count)))


def nested(depth: int) -> bytes:
    words = f"{'<x>' * depth}words{'</x>' * depth}"
    return rss(f"<item><guid>deep</guid><title>Deep</title><description>{words}</description></item>")


def channel_page(*views: str, padding: int = 0) -> bytes:
    posts = "".join(
        f'<div class="tgme_widget_message" data-post="chan/{n}" data-view="{view}">'
        f'<div class="tgme_widget_message_text">Post {n}: we held talks.</div></div>'
        for n, view in enumerate(views, 1)
    )
    return f"<html><body>{posts}{'<!-- pad -->' * padding}</body></html>".encode()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


NITTER_VARIANTS = rss(
    "<item><title>RT by @someone: a repost</title><link>https://nitter.example/other/status/1</link></item>"
    "<item><description>No link, no guid, no title, no author.</description></item>"
    "<item><title>Odd link</title><link>https://x.com/status/</link><dc:creator></dc:creator></item>"
    "<item><guid>only-a-guid</guid></item>",
).replace(b"<rss ", b'<rss xmlns:dc="http://purl.org/dc/elements/1.1/" ')


# --- expectations ------------------------------------------------------------------------------


def _json_feed_read(outcome: Outcome) -> None:
    first, second = outcome.statements
    assert (first.title, first.text, first.url) == (
        "Talks",
        "We held talks with our partners today.",
        "https://mfa.example/j1",
    )
    assert not first.published_estimated
    assert second.text == "A second statement." and second.url is None


def _newest_thousand(outcome: Outcome) -> None:
    assert "has 2500 items, more than any feed needs; only the 1000 newest are read" in outcome.err


def _text_kept_whole(outcome: Outcome) -> None:
    [statement] = outcome.statements
    assert len(statement.text) > 1_000_000


def _etag_not_replayed(outcome: Outcome) -> None:
    source = outcome.source
    assert source is not None and source.etag is None and source.last_modified is None


def _sample(text: str) -> Callable[[Outcome], None]:
    def check(outcome: Outcome) -> None:
        assert any(text in s.text for s in outcome.statements), [s.text for s in outcome.statements]

    return check


CASES: tuple[ServerCase, ...] = (
    # --- peers that stall: the whole fetch is bounded in time, not each read
    ServerCase(
        "accepts the connection and never answers",
        raw(silent()),
        fails_with("no complete answer", kind="timeout"),
        slow=True,
    ),
    ServerCase(
        "headers, then the body a byte per second (slowloris)",
        raw(trickle(head(200, {"Content-Type": "application/rss+xml"}), interval=1.0)),
        fails_with("no complete answer", kind="timeout"),
        slow=True,
    ),
    ServerCase(
        "the status line, then a header line every half second",
        raw(trickle(b"HTTP/1.1 200 OK\r\n", interval=0.5, byte=b"X-Slow: 1\r\n")),
        fails_with("no complete answer", kind="timeout"),
        slow=True,
    ),
    # --- peers that flood: size is capped after decompression, each layer inflated with a cap
    ServerCase("an endless chunked body", raw(endless_chunked()), fails_with("5,000,000-byte cap", kind="too_large")),
    ServerCase(
        "gzip bomb: 300 MB of zeros in 290 KB",
        raw(sends(lambda: answer(200, gzip_bomb(300_000_000), {"Content-Encoding": "gzip"}))),
        fails_with("once decompressed", kind="too_large"),
    ),
    ServerCase(
        "gzip inside gzip: 300 MB in 640 bytes",
        raw(sends(lambda: answer(200, gzip_bomb(300_000_000, layers=2), {"Content-Encoding": "gzip, gzip"}))),
        fails_with("once decompressed", kind="too_large"),
    ),
    ServerCase(
        "deflate bomb: 100 MB of zeros in 100 KB",
        raw(sends(lambda: answer(200, deflate_bomb(100_000_000), {"Content-Encoding": "deflate"}))),
        fails_with("once decompressed", kind="too_large"),
    ),
    ServerCase(
        "raw deflate without its zlib header is still read",
        raw(sends(answer(200, zlib.compress(TALKS)[2:-4], {"Content-Encoding": "deflate"}))),
        stores(1),
    ),
    ServerCase(
        "Content-Encoding br, which we never asked for",
        raw(sends(answer(200, b"\x0b\x02\x80hello\x03", {"Content-Encoding": "br"}))),
        fails_with("Content-Encoding br", kind="network"),
    ),
    ServerCase(
        "gzip that is not gzip",
        raw(sends(answer(200, b"this is not gzip at all", {"Content-Encoding": "gzip"}))),
        fails_with("could not be decoded", kind="network"),
    ),
    # --- redirects
    ServerCase(
        "a redirect loop",
        on_feed_server("/loop", lambda feeds: feeds.redirect("/loop", "/loop")),
        fails_with("more than 5 redirects", kind="too_many_redirects"),
    ),
    ServerCase(
        "a redirect to file:///etc/passwd",
        on_feed_server("/to-file", lambda feeds: feeds.redirect("/to-file", "file:///etc/passwd")),
        fails_with("scheme 'file' is not allowed", kind="bad_url"),
    ),
    ServerCase(
        "a redirect to ftp:",
        on_feed_server("/to-ftp", lambda feeds: feeds.redirect("/to-ftp", "ftp://127.0.0.1/feed.xml")),
        fails_with("scheme 'ftp' is not allowed", kind="bad_url"),
    ),
    ServerCase(
        "a 301 chain that switches to https on a plain-HTTP port",
        on_feed_server(
            "/old",
            lambda feeds: (
                feeds.redirect("/old", "/older", status=301),
                feeds.redirect("/older", feeds.url("/good.xml").replace("http:", "https:"), status=301),
            ),
        ),
        fails_with("TLS handshake failed", kind="network"),
    ),
    ServerCase(
        "https:// to a port that speaks plain HTTP",
        on_feed_server("/good.xml", lambda feeds: None, scheme="https"),
        fails_with("TLS handshake failed", "scheme and port", kind="network"),
    ),
    ServerCase(
        "a 301 with a 100,000-character Location",
        on_feed_server("/long", lambda feeds: feeds.redirect("/long", "/good.xml?" + "a" * 100_000)),
        fails_with("broke the HTTP protocol", kind="network"),
    ),
    # --- broken HTTP
    ServerCase(
        "a header line without a colon",
        raw(sends(b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n" + GOOD_FEED)),
        fails_with("broke the HTTP protocol", kind="network"),
    ),
    ServerCase(
        "two different Content-Length headers",
        raw(sends(head(200, [("Content-Length", "10"), ("Content-Length", "20")]) + GOOD_FEED)),
        fails_with("conflicting Content-Length", kind="network"),
    ),
    ServerCase(
        "a 200 KB header",
        raw(sends(answer(200, GOOD_FEED, {"X-Big": "a" * 200_000}))),
        fails_with("broke the HTTP protocol", kind="network"),
    ),
    ServerCase(
        "100 Continue, then hanging up",
        raw(sends(b"HTTP/1.1 100 Continue\r\n\r\n")),
        fails_with("broke the HTTP protocol", kind="network"),
    ),
    ServerCase(
        "the connection reset mid-body",
        raw(reset_mid_body(GOOD_FEED, sent=50)),
        fails_with("cut mid-answer", kind="network"),
    ),
    ServerCase(
        "closing right after the headers",
        raw(sends(head(200, {"Content-Length": "1000"}))),
        fails_with("peer closed connection", kind="network"),
    ),
    ServerCase("status 999", raw(sends(answer(999, b"?"))), fails_with("HTTP 999", kind="http_status")),
    ServerCase(
        "a non-ASCII ETag and Last-Modified, polled twice",
        raw(sends(answer(200, TALKS, {"ETag": '"\xe9t\xe9"', "Last-Modified": "Sat, 10 May 2025 12:00:00 GMT \xff"}))),
        all_of(stores(1), _etag_not_replayed),
        polls=2,
    ),
    # --- addresses
    ServerCase("an IPv6 literal URL", raw(sends(answer(200, TALKS)), host="::1"), stores(1)),
    ServerCase(
        "a host name that does not resolve (.invalid)",
        lambda stack, feeds: ("rss: http://feeds.example.invalid/rss", {}),
        fails_with("does not resolve", kind="network"),
    ),
    ServerCase(
        "a Mastodon handle on an instance that does not resolve",
        lambda stack, feeds: ("mastodon: '@press@mastodon.example.invalid'", {}),
        fails_with("does not resolve", kind="network"),
    ),
    # --- what the body says it is, and what it is
    ServerCase(
        "Content-Type says charset=utf-16, the feed is UTF-8",
        raw(
            sends(
                answer(
                    200, rss(item("Caffè talks, é à ü.", guid="c1")), content_type="application/rss+xml; charset=utf-16"
                )
            )
        ),
        all_of(stores(1), _sample("Caffè talks, é à ü.")),
    ),
    ServerCase(
        "Content-Type names a charset that does not exist",
        raw(
            sends(
                answer(
                    200, rss(item("Caffè talks.", guid="c1")), content_type="application/rss+xml; charset=x-no-such-42"
                )
            )
        ),
        all_of(stores(1), _sample("Caffè talks.")),
    ),
    ServerCase(
        "UTF-16 without a BOM",
        raw(
            sends(
                answer(
                    200, TALKS.decode().replace("utf-8", "utf-16").encode("utf-16-le"), content_type="application/xml"
                )
            )
        ),
        all_of(stores(1), _sample("We held talks")),
    ),
    ServerCase(
        "UTF-32 without a BOM",
        raw(
            sends(
                answer(
                    200, TALKS.decode().replace("utf-8", "utf-32").encode("utf-32-be"), content_type="application/xml"
                )
            )
        ),
        all_of(stores(1), _sample("We held talks")),
    ),
    ServerCase(
        "an HTML 'Technical Difficulties' page with 200",
        raw(sends(answer(200, TECHNICAL_DIFFICULTIES, content_type=HTML))),
        fails_with("got an HTML page", kind="parse"),
    ),
    ServerCase(
        "a 4.5 MB HTML page with 200",
        raw(sends(lambda: answer(200, big_html(), content_type=HTML))),
        fails_with("got an HTML page", kind="parse"),
    ),
    ServerCase(
        "a JSON Feed",
        raw(sends(answer(200, JSON_FEED, content_type="application/feed+json"))),
        all_of(stores(2), _json_feed_read),
    ),
    ServerCase(
        "JSON that is no feed (an API error)",
        raw(sends(answer(200, b'{"error": "rate limited"}', content_type="application/json"))),
        fails_with("not a JSON Feed", kind="parse"),
    ),
    ServerCase(
        "JSON nested 100,000 deep",
        raw(sends(answer(200, b"{" + b'"a":[' * 100_000, content_type="application/json"))),
        fails_with("the JSON does not parse", kind="parse"),
    ),
    # --- size and shape of the items
    ServerCase(
        "2,500 tiny items", raw(sends(lambda: answer(200, many_items(2_500)))), all_of(stores(1_000), _newest_thousand)
    ),
    ServerCase(
        "140,000 tiny items in 4.8 MB",
        raw(sends(lambda: answer(200, many_items(140_000)))),
        fails_with("tags", kind="parse"),
    ),
    ServerCase(
        "one item of 1 MB of text",
        raw(sends(answer(200, rss(item("attack talks ceasefire war " * 40_000, guid="big"))))),
        all_of(stores(1), _text_kept_whole),
    ),
    ServerCase("XML nested 20,000 deep in an item", raw(sends(lambda: answer(200, nested(20_000)))), stores(1)),
    ServerCase(
        "XML nested 200,000 deep",
        raw(sends(answer(200, b'<?xml version="1.0"?>' + b"<a>" * 200_000 + b"</a>" * 200_000))),
        fails_with("tags", kind="parse"),
    ),
    # --- platforms
    ServerCase(
        "t.me posts with broken data-view (bad base64, bad UTF-8, JSON nested 400 deep, a list)",
        bridge(
            "telegram",
            "chan",
            "LADDERWATCH_TELEGRAM_BRIDGE",
            "/s/{channel}",
            sends(
                answer(200, channel_page("!!!***", b64(b"\xff\xfe"), b64(b"[" * 400), b64(b"[1]")), content_type=HTML)
            ),
        ),
        stores(4),
    ),
    ServerCase(
        "a t.me page of 1.2 MB",
        bridge(
            "telegram",
            "chan",
            "LADDERWATCH_TELEGRAM_BRIDGE",
            "/s/{channel}",
            sends(answer(200, channel_page("", padding=100_000), content_type=HTML)),
        ),
        fails_with("the channel page is", kind="parse"),
    ),
    ServerCase(
        "a Nitter feed with items missing link, guid, title or author",
        bridge("x", "someone", "LADDERWATCH_X_BRIDGE", "/{handle}/rss", sends(answer(200, NITTER_VARIANTS))),
        stores(3),
    ),
)
