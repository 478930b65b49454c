"""A feed server for tests: a real HTTP server on 127.0.0.1 with routes a test can change.

Each route is a path (with its query string, or without it as a fallback) mapped to a
`Route`. The server answers conditional GETs with 304 when the route has an ETag or a
Last-Modified date, records every request, and counts how many it is serving at once.
Routes can also redirect, wait before answering, drip or stream a huge body, or write
raw bytes that are not HTTP at all.

    with FeedServer() as server:
        server.set("/feed.xml", b"<rss/>", etag='"v1"')
        server.redirect("/old", "/feed.xml")
        url = server.url("/old")
        ...
        assert server.requests[-1].headers["if-none-match"] == '"v1"'

In tests use the `feed_server` fixture from tests/conftest.py.
"""

from __future__ import annotations

import email.utils
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

RSS_TYPE = "application/rss+xml; charset=utf-8"


@dataclass(frozen=True)
class Route:
    """How the server answers one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0  # seconds to wait before the status line
    filler_bytes: int = 0  # stream this many b"x" after `body`, chunk by chunk
    chunk_interval: float = 0.0  # seconds between chunks of the body
    chunk_size: int = 65_536
    declare_length: bool = True  # send Content-Length (False: the close ends the body)
    raw: bytes | None = None  # written as is instead of an HTTP answer


@dataclass(frozen=True)
class SeenRequest:
    """One request as received; header names are lower-case."""

    path: str
    headers: dict[str, str]


class FeedServer:
    """Threaded HTTP server on a free loopback port; start with `with` or `start()`.

    `host` may be any loopback address (127.0.0.2, …): to the bot each is another host.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[SeenRequest] = []
        self.max_in_flight = 0
        self.bytes_sent: dict[str, int] = {}
        self._in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer((host, 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def set(
        self,
        path: str,
        body: bytes = b"",
        *,
        status: int = 200,
        content_type: str = RSS_TYPE,
        headers: dict[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        delay: float = 0.0,
    ) -> None:
        """Serve `body` at `path` (replacing whatever was there)."""
        all_headers = {"Content-Type": content_type, **(headers or {})}
        self.routes[path] = Route(
            body, status, all_headers, etag=etag, last_modified=last_modified, delay=delay
        )

    def redirect(self, path: str, to: str, *, status: int = 302) -> None:
        """Answer `path` with a redirect to `to` (a path on this server or any URL)."""
        self.routes[path] = Route(status=status, headers={"Location": to})

    def stream(
        self,
        path: str,
        size: int,
        *,
        chunk_interval: float = 0.0,
        declare_length: bool = False,
        content_type: str = RSS_TYPE,
    ) -> None:
        """Serve `size` bytes in chunks, optionally slowly; `bytes_sent[path]` tells how far."""
        self.routes[path] = Route(
            headers={"Content-Type": content_type},
            filler_bytes=size,
            chunk_interval=chunk_interval,
            chunk_size=1 if chunk_interval else 65_536,
            declare_length=declare_length,
        )

    def garbage(self, path: str, raw: bytes = b"\x00\xffnot http at all\r\n\r\n") -> None:
        """Answer `path` with bytes that are not an HTTP response, then hang up."""
        self.routes[path] = Route(raw=raw)

    def hits(self, path: str) -> int:
        return sum(1 for request in self.requests if request.path == path)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; slow routes wake up and give up instead of holding threads."""
        self._stopping.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _route_for(self, path: str) -> Route | None:
        return self.routes.get(path) or self.routes.get(urlsplit(path).path)

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _count_sent(self, path: str, size: int) -> None:
        with self._lock:
            self.bytes_sent[path] = self.bytes_sent.get(path, 0) + size


def is_not_modified(route: Route, headers: dict[str, str]) -> bool:
    """RFC 9110 13.1: If-None-Match wins over If-Modified-Since when both are sent."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if route.etag is None:
            return False
        wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in wanted or route.etag.removeprefix("W/") in wanted
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is None or route.last_modified is None:
        return False
    try:
        changed = email.utils.parsedate_to_datetime(route.last_modified)
        since = email.utils.parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return if_modified_since == route.last_modified
    return changed <= since


def _handler_for(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen = SeenRequest(self.path, {k.lower(): v for k, v in self.headers.items()})
            server.requests.append(seen)
            server._enter()
            try:
                self._answer(seen)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up, as fetchers with caps and timeouts do
            finally:
                server._leave()

        def _answer(self, seen: SeenRequest) -> None:
            route = server._route_for(seen.path)
            if route is None:
                route = Route(b"no route for this path\n", 404, {"Content-Type": "text/plain"})
            if route.delay and server._stopping.wait(route.delay):
                return
            if route.raw is not None:
                self.wfile.write(route.raw)
                self.close_connection = True
                return
            validators = {"ETag": route.etag, "Last-Modified": route.last_modified}
            if is_not_modified(route, seen.headers):
                self.send_response(304)
                self._send_headers(route.headers | validators, skip=frozenset({"content-type"}))
                self.end_headers()
                return
            self.send_response(route.status)
            size = len(route.body) + route.filler_bytes
            length = {"Content-Length": str(size)} if route.declare_length else {}
            self._send_headers(route.headers | validators | length)
            self.end_headers()
            self._send_body(seen.path, route)

        def _send_headers(
            self, headers: dict[str, str | None], skip: frozenset[str] = frozenset()
        ) -> None:
            for name, value in headers.items():
                if value is not None and name.lower() not in skip:
                    self.send_header(name, value)

        def _send_body(self, path: str, route: Route) -> None:
            self.wfile.write(route.body)
            server._count_sent(path, len(route.body))
            left = route.filler_bytes
            while left > 0:
                if route.chunk_interval and server._stopping.wait(route.chunk_interval):
                    return
                chunk = b"x" * min(route.chunk_size, left)
                self.wfile.write(chunk)
                self.wfile.flush()
                server._count_sent(path, len(chunk))
                left -= len(chunk)

        def log_message(self, format: str, *args: object) -> None:
            """Keep pytest output clean."""

    return Handler
