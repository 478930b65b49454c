"""Operational view: each source's health (for /status) and a tiny HTTP server.

The server answers `GET /healthz` (JSON, 503 when the database is unreachable),
`GET /metrics` (Prometheus text) and, in webhook mode, Telegram's `POST` of updates on
the webhook's path, checked against the secret token. It is plain asyncio so the bot
needs no web framework.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text as sql

from bot.reader.health import FAILING, STALE, source_state
from bot.storage import accounts as account_store
from bot.storage import chats as chat_store
from bot.storage import outbox as outbox_store
from bot.storage.db import Database

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 1024 * 1024
SECRET_HEADER = "x-telegram-bot-api-secret-token"


@dataclass(frozen=True)
class SourceHealth:
    id: int
    account_id: str
    account_name: str
    kind: str
    handle: str
    url: str | None
    last_success_at: datetime | None
    consecutive_errors: int
    last_error: str | None
    next_poll_at: datetime | None
    state: str  # ok | failing | pending | stale | disabled (bot.reader.health.source_state)


def source_health(db: Database, poll_seconds: int) -> list[SourceHealth]:
    """Every source of a watched account, with what its last polls said."""
    names = {account.id: account.name for account in account_store.list_accounts(db)}
    now = datetime.now(UTC)
    return [
        SourceHealth(
            row.id,
            row.account_id,
            names.get(row.account_id, row.account_id),
            row.kind,
            row.handle,
            row.url,
            row.last_success_at,
            row.consecutive_errors,
            row.last_error,
            row.next_poll_at,
            source_state(row, now, poll_seconds),
        )
        for row in account_store.list_source_rows(db)
    ]


def _label_value(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def metrics_text(db: Database, poll_seconds: int) -> str:
    """Prometheus exposition of the outbox, chats and sources."""
    lines = ["# TYPE ladderwatch_outbox_alerts gauge"]
    for status, count in outbox_store.count_by_status(db).items():
        lines.append(f'ladderwatch_outbox_alerts{{status="{status}"}} {count}')
    lines.append("# TYPE ladderwatch_chats gauge")
    for state, count in chat_store.count_chats(db).items():
        lines.append(f'ladderwatch_chats{{state="{state}"}} {count}')
    sources = source_health(db, poll_seconds)
    lines += [
        "# TYPE ladderwatch_sources gauge",
        f"ladderwatch_sources {len(sources)}",
        "# TYPE ladderwatch_source_consecutive_errors gauge",
    ]
    for source in sources:
        labels = f'source_id="{source.id}",account="{_label_value(source.account_id)}"'
        lines.append(f"ladderwatch_source_consecutive_errors{{{labels}}} {source.consecutive_errors}")
    lines.append("# TYPE ladderwatch_source_last_success_timestamp_seconds gauge")
    for source in sources:
        if source.last_success_at is not None:
            labels = f'source_id="{source.id}",account="{_label_value(source.account_id)}"'
            stamp = source.last_success_at.timestamp()
            lines.append(f"ladderwatch_source_last_success_timestamp_seconds{{{labels}}} {stamp:.0f}")
    return "\n".join(lines) + "\n"


def health_report(db: Database, poll_seconds: int) -> dict[str, object]:
    with db.session() as session:
        session.execute(sql("SELECT 1"))
    sources = source_health(db, poll_seconds)
    return {
        "status": "ok",
        "pending_alerts": outbox_store.count_by_status(db)["pending"],
        "sources": len(sources),
        "failing_sources": sum(1 for s in sources if s.state == FAILING),
        "stale_sources": sum(1 for s in sources if s.state == STALE),
    }


WebhookSink = Callable[[dict[str, object]], Awaitable[None]]


@dataclass(frozen=True)
class Webhook:
    path: str
    secret: str
    sink: WebhookSink


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"


REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    503: "Service Unavailable",
}


class HealthServer:
    """`/healthz`, `/metrics` and (optionally) the webhook, on one port."""

    def __init__(
        self, db: Database, poll_seconds: int, port: int, webhook: Webhook | None = None, host: str = "0.0.0.0"
    ) -> None:
        self.db, self.poll_seconds, self.port, self.webhook, self.host = db, poll_seconds, port, webhook, host
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, self.host, self.port)
        log.info("HTTP server on port %s", self.port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            response = await self._respond(reader)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            response = Response(400, b"malformed request\n")
        except Exception:
            log.exception("HTTP request failed")
            response = Response(503, b"internal error\n")
        head = (
            f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Error')}\r\n"
            f"Content-Type: {response.content_type}\r\nContent-Length: {len(response.body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        try:
            writer.write(head.encode("ascii") + response.body)
            await writer.drain()
        finally:
            writer.close()

    async def _respond(self, reader: asyncio.StreamReader) -> Response:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > MAX_HEADER_BYTES:
            return Response(413, b"headers too large\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
        path = target.split("?", 1)[0]
        if self.webhook is not None and path == self.webhook.path:
            return await self._webhook(method, headers, reader)
        if method != "GET":
            return Response(405, b"use GET\n")
        if path == "/healthz":
            try:
                report = await asyncio.to_thread(health_report, self.db, self.poll_seconds)
            except Exception as error:
                body = {"status": "error", "error": f"database unreachable: {type(error).__name__}"}
                return Response(503, json.dumps(body).encode(), "application/json")
            return Response(200, json.dumps(report).encode(), "application/json")
        if path == "/metrics":
            metrics = await asyncio.to_thread(metrics_text, self.db, self.poll_seconds)
            return Response(200, metrics.encode(), "text/plain; version=0.0.4")
        return Response(404, b"not found: try /healthz or /metrics\n")

    async def _webhook(self, method: str, headers: dict[str, str], reader: asyncio.StreamReader) -> Response:
        assert self.webhook is not None
        if method != "POST":
            return Response(405, b"use POST\n")
        if not hmac.compare_digest(headers.get(SECRET_HEADER, ""), self.webhook.secret):
            return Response(403, b"wrong secret token\n")
        length = int(headers.get("content-length", "0"))
        if length > MAX_BODY_BYTES:
            return Response(413, b"update too large\n")
        update = json.loads(await reader.readexactly(length))
        if not isinstance(update, dict):
            return Response(400, b"an update is a JSON object\n")
        await self.webhook.sink(update)
        return Response(200, b"ok\n")
