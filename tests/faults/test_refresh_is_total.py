"""A refresh never raises: a fault in any stage is the failing source's row, not a crash.

Each test injects one unexpected exception into a real stage (the fetcher, the parser,
the classifier, the store) for one source only, wrapping the real component; the other
sources go through the real pipeline and must still arrive, while the failing one is
recorded with its stage and backed off.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

import bot.analysis
import bot.pipeline
from bot.pipeline import Pipeline
from bot.reader.fetcher import Fetcher
from bot.settings import load_settings
from bot.storage import sources as source_store
from bot.storage.tables import SourceRow, StatementRow
from tests.faults.hostile import GOOD_FEED, GOOD_ITEMS, item, rss

POLL_SECONDS = 600
VICTIM_FEED = rss(item("The victim ministry spoke today.", guid="v1"))


class Injected(RuntimeError):
    """The unexpected exception: nothing in Ladderwatch knows this type."""


def _watchlist(feed_server) -> str:
    def account(name: str) -> str:
        return f"""  - id: {name}
    name: {name.title()}
    sources:
      - rss: {feed_server.url(f"/{name}.xml")}
"""

    return "accounts:\n" + "".join(account(name) for name in ("first", "victim", "last"))


@pytest.fixture
async def pipeline(tmp_path, feed_server):
    for name in ("first", "last"):
        feed_server.set(f"/{name}.xml", GOOD_FEED)
    feed_server.set("/victim.xml", VICTIM_FEED)
    config = tmp_path / "config"
    config.mkdir()
    (config / "watchlist.yaml").write_text(_watchlist(feed_server), encoding="utf-8")
    settings = load_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'ladderwatch.sqlite3'}",
            "LADDERWATCH_CONFIG": str(config),
            "LADDERWATCH_ALLOW_PRIVATE_URLS": "1",
            "LADDERWATCH_TRANSLATOR": "none",
            "LADDERWATCH_POLL_SECONDS": str(POLL_SECONDS),
        },
        env_file=None,
    )
    opened = await Pipeline.open(settings)
    yield opened
    await opened.close()


def _inject_fetcher(monkeypatch, pipeline: Pipeline) -> None:
    real = Fetcher.fetch

    async def fetch(self: Fetcher, url: str, **options: object):
        if url.endswith("/victim.xml"):
            raise Injected("the fetcher broke")
        return await real(self, url, **options)

    monkeypatch.setattr(Fetcher, "fetch", fetch)


def _inject_parser(monkeypatch, pipeline: Pipeline) -> None:
    real = bot.pipeline.parse_document

    def parse_document(body: bytes, content_type: str, url: str, fmt: str):
        if url.endswith("/victim.xml"):
            raise Injected("the parser broke")
        return real(body, content_type, url, fmt)

    monkeypatch.setattr(bot.pipeline, "parse_document", parse_document)


def _inject_classifier(monkeypatch, pipeline: Pipeline) -> None:
    real = pipeline.classifier.classify

    def classify(text: str, lang: str, english: str | None = None):
        if "victim" in text:
            raise Injected("the classifier broke")
        return real(text, lang, english)

    monkeypatch.setattr(pipeline.classifier, "classify", classify)


def _inject_store(monkeypatch, pipeline: Pipeline) -> None:
    real = bot.pipeline.statement_store.save_new_statements

    def save_new_statements(db, analysed, now):
        if any(a.statement.account_id == "victim" for a in analysed):
            raise Injected("the store broke")
        return real(db, analysed, now)

    monkeypatch.setattr(bot.pipeline.statement_store, "save_new_statements", save_new_statements)


@pytest.mark.parametrize(
    ("inject", "stage", "verb"),
    [
        (_inject_fetcher, "fetch", "fetching"),
        (_inject_parser, "parse", "parsing"),
        (_inject_classifier, "analyse", "classifying"),
        (_inject_store, "store", "storing"),
    ],
    ids=["fetcher", "parser", "classifier", "store"],
)
async def test_an_unexpected_exception_in_one_stage_fails_only_that_source(
    pipeline, monkeypatch, inject, stage, verb
):
    inject(monkeypatch, pipeline)
    started = datetime.now(UTC)

    results = await pipeline.poll_all()

    by_account = {result.account_id: result for result in results}
    assert by_account["first"].error is None and by_account["last"].error is None
    assert len(by_account["first"].new_ids) == len(by_account["last"].new_ids) == GOOD_ITEMS
    failure = by_account["victim"].error
    assert failure is not None and "unexpected Injected while" in failure and verb in failure
    with pipeline.db.session() as session:
        victim = session.scalars(select(SourceRow).where(SourceRow.account_id == "victim")).one()
        stored = session.scalars(select(StatementRow.account_id)).all()
    assert sorted(stored) == ["first"] * GOOD_ITEMS + ["last"] * GOOD_ITEMS
    assert victim.last_error_kind == stage
    assert victim.consecutive_errors == 1 and victim.failing_since is not None
    assert victim.next_poll_at >= started + timedelta(seconds=POLL_SECONDS)


async def test_failures_back_off_exponentially_and_a_success_clears_them(pipeline, monkeypatch):
    _inject_parser(monkeypatch, pipeline)
    victim_id = next(r.id for r in _sources(pipeline) if r.account_id == "victim")
    gaps = []
    for _ in range(3):
        before = datetime.now(UTC)
        await pipeline.refresh(victim_id)
        gaps.append((_source(pipeline, victim_id).next_poll_at - before).total_seconds())
    assert gaps[0] >= POLL_SECONDS and gaps[1] >= 2 * POLL_SECONDS and gaps[2] >= 4 * POLL_SECONDS
    assert gaps[2] <= 6 * 3600 + 5

    monkeypatch.undo()
    result = await pipeline.refresh(victim_id)
    assert result.error is None and result.new_ids
    healed = _source(pipeline, victim_id)
    assert healed.consecutive_errors == 0 and healed.failing_since is None and healed.last_error_kind is None


async def test_a_source_failing_for_48_hours_is_switched_off_once(pipeline, feed_server):
    feed_server.set("/victim.xml", b"gone", status=500)
    victim_id = next(r.id for r in _sources(pipeline) if r.account_id == "victim")
    now = datetime.now(UTC)
    source_store.record_failure(
        pipeline.db, victim_id, now=now - timedelta(hours=47), error="HTTP 500", next_poll_at=now, kind="http_status"
    )

    assert not (await pipeline.refresh(victim_id)).disabled  # 47 h: still polled
    assert not _source(pipeline, victim_id).disabled
    with pipeline.db.session() as session:
        session.get(SourceRow, victim_id).failing_since = now - timedelta(hours=48, minutes=1)

    switched_off = await pipeline.refresh(victim_id)
    assert switched_off.disabled and "HTTP 500" in (switched_off.error or "")
    assert _source(pipeline, victim_id).disabled
    assert victim_id not in dict(pipeline.due_sources(now))
    assert not (await pipeline.refresh(victim_id)).disabled  # told once: only the switch itself says so

    assert source_store.enable_account_sources(pipeline.db, "victim", now) == [victim_id]
    enabled = _source(pipeline, victim_id)
    assert not enabled.disabled and enabled.consecutive_errors == 0 and enabled.failing_since is None
    assert victim_id in dict(pipeline.due_sources(now))


def _sources(pipeline: Pipeline) -> list[SourceRow]:
    with pipeline.db.session() as session:
        return list(session.scalars(select(SourceRow)))


def _source(pipeline: Pipeline, source_id: int) -> SourceRow:
    row = source_store.get_source(pipeline.db, source_id)
    assert row is not None
    return row


async def test_language_detection_and_classification_run_off_the_event_loop(pipeline, monkeypatch):
    threads: list[bool] = []
    real_detect, real_classify = bot.analysis.detect_language, pipeline.classifier.classify

    def detect_language(text: str, hints: tuple[str, ...] = ()) -> str:
        threads.append(threading.current_thread() is threading.main_thread())
        return real_detect(text, hints)

    def classify(text: str, lang: str, english: str | None = None):
        threads.append(threading.current_thread() is threading.main_thread())
        return real_classify(text, lang, english)

    monkeypatch.setattr(bot.analysis, "detect_language", detect_language)
    monkeypatch.setattr(pipeline.classifier, "classify", classify)
    await pipeline.poll_all()
    assert len(threads) == 2 * (2 * GOOD_ITEMS + 1) and not any(threads)


async def test_a_translation_retry_that_raises_counts_as_an_attempt_and_spares_the_others(pipeline, monkeypatch):
    now = datetime.now(UTC)
    with pipeline.db.session() as session:
        for n in (1, 2):
            session.add(
                StatementRow(
                    key=f"k{n}", content_hash=f"h{n}", account_id="first", text=f"Testo numero {n}", lang="it",
                    published_at=now, fetched_at=now, translation_pending=True, translation_attempts=1,
                    label="neutral", score=0.0, confidence=0.0, cues=[],
                )
            )
    seen: list[str] = []

    async def translate(text: str, source: str, target: str):
        seen.append(text)
        raise Injected("the translator broke")

    monkeypatch.setattr(pipeline.translator, "translate", translate)
    assert await pipeline.retry_translations() == 0
    assert seen == ["Testo numero 1", "Testo numero 2"]
    with pipeline.db.session() as session:
        attempts = session.scalars(select(StatementRow.translation_attempts).order_by(StatementRow.id)).all()
    assert attempts == [2, 2]
