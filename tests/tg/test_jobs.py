"""Jobs rebuilt from the database, and the daily digest at a chat's local time."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from telegram.ext import Application

from bot.pipeline import Pipeline
from bot.storage import accounts as account_store
from bot.storage import chats as chat_store
from bot.storage import subscriptions as subscription_store
from bot.tg.app import build_application, on_startup
from bot.tg.jobs import reload_watchlist_if_changed, schedule_digest, sync_polls
from tests.tg.factories import add_chat, add_statement


@pytest.fixture
async def application(settings) -> AsyncIterator[Application]:
    """The bot's Application with its job queue running, but no polling for updates."""
    pipeline = await Pipeline.open(settings)
    app = build_application(settings, pipeline)
    try:
        async with app:
            assert app.job_queue is not None
            await app.job_queue.start()
            yield app
            await app.job_queue.stop(wait=False)
    finally:
        await pipeline.close()


async def test_start_up_rebuilds_every_job_from_the_database(application, api):
    db = application.bot_data["services"].db
    add_chat(db, 1001)
    await on_startup(application)
    names = {job.name for job in application.job_queue.jobs()}
    assert {"poll:1", "poll:2", "deliver", "digest:1001", "sync-sources", "retention"} <= names
    first_polls = [job.next_t for job in application.job_queue.jobs() if job.name.startswith("poll:")]
    assert all(t - datetime.now(UTC) < timedelta(seconds=3) for t in first_polls)  # right at start-up
    assert api.calls_of("setMyCommands")


async def test_daily_digest_runs_at_local_time_in_the_chats_timezone(application, api):
    db = application.bot_data["services"].db
    add_chat(db, 1001)
    add_statement(db, "We reserve the right to respond.", published=datetime.now(UTC) - timedelta(hours=1))
    chat = chat_store.update_chat(db, 1001, timezone="Asia/Kolkata", digest_time="09:30")
    schedule_digest(application.job_queue, chat)
    job = application.job_queue.get_jobs_by_name("digest:1001")[0]
    local = job.next_t.astimezone(ZoneInfo("Asia/Kolkata"))
    assert (local.hour, local.minute) == (9, 30)
    assert (job.next_t.astimezone(UTC).hour, job.next_t.astimezone(UTC).minute) == (4, 0)

    await job.run(application)
    assert api.texts(1001) and api.photos(1001)[0].startswith(b"\x89PNG")
    today = datetime.now(ZoneInfo("Asia/Kolkata")).date().isoformat()
    assert chat_store.get_chat(db, 1001).last_digest_on == today
    await job.run(application)  # a second firing the same local day sends nothing
    assert len(api.photos(1001)) == 1


async def test_turning_the_digest_off_removes_its_job(application):
    db = application.bot_data["services"].db
    add_chat(db, 1001)
    schedule_digest(application.job_queue, chat_store.get_chat(db, 1001))
    schedule_digest(application.job_queue, chat_store.update_chat(db, 1001, digest_time="off"))
    assert not [j for j in application.job_queue.get_jobs_by_name("digest:1001") if not j.removed]


async def test_a_chat_that_follows_nothing_gets_no_daily_digest(application, api):
    db = application.bot_data["services"].db
    add_chat(db, 1001)
    schedule_digest(application.job_queue, chat_store.get_chat(db, 1001))
    subscription_store.unsubscribe_all(db, 1001)
    await application.job_queue.get_jobs_by_name("digest:1001")[0].run(application)
    assert api.texts(1001) == [] and api.photos(1001) == []


async def test_an_edited_watchlist_is_picked_up_and_a_broken_one_ignored(application, settings, feed_server):
    svc = application.bot_data["services"]
    await on_startup(application)
    path = settings.watchlist_path
    path.write_text(
        path.read_text()
        + f"  - id: sharif\n    name: Shehbaz Sharif\n    sources:\n      - rss: {feed_server.url('/s.xml')}\n"
    )
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    reload_watchlist_if_changed(svc)
    await sync_polls(application, first_poll_now=False)
    assert {job.name for job in application.job_queue.jobs()} >= {"poll:1", "poll:2", "poll:3"}

    path.write_text("accounts: [broken")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
    reload_watchlist_if_changed(svc)
    assert [a.id for a in account_store.list_accounts(svc.db)] == ["rubio", "sharif", "tajani"]


async def test_the_daily_digest_goes_to_the_chats_topic_silently(application, api):
    db = application.bot_data["services"].db
    add_chat(db, -100, chat_type="supergroup")
    api.topics[-100] = {42}
    add_statement(db, "We reserve the right to respond.", published=datetime.now(UTC) - timedelta(hours=1))
    chat = chat_store.update_chat(db, -100, thread_id=42, silent=True)
    schedule_digest(application.job_queue, chat)
    await application.job_queue.get_jobs_by_name("digest:-100")[0].run(application)
    sent = [s for s in api.sent if s.chat_id == -100]
    assert [s.method for s in sent] == ["sendMessage", "sendPhoto"]
    assert all(s.thread_id == 42 and s.silent for s in sent)


async def test_a_digest_of_a_week_with_nothing_read_says_so_and_sends_no_empty_chart(application, api):
    db = application.bot_data["services"].db
    add_chat(db, 1001)
    schedule_digest(application.job_queue, chat_store.get_chat(db, 1001))
    await application.job_queue.get_jobs_by_name("digest:1001")[0].run(application)
    [digest] = api.texts(1001)
    assert "Nothing was read in this period" in digest and "Quiet day" not in digest
    assert api.photos(1001) == []


async def test_a_job_that_starts_late_still_runs(application):
    """A blocked loop (a busy machine) must not make the scheduler skip a poll or delivery
    pass: each schedules the next, so one skipped start would end the chain."""
    ran = []

    async def job(context) -> None:
        ran.append(context.job.name)

    application.job_queue.run_once(job, 0.2, name="late")
    time.sleep(2.5)  # the event loop is blocked past APScheduler's default one-second grace
    await asyncio.sleep(0.5)
    assert ran == ["late"]
