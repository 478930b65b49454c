"""Shared test fixtures: a real HTTP server on 127.0.0.1 that serves canned responses.

Tests never touch the internet; peers (feeds, bridges, pages) are this server. Each route
maps a path (with its query string, if any) to a `Reply`, or to a function of the request
that returns one, so a test can answer conditional GETs, count hits or change its mind.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.feed_server import FeedServer
from tests.support.libretranslate import LibreTranslateDouble


@dataclass(frozen=True)
class Reply:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SeenRequest:
    path: str
    headers: dict[str, str]


Route = Reply | Callable[[SeenRequest], Reply]


@dataclass
class StaticServer:
    """What a test sees: the base URL, the routes to fill in, the requests received."""

    url: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)

    def hits(self, path: str) -> int:
        return sum(1 for request in self.requests if request.path == path)


def _handler_for(server: StaticServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen = SeenRequest(self.path, {k.lower(): v for k, v in self.headers.items()})
            server.requests.append(seen)
            route = server.routes.get(self.path)
            if route is None:
                reply = Reply(b"not found", 404, "text/plain")
            else:
                reply = route(seen) if callable(route) else route
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:
            """Keep pytest output clean."""

    return Handler


@pytest.fixture
def static_server() -> Iterator[StaticServer]:
    """A threaded HTTP server on a free loopback port, stopped after the test."""
    state = StaticServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def libretranslate_server() -> Iterator[LibreTranslateDouble]:
    """A LibreTranslate double on a free loopback port (see tests/support/libretranslate.py)."""
    with LibreTranslateDouble() as double:
        yield double


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A feed server on a free loopback port (see tests/support/feed_server.py)."""
    with FeedServer() as server:
        yield server


@dataclass
class LadderwatchEnv:
    """A private configuration for running `ladderwatch` commands in-process."""

    folder: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.folder / 'ladderwatch.sqlite3'}"

    def write_watchlist(self, text: str) -> Path:
        path = self.folder / "config" / "watchlist.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def set(self, **values: str) -> None:
        for name, value in values.items():
            self.monkeypatch.setenv(name, value)


@pytest.fixture
def ladderwatch_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LadderwatchEnv:
    """Settings pointing at a temp database and config folder; no translation, loopback allowed.

    The working folder is the temp folder too, so a developer's `.env` is never read.
    """
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith(("LADDERWATCH_", "TELEGRAM_", "LIBRETRANSLATE_"))]:
        monkeypatch.delenv(name)
    env = LadderwatchEnv(tmp_path, monkeypatch)
    env.set(
        DATABASE_URL=env.database_url,
        LADDERWATCH_CONFIG=str(tmp_path / "config"),
        LADDERWATCH_ALLOW_PRIVATE_URLS="1",
        LADDERWATCH_TRANSLATOR="none",
    )
    return env
