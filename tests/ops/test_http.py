"""The HTTP side over real sockets on 127.0.0.1: /healthz, /metrics, the webhook, timeouts."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import warnings
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import metrics
from bot.health import HealthServer, Webhook
from bot.model import Label, Verdict
from bot.storage import outbox as outbox_store
from bot.storage.chats import ensure_chat
from bot.storage.db import Database
from bot.storage.tables import StatementRow
from tests.ops.conftest import add_source, http


def url(server: HealthServer, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


async def get(server: HealthServer, path: str) -> tuple[int, bytes]:
    return await asyncio.to_thread(http, "GET", url(server, path))


async def get_once(db: Database, settings, path: str) -> tuple[int, bytes]:
    """Start a server, GET one path, stop it."""
    server = HealthServer(db, settings)
    await server.start()
    try:
        return await get(server, path)
    finally:
        await server.stop()


async def test_healthz_is_ok_when_sources_answered(settings, db):
    add_source(db, "rubio", answered_hours_ago=1)
    add_source(db, "rubio", answered_hours_ago=2)
    status, body = await get_once(db, settings, "/healthz")
    report = json.loads(body)
    assert status == 200 and report["status"] == "ok" and "reason" not in report
    assert report["coverage"] == "2 of 2 sources answered in the last 24 h"
    assert report["answered_sources"] == 2 and report["pending_alerts"] == 0


async def test_healthz_reads_the_source_rows_once_per_request(settings, db):
    """Before: three reads of every source row (health, coverage, stall) and a fourth of the
    sources for the accounts' names, on each probe of a load balancer."""
    from sqlalchemy import event

    add_source(db, "rubio", answered_hours_ago=1)
    add_source(db, "sharif", "x", answered_hours_ago=None, errors=1)
    reads: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if re.search(r"\bFROM sources\b", statement):
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        status, body = await get_once(db, settings, "/healthz")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert status == 200 and json.loads(body)["sources"] == 2
    assert len(reads) == 1, reads


async def test_healthz_is_degraded_with_the_reason_when_nothing_was_read(settings, db):
    add_source(db, "rubio", answered_hours_ago=None, errors=3)
    add_source(db, "sharif", "x", answered_hours_ago=None, errors=1)
    status, body = await get_once(db, settings, "/healthz")
    report = json.loads(body)
    assert status == 200 and report["status"] == "degraded"
    assert report["reason"] == (
        "0 of 2 sources answered in the last 24 h; 1 X source needs LADDERWATCH_X_BRIDGE; 1 failing"
    )
    assert report["failing_sources"] == 1 and report["unconfigured_sources"] == 1  # the words /status uses


async def test_healthz_answers_503_when_the_database_is_unreachable(settings, tmp_path):
    broken = Database(f"sqlite:///{tmp_path}")  # a folder, not a database file
    try:
        status, body = await get_once(broken, settings, "/healthz")
    finally:
        broken.close()
    assert status == 503 and json.loads(body)["error"].startswith("database unreachable")


def _sample(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name}{labels} missing"
    return float(match.group(1))


async def test_metrics_carry_help_lines_counters_gauges_and_the_latency_histogram(settings, db):
    add_source(db, "rubio", answered_hours_ago=1)
    add_source(db, "sharif", "x", answered_hours_ago=None, errors=2)
    now = datetime.now(UTC)
    ensure_chat(db, 7, "private", "", "en", now)
    with db.session() as session:
        statement = StatementRow(
            key="k", content_hash="c", account_id="rubio", text="t", lang="en", published_at=now,
            fetched_at=now, label="escalation", score=0.5, confidence=0.9, cues=[],
        )
        session.add(statement)
        session.flush()
        statement_id = statement.id
    outbox_store.add_alerts(db, [(7, statement_id)], now - timedelta(minutes=10))

    server = HealthServer(db, settings)
    await server.start()
    try:
        _, before = await get(server, "/metrics")
        metrics.count_fetch(metrics.FETCH_ERROR)
        metrics.count_statement(Verdict(Label.ESCALATION, 0.7, 0.9, False), "ur-PK")
        metrics.count_statement(Verdict(Label.NEUTRAL, 0.0, 0.0, False, abstained=True), "am")
        metrics.TRANSLATIONS.labels("libre").inc()
        metrics.TRANSLATION_FAILURES.labels("libre").inc()
        metrics.observe_alert_sent(now - timedelta(seconds=42), now)
        status, after = await get(server, "/metrics")
    finally:
        await server.stop()
    old, text = before.decode(), after.decode()
    assert status == 200
    for name in (
        "ladderwatch_fetches_total", "ladderwatch_statements_total", "ladderwatch_translations_total",
        "ladderwatch_translation_failures_total", "ladderwatch_telegram_errors_total", "ladderwatch_alerts_sent_total",
        "ladderwatch_delivery_latency_seconds", "ladderwatch_outbox_alerts",
        "ladderwatch_outbox_oldest_pending_age_seconds", "ladderwatch_sources",
    ):
        assert f"# HELP {name} " in text and f"# TYPE {name} " in text, name
    assert "# TYPE ladderwatch_fetches_total counter" in text
    assert "# TYPE ladderwatch_delivery_latency_seconds histogram" in text
    fetch_errors = 'ladderwatch_fetches_total', '{outcome="fetch_error"}'
    assert _sample(text, *fetch_errors) == _sample(old, *fetch_errors) + 1
    assert _sample(text, "ladderwatch_statements_total", '{label="escalation",lang="ur"}') >= 1
    assert _sample(text, "ladderwatch_statements_total", '{label="abstained",lang="am"}') >= 1
    assert _sample(text, "ladderwatch_alerts_sent_total") == _sample(old, "ladderwatch_alerts_sent_total") + 1
    bucket = 'ladderwatch_delivery_latency_seconds_bucket', '{le="60.0"}'
    assert _sample(text, *bucket) == _sample(old, *bucket) + 1
    below = 'ladderwatch_delivery_latency_seconds_bucket', '{le="30.0"}'
    assert _sample(text, *below) == _sample(old, *below)  # 42 s is above the 30 s bucket
    assert _sample(text, "ladderwatch_outbox_alerts", '{status="pending"}') == 1
    assert _sample(text, "ladderwatch_outbox_oldest_pending_age_seconds") >= 600
    assert _sample(text, "ladderwatch_sources", '{state="empty"}') == 1  # answered, but never gave an item
    assert _sample(text, "ladderwatch_sources", '{state="stale"}') == 0
    assert _sample(text, "ladderwatch_sources", '{state="ok"}') == 0
    # an X source without LADDERWATCH_X_BRIDGE is unconfigured, as in /status, whatever old failures say
    assert _sample(text, "ladderwatch_sources", '{state="unconfigured"}') == 1
    assert _sample(text, "ladderwatch_sources", '{state="failing"}') == 0


def test_telegram_errors_are_named_by_kind():
    from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

    with warnings.catch_warnings():  # PTB 22 warns that retry_after will become a timedelta
        warnings.simplefilter("ignore")
        retry = RetryAfter(3)
    kinds = [
        metrics.telegram_error_kind(error)
        for error in (retry, Forbidden("blocked"), ChatMigrated(5), BadRequest("bad"), TimedOut(), NetworkError("x"))
    ]
    assert kinds == ["retry_after", "forbidden", "chat_migrated", "bad_request", "timed_out", "network"]


async def test_the_webhook_takes_json_updates_with_the_secret_only(settings, db):
    received: list[dict[str, object]] = []

    async def sink(update: dict[str, object]) -> None:
        received.append(update)

    server = HealthServer(db, settings, Webhook("/telegram/hook", "s3cret", sink))
    await server.start()
    hook = url(server, "/telegram/hook")
    good = {"X-Telegram-Bot-Api-Secret-Token": "s3cret", "Content-Type": "application/json"}
    try:
        other = {**good, "X-Telegram-Bot-Api-Secret-Token": "no"}
        wrong = await asyncio.to_thread(http, "POST", hook, b'{"update_id": 1}', other)
        missing = await asyncio.to_thread(http, "POST", hook, b'{"update_id": 2}', {})
        bad_json = await asyncio.to_thread(http, "POST", hook, b"not json", good)
        not_object = await asyncio.to_thread(http, "POST", hook, b"[1]", good)
        accepted = await asyncio.to_thread(http, "POST", hook, b'{"update_id": 3}', good)
        too_large = await asyncio.to_thread(http, "POST", hook, b" " * (2 * 1024 * 1024), good)
        as_get = await get(server, "/telegram/hook")
        unknown = await get(server, "/nope")
    finally:
        await server.stop()
    assert [wrong[0], missing[0], bad_json[0], not_object[0], accepted[0], as_get[0]] == [403, 403, 400, 400, 200, 405]
    assert received == [{"update_id": 3}]
    assert too_large[0] in (0, 400, 413)  # tornado refuses a body over the 1 MB cap (it may just hang up)
    assert unknown == (404, b"not found: try /healthz or /metrics\n")


def _read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


async def test_a_client_that_never_finishes_its_request_is_cut_off(settings, db):
    server = HealthServer(db, settings, read_timeout=0.5)
    await server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers never end
            closed = await asyncio.to_thread(_read_until_closed, sock)
    finally:
        await server.stop()
    assert closed == b""  # the server hung up without answering: no socket timeout was needed


async def test_the_server_binds_loopback_unless_told_otherwise(settings, db):
    assert settings.http_host == "127.0.0.1"
    server = HealthServer(db, settings)
    await server.start()
    try:
        assert {sock.getsockname()[0] for sock in server.sockets} == {"127.0.0.1"}
    finally:
        await server.stop()
    everywhere = HealthServer(db, replace(settings, http_host="0.0.0.0"))
    await everywhere.start()
    try:
        assert "0.0.0.0" in {sock.getsockname()[0] for sock in everywhere.sockets}
    finally:
        await everywhere.stop()


async def test_the_shipped_watchlist_without_a_bridge_or_network_is_degraded_and_says_why(settings, db):
    from bot.storage import accounts as account_store
    from bot.storage import sources as source_store
    from bot.watchlist import load_watchlist

    shipped = load_watchlist(Path(__file__).parent.parent.parent / "config" / "watchlist.yaml")
    account_store.sync_watchlist(db, shipped)
    rows = account_store.list_source_rows(db)
    x_count = sum(1 for row in rows if row.kind == "x")
    server = HealthServer(db, settings)
    await server.start()
    try:
        _, before_polls = await get(server, "/healthz")
        now = datetime.now(UTC)
        for row in rows:  # what a poll without network records for every source
            source_store.record_failure(db, row.id, now=now, error="does not resolve", next_poll_at=now)
        _, after_polls = await get(server, "/healthz")
    finally:
        await server.stop()
    first, second = json.loads(before_polls), json.loads(after_polls)
    others = len(rows) - x_count
    assert first["status"] == "degraded"  # X sources are known to be unreadable before any poll
    assert first["reason"] == (
        f"0 of {len(rows)} sources answered in the last 24 h; {x_count} X sources need LADDERWATCH_X_BRIDGE; "
        f"{others} not polled yet"
    )
    assert second["status"] == "degraded"
    assert second["reason"].endswith(f"{x_count} X sources need LADDERWATCH_X_BRIDGE; {others} failing")
