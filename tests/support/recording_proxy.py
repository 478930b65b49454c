"""A loopback HTTP(S) proxy that answers nothing and records every connection attempt.

Pointing `HTTP_PROXY`/`HTTPS_PROXY` at it proves that a command does not try the network
through `requests` (deep-translator's transport): any such request arrives here first,
is recorded (`attempts`: the request line, e.g. `CONNECT translate.google.com:443`) and is
refused with 502, so nothing leaves the machine either way.

    with RecordingProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        ...
        assert proxy.attempts == []
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


class RecordingProxy:
    def __init__(self) -> None:
        self.attempts: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _refuse(self) -> None:
                proxy.attempts.append(self.requestline)
                self.send_error(502, "recording proxy: no network in tests")

            do_CONNECT = do_GET = do_POST = do_HEAD = _refuse

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
