"""FETCH stage against a real loopback HTTP server (tests/support/feed_server.py)."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import socket
import time

import httpx
import pytest

from bot.reader.fetch_errors import FetchError, parse_retry_after
from bot.reader.fetcher import USER_AGENT, Fetcher, is_public_address
from tests.support.feed_server import FeedServer

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
LAST_MODIFIED = "Wed, 07 May 2025 10:00:00 GMT"
PUBLIC_IP = "93.184.216.34"  # a literal, so the safety check needs no DNS


@pytest.fixture
async def fetcher():
    async with Fetcher(allow_private=True, timeout=2.0, connect_timeout=1.0) as fetcher:
        yield fetcher


async def fetch_error(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(url)
    message = str(caught.value)
    assert message.startswith(url) and "\n" not in message
    return caught.value


async def test_first_fetch_returns_body_and_validators_then_304_with_conditional_headers(
    fetcher: Fetcher, feed_server: FeedServer
):
    feed_server.set(
        "/feed.xml",
        FEED,
        etag='"v1"',
        last_modified=LAST_MODIFIED,
        headers={"Cache-Control": "public, max-age=600"},
    )
    first = await fetcher.fetch(feed_server.url("/feed.xml"))
    second = await fetcher.fetch(
        feed_server.url("/feed.xml"), etag=first.etag, last_modified=first.last_modified
    )

    assert (first.status, first.body, first.etag, first.last_modified) == (
        200,
        FEED,
        '"v1"',
        LAST_MODIFIED,
    )
    assert first.content_type.startswith("application/rss+xml")
    assert (second.status, second.body, second.etag) == (304, b"", '"v1"')
    plain, conditional = feed_server.requests
    assert "if-none-match" not in plain.headers
    assert conditional.headers["if-none-match"] == '"v1"'
    assert conditional.headers["if-modified-since"] == LAST_MODIFIED


async def test_changed_feed_is_fetched_again_despite_old_etag(
    fetcher: Fetcher, feed_server: FeedServer
):
    feed_server.set("/feed.xml", FEED + b"<!-- new -->", etag='"v2"')

    result = await fetcher.fetch(feed_server.url("/feed.xml"), etag='"v1"')

    assert (result.status, result.etag) == (200, '"v2"')
    assert result.body.endswith(b"<!-- new -->")


async def test_last_modified_alone_gives_304(fetcher: Fetcher, feed_server: FeedServer):
    feed_server.set("/feed.xml", FEED, last_modified=LAST_MODIFIED)

    result = await fetcher.fetch(feed_server.url("/feed.xml"), last_modified=LAST_MODIFIED)

    assert (result.status, result.body, result.etag) == (304, b"", None)


async def test_304_without_validators_keeps_the_ones_sent():
    transport = httpx.MockTransport(lambda request: httpx.Response(304))
    async with Fetcher(allow_private=False, transport=transport) as fetcher:
        result = await fetcher.fetch(
            f"http://{PUBLIC_IP}/feed.xml", etag='"v1"', last_modified=LAST_MODIFIED
        )

    assert (result.status, result.etag, result.last_modified) == (304, '"v1"', LAST_MODIFIED)


async def test_requests_name_the_bot_and_prefer_feeds(fetcher: Fetcher, feed_server: FeedServer):
    feed_server.set("/feed.xml", FEED)

    await fetcher.fetch(feed_server.url("/feed.xml"))

    headers = feed_server.requests[0].headers
    assert headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("Ladderwatch/")
    assert headers["accept"].startswith("application/rss+xml")


async def test_body_over_the_cap_stops_the_download_early(feed_server: FeedServer):
    feed_server.stream("/huge.xml", 200_000_000)

    async with Fetcher(allow_private=True, max_bytes=1_000_000) as fetcher:
        error = await fetch_error(fetcher, feed_server.url("/huge.xml"))

    assert error.kind == "too_large"
    assert "1,000,000-byte cap" in str(error)
    await asyncio.sleep(0.1)  # let the server notice the hang-up
    assert feed_server.bytes_sent["/huge.xml"] < 50_000_000


async def test_declared_length_over_the_cap_is_refused_before_reading(feed_server: FeedServer):
    feed_server.stream("/huge.xml", 2_000_000, declare_length=True, chunk_interval=0.5)

    async with Fetcher(allow_private=True, max_bytes=1_000_000, timeout=5) as fetcher:
        started = time.monotonic()
        error = await fetch_error(fetcher, feed_server.url("/huge.xml"))

    assert error.kind == "too_large" and "declares 2,000,000 bytes" in str(error)
    assert time.monotonic() - started < 1


async def test_cap_counts_decompressed_bytes(feed_server: FeedServer):
    bomb = gzip.compress(b"\0" * 3_000_000)
    feed_server.set("/bomb.xml", bomb, headers={"Content-Encoding": "gzip"})

    async with Fetcher(allow_private=True, max_bytes=1_000_000) as fetcher:
        error = await fetch_error(fetcher, feed_server.url("/bomb.xml"))

    assert len(bomb) < 1_000_000 and error.kind == "too_large"


async def test_body_exactly_at_the_cap_is_accepted(feed_server: FeedServer):
    feed_server.set("/feed.xml", b"x" * 1000)

    async with Fetcher(allow_private=True, max_bytes=1000) as fetcher:
        result = await fetcher.fetch(feed_server.url("/feed.xml"))

    assert len(result.body) == 1000


async def test_slow_drip_hits_the_total_timeout(feed_server: FeedServer):
    feed_server.stream("/drip.xml", 10_000, chunk_interval=0.05)

    async with Fetcher(allow_private=True, timeout=0.5) as fetcher:
        started = time.monotonic()
        error = await fetch_error(fetcher, feed_server.url("/drip.xml"))

    assert error.kind == "timeout" and "within 0.5 s" in str(error)
    assert time.monotonic() - started < 2


async def test_server_that_never_answers_times_out(feed_server: FeedServer):
    feed_server.set("/slow.xml", FEED, delay=10)

    async with Fetcher(allow_private=True, timeout=0.3) as fetcher:
        started = time.monotonic()
        error = await fetch_error(fetcher, feed_server.url("/slow.xml"))

    assert error.kind == "timeout"
    assert time.monotonic() - started < 2


async def test_five_redirects_are_followed(fetcher: Fetcher, feed_server: FeedServer):
    for hop in range(5):
        feed_server.redirect(f"/r{hop}", f"/r{hop + 1}", status=301 if hop % 2 else 302)
    feed_server.set("/r5", FEED)

    result = await fetcher.fetch(feed_server.url("/r0"))

    assert (result.status, result.body, result.url) == (200, FEED, feed_server.url("/r5"))


async def test_six_redirects_are_too_many(fetcher: Fetcher, feed_server: FeedServer):
    for hop in range(6):
        feed_server.redirect(f"/r{hop}", f"/r{hop + 1}")
    feed_server.set("/r6", FEED)

    error = await fetch_error(fetcher, feed_server.url("/r0"))

    assert error.kind == "too_many_redirects"
    assert feed_server.hits("/r6") == 0


async def test_conditional_headers_follow_redirects(fetcher: Fetcher, feed_server: FeedServer):
    feed_server.redirect("/old.xml", feed_server.url("/feed.xml"), status=308)
    feed_server.set("/feed.xml", FEED, etag='"v1"')

    result = await fetcher.fetch(feed_server.url("/old.xml"), etag='"v1"')

    assert (result.status, result.url) == (304, feed_server.url("/feed.xml"))


async def test_loopback_server_is_refused_without_allow_private(feed_server: FeedServer):
    feed_server.set("/feed.xml", FEED)

    async with Fetcher(allow_private=False) as fetcher:
        error = await fetch_error(fetcher, feed_server.url("/feed.xml"))

    assert error.kind == "unsafe_url"
    assert "LADDERWATCH_ALLOW_PRIVATE_URLS=1" in str(error)
    assert feed_server.requests == []


@pytest.mark.parametrize("host", ["localhost", "2130706433", "[::1]", "[::ffff:127.0.0.1]"])
async def test_disguised_loopback_hosts_are_refused(host: str, feed_server: FeedServer):
    async with Fetcher(allow_private=False) as fetcher:
        error = await fetch_error(fetcher, f"http://{host}:{feed_server.port}/feed.xml")

    assert error.kind == "unsafe_url"
    assert feed_server.requests == []


async def test_redirect_from_public_host_to_loopback_is_refused(feed_server: FeedServer):
    feed_server.set("/secret", b"internal")

    def public_site(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": feed_server.url("/secret")})

    transport = httpx.MockTransport(public_site)
    async with Fetcher(allow_private=False, transport=transport) as fetcher:
        error = await fetch_error(fetcher, f"http://{PUBLIC_IP}/feed.xml")

    assert error.kind == "unsafe_url"
    assert f"redirected to {feed_server.url('/secret')}: 127.0.0.1 resolves" in str(error)
    assert feed_server.requests == []


async def test_dns_answer_that_turns_private_after_the_check_is_refused_before_sending(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
):
    feed_server.set("/feed.xml", FEED)
    answers = iter([PUBLIC_IP, "127.0.0.1"])

    async def rebinding_dns(host: str, port: int, **kwargs: object) -> list[tuple]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", rebinding_dns)
    async with Fetcher(allow_private=False) as fetcher:
        error = await fetch_error(fetcher, f"http://rebind.test:{feed_server.port}/feed.xml")

    assert error.kind == "unsafe_url" and "127.0.0.1" in str(error)
    assert feed_server.requests == []


@pytest.mark.parametrize(
    "url", ["ftp://example.org/feed", "file:///etc/passwd", "javascript:alert(1)", "http:///feed"]
)
async def test_non_http_or_hostless_urls_are_refused(url: str):
    async with Fetcher(allow_private=True) as fetcher:
        error = await fetch_error(fetcher, url)

    assert error.kind == "bad_url"


async def test_redirect_to_another_scheme_is_refused(fetcher: Fetcher, feed_server: FeedServer):
    feed_server.redirect("/feed.xml", "file:///etc/passwd")

    error = await fetch_error(fetcher, feed_server.url("/feed.xml"))

    assert error.kind == "bad_url" and "use an http:// or https:// URL" in str(error)


async def test_server_error_is_an_http_status_error(fetcher: Fetcher, feed_server: FeedServer):
    feed_server.set("/feed.xml", b"oops", status=500)

    error = await fetch_error(fetcher, feed_server.url("/feed.xml"))

    assert (error.kind, error.status, error.retry_after) == ("http_status", 500, None)
    assert "HTTP 500" in str(error) and "will retry with backoff" in str(error)


async def test_missing_feed_says_to_check_the_watchlist(fetcher: Fetcher, feed_server: FeedServer):
    error = await fetch_error(fetcher, feed_server.url("/nowhere.xml"))

    assert (error.kind, error.status) == ("http_status", 404)
    assert "watchlist" in str(error)


@pytest.mark.parametrize("status", [429, 503, 403])
async def test_backoff_statuses_surface_retry_after(
    status: int, fetcher: Fetcher, feed_server: FeedServer
):
    feed_server.set("/feed.xml", b"slow down", status=status, headers={"Retry-After": "120"})

    error = await fetch_error(fetcher, feed_server.url("/feed.xml"))

    assert (error.kind, error.status, error.retry_after) == ("http_status", status, 120.0)
    assert "retry after 120 s" in str(error)


async def test_garbage_instead_of_http_is_a_network_error(
    fetcher: Fetcher, feed_server: FeedServer
):
    feed_server.garbage("/feed.xml")

    error = await fetch_error(fetcher, feed_server.url("/feed.xml"))

    assert error.kind == "network"


async def test_closed_port_is_a_network_error(fetcher: Fetcher):
    closed = FeedServer()
    port = closed.port
    closed.stop()

    error = await fetch_error(fetcher, f"http://127.0.0.1:{port}/feed.xml")

    assert error.kind == "network"


async def test_requests_per_host_are_bounded(feed_server: FeedServer):
    feed_server.set("/feed.xml", FEED, delay=0.2)

    async with Fetcher(allow_private=True, per_host=2, max_connections=8) as fetcher:
        results = await asyncio.gather(
            *(fetcher.fetch(feed_server.url("/feed.xml")) for _ in range(6))
        )

    assert [result.status for result in results] == [200] * 6
    assert feed_server.max_in_flight == 2


async def test_requests_overall_are_bounded(feed_server: FeedServer):
    feed_server.set("/feed.xml", FEED, delay=0.2)

    async with Fetcher(allow_private=True, per_host=10, max_connections=3) as fetcher:
        await asyncio.gather(*(fetcher.fetch(feed_server.url("/feed.xml")) for _ in range(7)))

    assert feed_server.max_in_flight == 3


async def test_queue_time_does_not_count_against_the_timeout(feed_server: FeedServer):
    feed_server.set("/feed.xml", FEED, delay=0.15)

    async with Fetcher(allow_private=True, per_host=1, timeout=0.5) as fetcher:
        results = await asyncio.gather(
            *(fetcher.fetch(feed_server.url("/feed.xml")) for _ in range(5))
        )

    assert len(results) == 5


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
        "64:ff9b::a00:1",
    ],
)
def test_non_public_addresses_are_recognised(address: str):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", [PUBLIC_IP, "2606:2800:220:1:248:1893:25c8:1946", "1.1.1.1"])
def test_public_addresses_are_allowed(address: str):
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_dates(value: str | None, expected: float | None):
    assert parse_retry_after(value) == expected


def test_retry_after_date_in_the_future_gives_the_wait():
    moment = time.time() + 90
    value = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(moment))

    assert 85 <= parse_retry_after(value) <= 91
