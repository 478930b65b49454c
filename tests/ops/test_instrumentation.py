"""The one-line increments where things happen: fetch outcomes and statements in the
pipeline, provider calls in the translator, Telegram errors, sent alerts and latency in
delivery. Each test reads the registry before and after real work against 127.0.0.1 peers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from telegram.ext import Defaults, ExtBot

from bot import metrics
from bot.alerts import queue_alerts
from bot.cli import main
from bot.delivery import Delivery
from bot.storage.db import open_database
from bot.storage.tables import SourceRow, StatementRow
from bot.translate import TranslationService
from tests.ops.conftest import make_settings
from tests.tg.botapi_double import BotApiDouble, Failure
from tests.tg.factories import add_account, add_chat, add_statement, make_db

DATA = Path(__file__).parent.parent / "data" / "pipeline"


def value(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def fetches() -> dict[str, float]:
    return {outcome: value("ladderwatch_fetches_total", outcome=outcome) for outcome in metrics.FETCH_OUTCOMES}


def statements_counted() -> float:
    return sum(
        sample.value
        for family in metrics.REGISTRY.collect()
        if family.name == "ladderwatch_statements"
        for sample in family.samples
        if sample.name == "ladderwatch_statements_total"
    )


def test_poll_counts_each_fetch_outcome_and_each_new_statement(ladderwatch_env, feed_server, capsys):
    feed_server.set("/feed.xml", (DATA / "ministry_rss.xml").read_bytes(), etag='"v1"')
    feed_server.set("/gone.xml", b"gone", status=404)
    feed_server.set("/page.html", (DATA / "not_a_feed.html").read_bytes(), content_type="text/html")
    ladderwatch_env.write_watchlist(
        f"""accounts:
  - id: mfa
    name: Ministry
    sources:
      - rss: {feed_server.url("/feed.xml")}
      - rss: {feed_server.url("/gone.xml")}
      - rss: {feed_server.url("/page.html")}
      - x: SomeMinister
"""
    )
    before = fetches()
    classified = statements_counted()
    assert main(["poll", "--once"]) == 0
    assert main(["poll", "--once"]) == 0
    capsys.readouterr()
    after = fetches()
    delta = {outcome: after[outcome] - before[outcome] for outcome in after}
    # the X source is never fetched without LADDERWATCH_X_BRIDGE: no "unresolvable" attempt per poll
    assert delta == {"ok": 1, "not_modified": 1, "unresolvable": 0, "fetch_error": 2, "parse_error": 2}
    db = open_database(ladderwatch_env.database_url)
    with db.session() as session:
        stored = session.scalar(select(func.count()).select_from(StatementRow))
        x_fetched_at = session.scalar(select(SourceRow.last_fetch_at).where(SourceRow.kind == "x"))
    db.close()
    assert x_fetched_at is None
    assert stored and statements_counted() - classified == stored  # each new statement once, none again


async def test_translation_calls_and_failures_are_counted_per_provider(tmp_path, libretranslate_server):
    settings = make_settings(tmp_path, LADDERWATCH_TRANSLATOR="libre", LIBRETRANSLATE_URL=libretranslate_server.url)
    db = open_database(settings.database_url)
    try:
        service = TranslationService(settings, db)
        calls, failures = value("ladderwatch_translations_total", provider="libre"), value(
            "ladderwatch_translation_failures_total", provider="libre"
        )
        assert (await service.translate("Pace e dialogo.", "it", "en")).ok
        assert (await service.translate("Pace e dialogo.", "it", "en")).ok  # cached: no provider call
        libretranslate_server.fail_next(1, status=500)
        assert not (await service.translate("Cessate il fuoco.", "it", "en")).ok
        assert value("ladderwatch_translations_total", provider="libre") - calls == 2
        assert value("ladderwatch_translation_failures_total", provider="libre") - failures == 1
    finally:
        db.close()


@pytest.fixture
async def bot(api: BotApiDouble) -> AsyncIterator[ExtBot]:
    async with ExtBot(api.token, base_url=api.url, defaults=Defaults(parse_mode="HTML")) as ext_bot:
        yield ext_bot


@pytest.fixture
def api():
    with BotApiDouble() as double:
        yield double


async def test_delivery_counts_sent_alerts_their_latency_and_telegram_errors(tmp_path, api, bot):
    db = make_db(tmp_path)
    add_account(db)
    start = datetime.now(UTC) - timedelta(hours=2)
    add_chat(db, 1001, subscribed_at=start)
    add_chat(db, 1002, subscribed_at=start)
    statement = add_statement(db, "We reserve the right to respond.", published=start + timedelta(minutes=5))
    queue_alerts(db, [statement], datetime.now(UTC))
    api.fail_next(1002, Failure(400, "Bad Request: chat not found"))

    sent = value("ladderwatch_alerts_sent_total")
    latency = value("ladderwatch_delivery_latency_seconds_count")
    slow = value("ladderwatch_delivery_latency_seconds_bucket", le="3600.0")
    bad_requests = value("ladderwatch_telegram_errors_total", kind="bad_request")
    delivery = Delivery(bot, db, None)
    assert await delivery.deliver_due() == 1
    db.close()

    assert value("ladderwatch_alerts_sent_total") - sent == 1
    assert value("ladderwatch_delivery_latency_seconds_count") - latency == 1
    # first seen (fetched) 1 h 55 min before it was accepted: above the 1 h bucket
    assert value("ladderwatch_delivery_latency_seconds_bucket", le="3600.0") == slow
    assert value("ladderwatch_telegram_errors_total", kind="bad_request") - bad_requests == 1

