"""A loopback feed farm for the benchmarks, run as its own process (`python -m benchmarks.feeds`).

N RSS feeds of E items each, spread over 16 loopback addresses (127.0.0.2–127.0.0.17)
so the fetcher's per-host limit sees many hosts, as it would on the internet. Items are
real statements from the classifier's development set, each with a unique reference so
no cache can answer twice. Every feed has an ETag: an unchanged feed answers 304.

Control paths (any host): `/_publish?feed=I` adds one new item to feed I and answers the
wall-clock time it was published; `/_stats` answers JSON counts of 200 and 304 answers;
`/_reset` zeroes them. It serves in its own process so that its work never competes with
the bot's event loop for the GIL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "tests" / "data" / "classify" / "dev"
HOSTS = [f"127.0.0.{n}" for n in range(2, 18)]
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def load_texts() -> list[str]:
    texts = []
    for path in sorted(DEV.glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines() if line.strip()]
    return texts


def feed_url(port: int, feed: int) -> str:
    return f"http://{HOSTS[feed % len(HOSTS)]}:{port}/feed/{feed}.xml"


class Farm:
    """The feeds' contents; item n of feed f is text (f * E + n) of the development set."""

    def __init__(self, feeds: int, entries: int) -> None:
        self.texts = load_texts()
        self.entries = entries
        self.extra: dict[int, list[tuple[str, datetime]]] = {}
        self.cache: dict[int, bytes] = {}
        self.stats = {"200": 0, "304": 0, "publish": 0}
        self.feeds = feeds

    def item(self, feed: int, number: int, text: str, when: datetime) -> str:
        guid = f"urn:bench:{feed}:{number}"
        return (
            f"<item><guid>{guid}</guid><title></title><link>https://example.org/{feed}/{number}</link>"
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f"<description>{escape(text)} (ref {feed}-{number})</description></item>"
        )

    def body(self, feed: int) -> bytes:
        if feed not in self.cache:
            items = [
                self.item(
                    feed, n, self.texts[(feed * self.entries + n) % len(self.texts)], EPOCH + timedelta(minutes=n)
                )
                for n in range(self.entries)
            ]
            items += [
                self.item(feed, self.entries + k, text, when) for k, (text, when) in enumerate(self.extra.get(feed, []))
            ]
            xml = (
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Bench feed {feed}</title><link>https://example.org/{feed}</link>"
                + "".join(reversed(items))
                + "</channel></rss>"
            )
            self.cache[feed] = xml.encode()
        return self.cache[feed]

    def etag(self, feed: int) -> str:
        return f'"f{feed}-v{len(self.extra.get(feed, []))}"'

    def publish(self, feed: int) -> float:
        published = time.time()
        number = len(self.extra.get(feed, []))
        text = f"We call for restraint and an immediate ceasefire; bulletin {number} of feed {feed}."
        self.extra.setdefault(feed, []).append((text, datetime.now(UTC)))
        self.cache.pop(feed, None)
        self.stats["publish"] += 1
        return published

    def answer(self, target: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        if parts.path == "/_stats":
            return 200, {"Content-Type": "application/json"}, json.dumps(self.stats).encode()
        if parts.path == "/_reset":
            self.stats.update({"200": 0, "304": 0})
            return 200, {"Content-Type": "text/plain"}, b"ok"
        if parts.path == "/_publish":
            feed = int(parse_qs(parts.query)["feed"][0])
            return 200, {"Content-Type": "text/plain"}, repr(self.publish(feed)).encode()
        name = parts.path.removeprefix("/feed/").removesuffix(".xml")
        if not name.isdigit() or int(name) >= self.feeds:
            return 404, {"Content-Type": "text/plain"}, b"no such feed"
        feed = int(name)
        etag = self.etag(feed)
        if headers.get("if-none-match") == etag:
            self.stats["304"] += 1
            return 304, {"ETag": etag}, b""
        self.stats["200"] += 1
        return 200, {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": etag}, self.body(feed)


REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 400: "Bad Request"}


async def serve_connection(farm: Farm, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """HTTP/1.1 with keep-alive, GET only: all the fetcher needs."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            status, extra, body = farm.answer(target, headers) if method == "GET" else (400, {}, b"")
            out = [f"HTTP/1.1 {status} {REASONS[status]}", f"Content-Length: {len(body)}"]
            out += [f"{k}: {v}" for k, v in extra.items()]
            writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main_async(feeds: int, entries: int, port: int) -> None:
    farm = Farm(feeds, entries)

    def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> object:
        return serve_connection(farm, reader, writer)

    first = await asyncio.start_server(handle, host=HOSTS[0], port=port, backlog=1024)
    port = first.sockets[0].getsockname()[1]  # one port on every address
    others = [await asyncio.start_server(handle, host=host, port=port, backlog=1024) for host in HOSTS[1:]]
    print(port, flush=True)  # the parent reads the port from the first line
    await asyncio.gather(*(server.serve_forever() for server in [first, *others]))


def main() -> None:
    parser = argparse.ArgumentParser(description="loopback feed farm for the benchmarks")
    parser.add_argument("--feeds", type=int, required=True)
    parser.add_argument("--entries", type=int, required=True)
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    try:
        asyncio.run(main_async(arguments.feeds, arguments.entries, arguments.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
