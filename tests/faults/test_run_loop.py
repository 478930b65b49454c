"""Under `ladderwatch run`: a failing source is backed off, never re-fetched every second,
and one failing for 48 hours is switched off, the administrators told once, and
`/watch enable ID` brings it back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

import bot.pipeline
from bot.pipeline import load_configured_watchlist
from bot.reader.fetcher import Fetcher
from bot.storage import sources as source_store
from bot.storage.db import open_database
from bot.storage.tables import SourceRow
from bot.tg.jobs import schedule_poll
from tests.faults.conftest import POLL_SECONDS
from tests.tg.conftest import ADMIN, until


class Injected(RuntimeError):
    """An exception nothing in Ladderwatch expects."""


def _break_the_fetcher_for(monkeypatch, path: str) -> None:
    real = Fetcher.fetch

    async def fetch(self: Fetcher, url: str, **options: object):
        if url.endswith(path):
            raise Injected("the fetcher broke")
        return await real(self, url, **options)

    monkeypatch.setattr(Fetcher, "fetch", fetch)


def _rubio_source(db) -> SourceRow:
    with db.session() as session:
        return session.scalars(select(SourceRow).where(SourceRow.account_id == "rubio")).one()


async def _next_poll_after(application, source_id: int, attempt: datetime) -> datetime:
    """Run the source's poll job now; when it has rescheduled itself, the new time."""
    queue = application.job_queue
    schedule_poll(queue, source_id, attempt)
    later = attempt + timedelta(seconds=1)
    name = f"poll:{source_id}"
    jobs = await until(lambda: [j for j in queue.get_jobs_by_name(name) if j.next_t and j.next_t > later])
    return jobs[0].next_t


@pytest.mark.parametrize("database_down", [False, True], ids=["failure recorded", "failure not even recordable"])
async def test_a_source_whose_refresh_raises_is_backed_off_not_refetched_every_second(
    application, monkeypatch, database_down
):
    db = application.bot_data["services"].db
    _break_the_fetcher_for(monkeypatch, "/rubio.xml")
    if database_down:

        def record_failure(*args: object, **kwargs: object) -> int:
            raise Injected("the database is gone")

        monkeypatch.setattr(bot.pipeline.source_store, "record_failure", record_failure)
    source_id = _rubio_source(db).id
    attempt = datetime.now(UTC)

    next_poll = await _next_poll_after(application, source_id, attempt)

    assert next_poll >= attempt + timedelta(seconds=POLL_SECONDS)  # one interval at least, never 1 s
    row = _rubio_source(db)
    if database_down:
        assert row.consecutive_errors == 0
    else:
        assert row.consecutive_errors == 1 and row.last_error_kind == "fetch"
        assert "unexpected Injected while fetching" in row.last_error


@pytest.fixture
def rubio_failing_for_two_days(settings, feed_server) -> None:
    """Before the bot starts: rubio's feed answers 500 and has failed since 49 hours ago."""
    feed_server.set("/rubio.xml", b"internal error", status=500)
    db = open_database(settings.database_url)
    load_configured_watchlist(settings, db)
    now = datetime.now(UTC)
    source_store.record_failure(
        db, _rubio_source(db).id, now=now - timedelta(hours=49), error="HTTP 500", next_poll_at=now, kind="http_status"
    )
    db.close()


async def test_a_source_failing_for_48_hours_is_switched_off_admins_told_once_and_enabled_again(
    rubio_failing_for_two_days, running_bot, feed_server
):
    def notices() -> list[str]:
        return [t for t in running_bot.api.texts(ADMIN) if "is switched off" in t]

    await until(notices)
    assert "/watch enable rubio" in notices()[0] and "HTTP 500" in notices()[0]
    assert _rubio_source(running_bot.db).disabled

    feed_server.set("/rubio.xml", b'<?xml version="1.0"?><rss version="2.0"><channel><title>r</title></channel></rss>')
    reply = await running_bot.say(ADMIN, "/watch enable rubio")

    assert "switched back on" in reply
    assert len(notices()) == 1
    healed = await until(lambda: (row := _rubio_source(running_bot.db)).last_success_at and row)
    assert not healed.disabled and healed.consecutive_errors == 0


async def test_watch_enable_of_an_account_without_switched_off_sources_says_so(running_bot):
    assert "No source of <code>tajani</code> is switched off" in await running_bot.say(ADMIN, "/watch enable tajani")
