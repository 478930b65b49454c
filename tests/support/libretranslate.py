"""A LibreTranslate test double: a real HTTP server on 127.0.0.1.

It speaks the part of LibreTranslate's API that deep-translator uses — `POST /translate`
with `q`, `source`, `target`, `format`, `api_key` in the query string or the form body,
answering `{"translatedText": ...}` — plus `GET /languages`. Translations come from a
dict the test fills in; unknown text gets a deterministic fallback (`"[en] " + text` by
default), so any test can run the whole pipeline offline. It can fail (`fail_next`),
hang (`hang`) and reject a wrong API key, and it records every request.

    with LibreTranslateDouble({"Ciao": "Hello"}) as libre:
        environ["LIBRETRANSLATE_URL"] = libre.url
        ...
        assert libre.queries == ["Ciao"]
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import parse_qsl, urlsplit

LANGUAGES = (
    "en", "ar", "de", "es", "fa", "fr", "hi", "it", "ja", "ko", "pt", "ru", "tr", "uk", "ur", "zh",
)


def tag_with_target(text: str, source: str, target: str) -> str:
    """The default answer for text the test did not list: recognisable and deterministic."""
    return f"[{target}] {text}"


@dataclass(frozen=True)
class LibreRequest:
    """One request as the server saw it; `params` merges the query string and the body."""

    method: str
    path: str
    params: dict[str, str]


class LibreTranslateDouble:
    """Start with `start()` or `with`; `url` has no trailing slash, as users usually write it."""

    def __init__(
        self,
        translations: dict[str, str] | None = None,
        *,
        fallback: Callable[[str, str, str], str] = tag_with_target,
        api_key: str | None = None,
        reads: str = "any",
    ) -> None:
        """`reads`: where the server looks for its parameters — `query`, `json`, `form` or `any`,
        like the different LibreTranslate-compatible servers in the wild."""
        self.translations: dict[str, str] = dict(translations or {})
        self.reads = reads
        self.refused_sources: set[str] = set()  # answered 400, as a server without that language
        self.fallback = fallback
        self.api_key = api_key
        self.requests: list[LibreRequest] = []
        self._lock = threading.Lock()
        self._failures_left = 0
        self._failure_status = 500
        self._hang_seconds = 0.0
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        # Handler threads that still hang must not keep the test process alive.
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        # A short poll interval makes close() (and each test using the double) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- control -------------------------------------------------------------------
    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """The next `count` translate requests answer `status` with an error body."""
        with self._lock:
            self._failures_left = count
            self._failure_status = status

    def hang(self, seconds: float) -> None:
        """Translate requests wait `seconds` before answering (0 stops hanging)."""
        self._hang_seconds = seconds

    @property
    def queries(self) -> list[str]:
        """The texts (`q`) of the translate requests, in the order they arrived."""
        return [r.params.get("q", "") for r in self.requests if r.path == "/translate"]

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- behaviour (called from handler threads) -------------------------------------
    def _record(self, request: LibreRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _take_failure(self) -> int | None:
        with self._lock:
            if self._failures_left <= 0:
                return None
            self._failures_left -= 1
            return self._failure_status

    def _answer_translate(self, params: dict[str, str]) -> tuple[int, object]:
        if self._hang_seconds > 0:
            self._closing.wait(self._hang_seconds)
        status = self._take_failure()
        if status is not None:
            return status, {"error": f"simulated failure ({status})"}
        if self.api_key is not None and params.get("api_key") != self.api_key:
            return 403, {"error": "Invalid API key"}
        text = params.get("q")
        if not text or "source" not in params or "target" not in params:
            return 400, {"error": "Invalid request: missing q, source or target parameter"}
        source, target = params["source"], params["target"]
        if source in self.refused_sources:
            return 400, {"error": f"{source} is not supported"}
        if text in self.translations:
            return 200, {"translatedText": self.translations[text]}
        return 200, {"translatedText": self.fallback(text, source, target)}


def _languages_body() -> list[dict[str, object]]:
    return [{"code": code, "name": code, "targets": list(LANGUAGES)} for code in LANGUAGES]


def _handler_for(double: LibreTranslateDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _params(self) -> tuple[str, dict[str, str]]:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            is_json = "json" in (self.headers.get("Content-Type") or "")
            params: dict[str, str] = {}
            if double.reads in ("any", "query"):
                params.update(parse_qsl(parts.query, keep_blank_values=True))
            if body and is_json and double.reads in ("any", "json"):
                params.update({k: str(v) for k, v in json.loads(body).items()})
            elif body and not is_json and double.reads in ("any", "form"):
                params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            return parts.path, params

        def _reply(self, status: int, payload: object) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path, params = self._params()
            double._record(LibreRequest("GET", path, params))
            if path == "/languages":
                self._reply(200, _languages_body())
            else:
                self._reply(404, {"error": "Not Found"})

        def do_POST(self) -> None:
            path, params = self._params()
            double._record(LibreRequest("POST", path, params))
            if path == "/translate":
                self._reply(*double._answer_translate(params))
            elif path == "/languages":
                self._reply(200, _languages_body())
            else:
                self._reply(404, {"error": "Not Found"})

        def log_message(self, format: str, *args: object) -> None:
            """Keep pytest output clean."""

    return Handler
