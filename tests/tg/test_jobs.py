"""Jobs rebuilt from the database, and the daily digest at a chat's local time."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import OperationalError
from telegram import Update
from telegram.ext import Application

from bot.pipeline import Pipeline
from bot.storage import accounts as account_store
from bot.storage import chats as chat_store
from bot.storage import subscriptions as subscription_store
from bot.tg.app import build_application, on_startup
from bot.tg.digests import schedule_digest
from bot.tg.jobs import deliver_job, reload_watchlist_if_changed, sync_polls
from tests.support.logs import with_traceback
from tests.tg.botapi_double import retry_after, server_error
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
    application.job_queue.scheduler.pause()  # no first poll fires (and leaves the list) on a slow machine
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
    application.job_queue.scheduler.pause()  # no first poll fires (and leaves the list) on a slow machine
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


async def test_a_running_bot_keeps_its_watchlist_when_an_edit_names_an_unknown_language(
    application, settings, caplog
):
    svc = application.bot_data["services"]
    await on_startup(application)
    path = settings.watchlist_path
    path.write_text(path.read_text().replace("languages: [it]", "languages: [italian]"))
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    reload_watchlist_if_changed(svc)  # what the minute's sync job does: no exception
    [rejected] = [r.getMessage() for r in caplog.records if "watchlist rejected" in r.getMessage()]
    assert f"{path}:13: account tajani: languages: 'italian' is not a language code" in rejected
    assert "keeping the last good one" in rejected and "use one of af, ar," in rejected
    assert {a.id: a.languages for a in account_store.list_accounts(svc.db)} == {"rubio": ("en",), "tajani": ("it",)}
    assert not with_traceback(caplog.records)


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


def digest_job_of(application: Application, chat_id: int):
    return application.job_queue.get_jobs_by_name(f"digest:{chat_id}")[0]


async def test_a_digest_held_back_by_flood_control_is_sent_when_telegram_allows(application, api):
    db = application.bot_data["services"].db
    add_chat(db, 1001)
    schedule_digest(application.job_queue, chat_store.get_chat(db, 1001))
    api.fail_next(1001, retry_after(45))
    await digest_job_of(application, 1001).run(application)
    assert api.texts(1001) == [] and chat_store.get_chat(db, 1001).last_digest_on is None
    [retry] = application.job_queue.get_jobs_by_name("digest:1001:retry")
    assert timedelta(seconds=44) < retry.next_t - datetime.now(UTC) < timedelta(seconds=60)
    application.bot.rate_limiter.resume_at = 0.0  # the 45 s have passed
    await retry.run(application)
    assert "Nothing was read" in api.texts(1001)[0] and chat_store.get_chat(db, 1001).last_digest_on


async def test_a_digest_after_a_network_error_is_tried_again_later(application, api):
    db = application.bot_data["services"].db
    add_chat(db, 1001)
    schedule_digest(application.job_queue, chat_store.get_chat(db, 1001))
    api.fail_next(1001, *[server_error()] * 4)  # the inline retries give up
    await digest_job_of(application, 1001).run(application)
    assert api.texts(1001) == []
    assert application.job_queue.get_jobs_by_name("digest:1001:retry")


async def test_a_digest_to_a_chat_that_blocked_the_bot_is_one_log_line_and_no_retry(application, api, caplog):
    db = application.bot_data["services"].db
    add_chat(db, 1001)
    schedule_digest(application.job_queue, chat_store.get_chat(db, 1001))
    api.blocked.add(1001)
    caplog.set_level(logging.INFO)
    await digest_job_of(application, 1001).run(application)
    assert not application.job_queue.get_jobs_by_name("digest:1001:retry")
    assert not with_traceback(caplog.records, "bot.")
    assert any("blocked" in r.getMessage() for r in caplog.records)


async def test_a_digest_whose_forum_topic_was_deleted_goes_to_the_main_thread(application, api):
    db = application.bot_data["services"].db
    add_chat(db, -100, chat_type="supergroup")
    api.topics[-100] = set()  # topic 42 was deleted
    schedule_digest(application.job_queue, chat_store.update_chat(db, -100, thread_id=42))
    await digest_job_of(application, -100).run(application)
    for retry in application.job_queue.get_jobs_by_name("digest:-100:retry"):
        await retry.run(application)
    assert [s.thread_id for s in api.sent if s.chat_id == -100] == [None]
    assert chat_store.get_chat(db, -100).thread_id is None


@pytest.mark.parametrize("old_status", ["kicked", "restricted"])  # unblocked; send rights given back
async def test_a_chat_that_unblocks_the_bot_gets_its_daily_digest_again(application, api, old_status):
    db = application.bot_data["services"].db
    chat_id = 1001 if old_status == "kicked" else -100
    add_chat(db, chat_id, chat_type="private" if chat_id > 0 else "supergroup")
    chat_store.record_removed(db, chat_id)  # refused while the bot was down: no digest job at start-up
    await on_startup(application)
    assert not application.job_queue.get_jobs_by_name(f"digest:{chat_id}")
    chat_type = "private" if chat_id > 0 else "supergroup"
    api.my_chat_member(chat_id, "member", old_status=old_status, chat_type=chat_type)
    await application.process_update(Update.de_json(api.updates[-1], application.bot))
    assert chat_store.get_chat(db, chat_id).active
    assert application.job_queue.get_jobs_by_name(f"digest:{chat_id}")


async def test_a_failing_delivery_pass_backs_off_and_logs_one_traceback(application, caplog, monkeypatch):
    svc = application.bot_data["services"]

    async def broken() -> int:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(svc.delivery, "deliver_due", broken)
    application.job_queue.scheduler.pause()  # only the runs below: none fires by itself on a slow machine
    gaps = []
    for _ in range(8):
        application.job_queue.run_once(deliver_job, 0, name="deliver-test")
        await application.job_queue.get_jobs_by_name("deliver-test")[0].run(application)
        following = application.job_queue.get_jobs_by_name("deliver")
        gaps.append(max((j.next_t - datetime.now(UTC)).total_seconds() for j in following))
        for job in following:
            job.schedule_removal()
        await asyncio.sleep(0)
    assert gaps[0] < gaps[1] < gaps[2] and 55 < gaps[-1] <= 60
    assert len(with_traceback(caplog.records)) == 1
