"""Operational view: each source's health (for /status), and the HTTP side of the bot.

The server answers `GET /healthz` (JSON: `ok` or `degraded` with the reason, 503 when the
database is unreachable), `GET /metrics` (Prometheus text) and, in webhook mode,
Telegram's `POST` of updates on the webhook's path, checked against the secret token.

It runs on tornado, in the bot's own asyncio loop: python-telegram-bot's webhook mode is
built on tornado (the `webhooks` extra), so the bot needs no second web stack, and
tornado's HTTP/1.1 server is maintained and bounds what a client may cost us: a read
timeout for headers and idle keep-alive connections, a body timeout, and size caps for
headers and bodies. It binds `LADDERWATCH_HTTP_HOST` (127.0.0.1 unless told otherwise).

`degraded` is still HTTP 200: the process is alive and serves the webhook, so a container
or load balancer keeps it; the body says what is not being read and why.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text as sql
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from bot import metrics
from bot.coverage import Coverage, coverage_line, source_coverage
from bot.model import Account
from bot.reader.health import (
    FAILING,
    STALE,
    STATES,
    UNCONFIGURED,
    polling_stalled,
    source_state,
    stall_note,
    status_notes,
)
from bot.settings import Settings, SettingsError
from bot.storage import accounts as account_store
from bot.storage import chats as chat_store
from bot.storage import outbox as outbox_store
from bot.storage.db import Database
from bot.storage.tables import SourceRow

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 1024 * 1024
READ_TIMEOUT_SECONDS = 10.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
OK, DEGRADED = "ok", "degraded"


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
    state: str  # one of bot.reader.health.STATES (see source_state)


def source_health(db: Database, settings: Settings) -> list[SourceHealth]:
    """Every source of a watched account, with what its last polls said; a source these
    settings cannot read is "unconfigured", the same word in /status, /metrics and /healthz."""
    return health_of(account_store.list_source_rows(db), account_store.list_accounts(db), settings)


def health_of(rows: Sequence[SourceRow], accounts: Sequence[Account], settings: Settings) -> list[SourceHealth]:
    """`source_health` of rows (and accounts, for their names) already read."""
    names = {account.id: account.name for account in accounts}
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
            source_state(row, now, settings.poll_seconds, settings),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class StatusView:
    """What /status shows, from one read of the source rows and accounts."""

    sources: list[SourceHealth]
    coverage: Coverage
    notes: list[str]  # nothing polling, what the settings leave unread (`status_notes`)


def status_view(db: Database, settings: Settings) -> StatusView:
    rows, accounts = account_store.list_source_rows(db), account_store.list_accounts(db)
    return StatusView(
        health_of(rows, accounts, settings),
        source_coverage(db, settings, rows=rows),
        status_notes(rows, accounts, settings, datetime.now(UTC)),
    )


def state_snapshot(db: Database, settings: Settings) -> metrics.StateSnapshot:
    """The database side of `/metrics`."""
    sources = source_health(db, settings)
    by_state = dict.fromkeys(STATES, 0)  # every state, so each label is always exported
    for source in sources:
        by_state[source.state] = by_state.get(source.state, 0) + 1
    return metrics.StateSnapshot(
        now=datetime.now(UTC),
        outbox=outbox_store.count_by_status(db),
        oldest_pending=outbox_store.oldest_pending_at(db),
        chats=chat_store.count_chats(db),
        sources_by_state=by_state,
        sources=tuple(
            metrics.SourceSample(s.id, s.account_id, s.kind, s.consecutive_errors, s.last_success_at)
            for s in sources
        ),
    )


def health_report(db: Database, settings: Settings) -> dict[str, object]:
    """`/healthz`: `degraded` with the reason when nothing (or too little) was read."""
    with db.session() as session:
        session.execute(sql("SELECT 1"))
    rows = account_store.list_source_rows(db)  # once: health, coverage and the stall all read them
    now = datetime.now(UTC)
    states = [source_state(row, now, settings.poll_seconds, settings) for row in rows]
    coverage = source_coverage(db, settings, rows=rows)
    stalled = polling_stalled(rows, now, settings.poll_seconds, settings)
    report: dict[str, object] = {"status": DEGRADED if coverage.degraded or stalled else OK}
    if stalled is not None:  # the last 24 h may still look covered: say that nothing polls now
        report["reason"] = stall_note(stalled, now)
    elif coverage.degraded:
        report["reason"] = coverage_line(coverage, "en")
    report.update(
        coverage=coverage_line(coverage, "en"),
        sources=len(rows),
        answered_sources=coverage.answered,
        failing_sources=states.count(FAILING),
        unconfigured_sources=states.count(UNCONFIGURED),
        stale_sources=states.count(STALE),
        pending_alerts=outbox_store.count_by_status(db)[outbox_store.PENDING],
    )
    return report


WebhookSink = Callable[[dict[str, object]], Awaitable[None]]


@dataclass(frozen=True)
class Webhook:
    path: str
    secret: str
    sink: WebhookSink


class _Handler(RequestHandler):
    """Plain-text errors, no Server header, no tornado access noise beyond warnings."""

    def set_default_headers(self) -> None:
        self.clear_header("Server")

    def write_error(self, status_code: int, **kwargs: object) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {self._reason}\n")

    def plain(self, status: int, body: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(body)


class HealthHandler(_Handler):
    def initialize(self, db: Database, settings: Settings) -> None:
        self.db, self.config = db, settings

    async def get(self) -> None:
        try:
            report = await asyncio.to_thread(health_report, self.db, self.config)
        except Exception as error:
            log.warning("health check failed: %s", error)
            self.set_status(503)
            report = {"status": "error", "error": f"database unreachable: {type(error).__name__}"}
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(report, ensure_ascii=False))


class MetricsHandler(_Handler):
    def initialize(self, db: Database, settings: Settings) -> None:
        self.db, self.config = db, settings

    async def get(self) -> None:
        snapshot = await asyncio.to_thread(state_snapshot, self.db, self.config)
        self.set_header("Content-Type", metrics.CONTENT_TYPE)
        self.finish(metrics.exposition(snapshot))


class WebhookHandler(_Handler):
    def initialize(self, webhook: Webhook) -> None:
        self.webhook = webhook

    async def post(self) -> None:
        if not hmac.compare_digest(self.request.headers.get(SECRET_HEADER, ""), self.webhook.secret):
            self.plain(403, "wrong secret token\n")
            return
        try:
            update = json.loads(self.request.body)
        except ValueError:
            self.plain(400, "an update is a JSON object\n")
            return
        if not isinstance(update, dict):
            self.plain(400, "an update is a JSON object\n")
            return
        await self.webhook.sink(update)
        self.plain(200, "ok\n")


class NotFoundHandler(_Handler):
    def prepare(self) -> None:
        self.plain(404, "not found: try /healthz or /metrics\n")


class HealthServer:
    """`/healthz`, `/metrics` and (optionally) the webhook, on one port."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        webhook: Webhook | None = None,
        read_timeout: float = READ_TIMEOUT_SECONDS,
    ) -> None:
        if settings.http_port is None:
            raise ValueError("the HTTP server needs LADDERWATCH_HTTP_PORT")
        self.host, self.port = settings.http_host, settings.http_port
        routes: list[tuple[str, type[RequestHandler], dict[str, object]]] = [
            (r"/healthz", HealthHandler, {"db": db, "settings": settings}),
            (r"/metrics", MetricsHandler, {"db": db, "settings": settings}),
        ]
        if webhook is not None:
            routes.insert(0, (re.escape(webhook.path), WebhookHandler, {"webhook": webhook}))
        self.application = Application(routes, default_handler_class=NotFoundHandler)
        self.read_timeout = read_timeout
        self.server: HTTPServer | None = None
        self.sockets: list[socket.socket] = []

    async def start(self) -> None:
        self.server = HTTPServer(
            self.application,
            idle_connection_timeout=self.read_timeout,  # also tornado's header read timeout
            body_timeout=self.read_timeout,
            max_header_size=MAX_HEADER_BYTES,
            max_body_size=MAX_BODY_BYTES,
        )
        try:
            self.sockets = bind_sockets(self.port, address=self.host)
        except OSError as error:  # the port is taken, the host does not resolve or is not ours…
            raise SettingsError(
                f"LADDERWATCH_HTTP_PORT={self.port} on LADDERWATCH_HTTP_HOST={self.host}: cannot listen "
                f"({error.strerror or error}); pick a free port, or a host name or address of this machine"
            ) from None
        self.server.add_sockets(self.sockets)
        log.info("HTTP server on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            await self.server.close_all_connections()
