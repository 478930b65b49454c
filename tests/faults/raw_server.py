"""A hostile HTTP peer: a real TCP server on loopback that writes whatever bytes a test says.

`tests/support/feed_server.py` speaks correct HTTP; the servers a bot meets in the wild do
not always. Here each connection's request head is read, then a `Behaviour` gets the
socket and may answer nothing, trickle, reset, send broken headers or an endless body.
Every behaviour gives up as soon as the test stops the server, so no thread outlives it.

    with RawServer(trickle(head(200), interval=1.0)) as server:
        url = server.url("/feed")
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import zlib
from collections.abc import Callable
from types import TracebackType
from typing import Self

Behaviour = Callable[[socket.socket, str, threading.Event], None]
RSS = "application/rss+xml; charset=utf-8"


class RawServer:
    """Threaded TCP server on a free port of `host` (127.0.0.1 or ::1); counts requests per path."""

    def __init__(self, behaviour: Behaviour, *, host: str = "127.0.0.1") -> None:
        self.behaviour = behaviour
        self.paths: list[str] = []
        self._stopping = threading.Event()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self.host = host
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept_loop, daemon=True)

    def url(self, path: str = "/", *, scheme: str = "http") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}{path}"

    @property
    def hits(self) -> int:
        return len(self.paths)

    def __enter__(self) -> Self:
        prepare = getattr(self.behaviour, "prepare", None)
        if prepare is not None:
            prepare()  # costly answers are built before the client's clock starts
        self._accepter.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._accepter.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                path = _read_request_path(conn)
                if path is None:
                    return
                self.paths.append(path)
                self.behaviour(conn, path, self._stopping)
            except OSError:
                pass  # the client hung up, as fetchers with caps and timeouts do


def _read_request_path(conn: socket.socket) -> str | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65_536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 1_000_000:
            return None
    parts = data.split(b"\r\n", 1)[0].split(b" ")
    return parts[1].decode("latin-1") if len(parts) > 1 else "/"


# --- answers -------------------------------------------------------------------------------------


def head(status: int = 200, headers: dict[str, str] | list[tuple[str, str]] | None = None) -> bytes:
    """A status line and headers (in order, duplicates allowed), ending the head."""
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    lines = [f"HTTP/1.1 {status} X".encode()] + [f"{name}: {value}".encode("latin-1") for name, value in pairs]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def answer(status: int, body: bytes, headers: dict[str, str] | None = None, *, content_type: str = RSS) -> bytes:
    """A complete, correct HTTP answer: what a well-behaved server sends."""
    fields = {"Content-Type": content_type, "Content-Length": str(len(body)), "Connection": "close", **(headers or {})}
    return head(status, fields) + body


class sends:  # lower case: read like the other behaviour builders (trickle, head)
    """Write `data` as is, then hang up. A callable is built when the server starts, before
    any request (a bomb takes seconds to build, which neither importing a catalogue nor the
    fetch being timed should pay)."""

    def __init__(self, data: bytes | Callable[[], bytes]) -> None:
        self._data = data
        self._built: bytes | None = None

    def prepare(self) -> None:
        if self._built is None:
            self._built = self._data() if callable(self._data) else self._data

    def __call__(self, conn: socket.socket, path: str, stopping: threading.Event) -> None:
        self.prepare()
        conn.sendall(self._built or b"")


def silent() -> Behaviour:
    """Accept, read the request, never answer (until the test ends)."""

    def behave(conn: socket.socket, path: str, stopping: threading.Event) -> None:
        stopping.wait()

    return behave


def trickle(first: bytes, *, interval: float, byte: bytes = b"x") -> Behaviour:
    """Send `first`, then one byte every `interval` seconds, forever (slowloris)."""

    def behave(conn: socket.socket, path: str, stopping: threading.Event) -> None:
        conn.sendall(first)
        while not stopping.wait(interval):
            conn.sendall(byte)

    return behave


def endless_chunked(piece: bytes = b"<item><title>x</title></item>" * 100) -> Behaviour:
    """A 200 with correctly framed chunks of `piece` that never end, as fast as the client reads."""

    def behave(conn: socket.socket, path: str, stopping: threading.Event) -> None:
        conn.sendall(head(200, {"Content-Type": RSS, "Transfer-Encoding": "chunked"}))
        chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        while not stopping.is_set():
            conn.sendall(chunk)

    return behave


def reset_mid_body(body: bytes, *, sent: int) -> Behaviour:
    """Declare the whole body, send `sent` bytes of it, then reset the connection (RST)."""

    def behave(conn: socket.socket, path: str, stopping: threading.Event) -> None:
        conn.sendall(head(200, {"Content-Type": RSS, "Content-Length": str(len(body))}) + body[:sent])
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return behave


# --- bombs ---------------------------------------------------------------------------------------


def _zeros_compressed(size: int, compressor: zlib._Compress) -> bytes:
    step = bytes(1_000_000)
    parts = [compressor.compress(step[: min(len(step), size - done)]) for done in range(0, size, len(step))]
    return b"".join(parts) + compressor.flush()


def gzip_bomb(size: int, *, layers: int = 1) -> bytes:
    """`size` zero bytes gzipped `layers` times, built a megabyte at a time: a few kilobytes
    that decode to `size` (gzip inside gzip shrinks a gigabyte to some 2 KB)."""
    data = _zeros_compressed(size, zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16))
    for _ in range(layers - 1):
        data = gzip.compress(data, compresslevel=9)
    return data


def deflate_bomb(size: int) -> bytes:
    """`size` zero bytes as a zlib stream (HTTP's `deflate`)."""
    return _zeros_compressed(size, zlib.compressobj(9))
