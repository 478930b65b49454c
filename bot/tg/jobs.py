"""Scheduled work, all rebuilt from the database at start-up (PTB jobs are not persisted).

- `poll:<source id>`: one job per source. The first poll runs right at start-up (with a
  second or two of jitter); each later one at the time the pipeline stored for that
  source (its interval, the server's cache hints, back-off after errors, with jitter).
- `deliver`: the outbox worker, every few seconds, one run at a time. A poll that stores
  new statements wakes it at once (the running pass takes the new alerts, or one starts).
- `digest:<chat id>`: each chat's daily digest at its local time (`bot.tg.digests`).
- `sync-sources`: re-reads an edited watchlist.yaml (keeping the last good one when the
  edit is invalid) and picks up sources added or removed outside this process's jobs.
- `retry-translations`: statements stored untranslated get another try.
- `retention`: forgets finished outbox rows after `OUTBOX_RETENTION`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import UTC, datetime, timedelta

from telegram.ext import Application, ContextTypes, JobQueue

from bot.backoff import DISABLE_AFTER, clamp_seconds
from bot.i18n import REFERENCE, text
from bot.pipeline import RefreshResult, load_configured_watchlist
from bot.reader.health import source_notes
from bot.reader.urls import redact_url
from bot.render.alert import escape
from bot.settings import Settings
from bot.storage import accounts as account_store
from bot.storage import chats as chat_store
from bot.storage import outbox as outbox_store
from bot.storage import sources as source_store
from bot.tg.digests import schedule_digest
from bot.tg.services import Services, app_services, drop_jobs, services

log = logging.getLogger(__name__)

POLL_PREFIX = "poll:"
DELIVERY_SECONDS = 2.0
MAX_DELIVERY_GAP = 60.0
STARTUP_JITTER_SECONDS = 2.0
SYNC_SECONDS = 60.0
MIN_POLL_GAP = timedelta(seconds=1)
MAX_POLL_GAP = timedelta(days=1)
OUTBOX_RETENTION = timedelta(days=30)


# --- polling ----------------


def schedule_poll(job_queue: JobQueue, source_id: int, when: datetime) -> None:
    name = f"{POLL_PREFIX}{source_id}"
    drop_jobs(job_queue, name)
    job_queue.run_once(poll_job, when, data=source_id, name=name)


async def poll_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Refresh one source (a refresh never raises), then schedule its next poll.

    The source is leased first, as `ladderwatch worker` does: when workers share the
    database, whoever leases a due source polls it and nobody else does. The next time is
    what the pipeline stored; when it could not store one (the database is down), the
    source waits one poll interval rather than spinning every second. A source is never
    refreshed twice at once here (a slow refresh outlives the sync job's look at the
    schedule), and nothing new starts once the bot is stopping.
    """
    svc, source_id = services(context), int(context.job.data)
    if svc.stopping.is_set() or source_id in svc.polling:
        return  # stopping, or the refresh still running schedules the next poll itself
    started = datetime.now(UTC)
    svc.polling.add(source_id)
    try:
        results = await refresh_unless_stopping(svc, source_id)
        if results is None:
            log.info("poll interrupted: the bot is stopping; it runs again at start-up", extra={"source_id": source_id})
            return
        due = await asyncio.to_thread(source_store.source_due_at, svc.db, source_id, started)
    except Exception as error:  # any database failure: retry after an interval
        log.error("cannot lease or schedule the source (%s); retrying later", error, extra={"source_id": source_id})
        retry = datetime.now(UTC) + timedelta(seconds=clamp_seconds(svc.settings.poll_seconds))
        schedule_poll(context.job_queue, source_id, retry)
        return
    finally:
        svc.polling.discard(source_id)
    for result in results:
        if result.disabled:
            await notify_source_disabled(svc, result)
    if any(result.new_ids for result in results) and not svc.delivery.wake():
        context.application.create_task(svc.delivery.deliver_due(), name="deliver-new")  # now, not next pass
    if due is None:
        log.info("source no longer watched; polling stops", extra={"source_id": source_id})
        return
    now = datetime.now(UTC)
    fallback = now + timedelta(seconds=clamp_seconds(svc.settings.poll_seconds))
    when = due if due > started else fallback
    schedule_poll(context.job_queue, source_id, min(max(when, now + MIN_POLL_GAP), now + MAX_POLL_GAP))


def stop_polling(application: Application) -> None:
    """Called when the bot begins to stop: running refreshes are cancelled, none starts."""
    app_services(application).stopping.set()


async def refresh_unless_stopping(svc: Services, source_id: int) -> list[RefreshResult] | None:
    """The leased refresh's results, or None when the bot began stopping first and it was cancelled.

    A source stuck in a 20-second fetch (or queued behind others on its host) must not hold
    the shutdown: PTB waits for running jobs, then cancels those that started meanwhile,
    each with a traceback. The pipeline stores a fetch's statements and queues their
    alerts in one step, so a cancel never separates the two.
    """
    refresh = asyncio.ensure_future(svc.pipeline.refresh_leased([source_id]))
    stopping = asyncio.ensure_future(svc.stopping.wait())
    try:
        await asyncio.wait({refresh, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if refresh.done():
        return refresh.result()
    refresh.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await refresh
    return None


async def notify_source_disabled(svc: Services, result: RefreshResult) -> None:
    """Tell every administrator, once (the switch-off happens once), through normal delivery."""
    for admin in sorted(svc.settings.admins):
        chat = await asyncio.to_thread(chat_store.get_chat, svc.db, admin)
        lang = chat.language if chat is not None else REFERENCE
        message = text(
            lang,
            "source.disabled",
            account=escape(result.account_id),
            error=escape(redact_url(result.error or "")[:500]),
            hours=int(DISABLE_AFTER.total_seconds() // 3600),
        )
        try:
            await svc.delivery.send_html(admin, message)
        except Exception as error:  # an admin who never started the bot
            log.warning("could not tell admin %s that a source was switched off: %s", admin, error)


def poll_job_ids(job_queue: JobQueue) -> set[int]:
    return {
        int(job.name[len(POLL_PREFIX) :])
        for job in job_queue.jobs()
        if job.name and job.name.startswith(POLL_PREFIX) and job.enabled and not job.removed
    }


async def sync_polls(application: Application, first_poll_now: bool) -> None:
    """Give every watched source a poll job and drop jobs of sources no longer watched.

    At start-up (`first_poll_now`) every source polls within a couple of seconds; later,
    a newly seen source polls at its stored time (now, for a new one).
    """
    svc, job_queue = app_services(application), application.job_queue
    assert job_queue is not None
    now = datetime.now(UTC)
    due = dict(await asyncio.to_thread(svc.pipeline.due_sources, now))
    scheduled = poll_job_ids(job_queue) | svc.polling  # a running poll schedules its own next one
    for source_id, when in due.items():
        if first_poll_now or source_id not in scheduled:
            start = now if first_poll_now else max(when, now)
            jitter = timedelta(seconds=random.uniform(0, STARTUP_JITTER_SECONDS))
            schedule_poll(job_queue, source_id, start + jitter)
    for source_id in scheduled - due.keys():
        drop_jobs(job_queue, f"{POLL_PREFIX}{source_id}")


def watchlist_stamp(settings: Settings) -> float | None:
    path = settings.watchlist_path
    return path.stat().st_mtime if path.is_file() else None


def log_unread_sources(svc: Services) -> None:
    """What the settings leave unread and how to fix it, logged once (at start-up and after
    a watchlist edit): those sources are never polled, so no poll repeats it per source."""
    rows, accounts = account_store.list_source_rows(svc.db), account_store.list_accounts(svc.db)
    for note in source_notes(rows, accounts, svc.settings):
        log.warning("%s", note.removeprefix("warning: "))  # the level already says "warning"


def reload_watchlist_if_changed(svc: Services) -> None:
    """Re-read watchlist.yaml after an edit; an invalid file keeps the last good one."""
    stamp = watchlist_stamp(svc.settings)
    if stamp is None or stamp == svc.watchlist_stamp:
        return
    svc.watchlist_stamp = stamp
    if load_configured_watchlist(svc.settings, svc.db) is None:
        log.info("watchlist reloaded from %s", svc.settings.watchlist_path)
        log_unread_sources(svc)


async def sync_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pick up watchlist edits and sources added or removed elsewhere."""
    await asyncio.to_thread(reload_watchlist_if_changed, services(context))
    await sync_polls(context.application, first_poll_now=False)


async def retry_translations_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Statements stored untranslated (provider down) get another try; alerts follow."""
    try:
        await services(context).pipeline.retry_translations()
    except Exception:
        log.exception("translation retry failed")


# --- delivery ----------------


async def deliver_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One outbox pass; the next is scheduled when this one ends, so passes never overlap.

    A failing pass (the database is down) backs off, doubling up to `MAX_DELIVERY_GAP`; its
    traceback is logged once, then one line per failure until a pass succeeds."""
    svc, delay = services(context), DELIVERY_SECONDS
    try:
        await svc.delivery.deliver_due()
        svc.delivery_failures = 0
    except Exception as error:
        svc.delivery_failures += 1
        delay = min(DELIVERY_SECONDS * 2**svc.delivery_failures, MAX_DELIVERY_GAP)
        if svc.delivery_failures == 1:
            log.exception("delivery pass failed; next try in %.0f s", delay)
        else:
            failures = svc.delivery_failures
            log.error("delivery pass failed (%d in a row): %s; next try in %.0f s", failures, error, delay)
    finally:
        context.job_queue.run_once(deliver_job, delay, name="deliver")


# --- retention and start-up ------------------------------------------------------------------


async def retention_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    removed = await asyncio.to_thread(outbox_store.prune, svc.db, datetime.now(UTC) - OUTBOX_RETENTION)
    if removed:
        log.info("forgot %d finished alerts older than %s days", removed, OUTBOX_RETENTION.days)


async def rebuild_jobs(application: Application) -> None:
    """Every job, from the database: polls, delivery, digests, sync, retention."""
    job_queue = application.job_queue
    assert job_queue is not None
    svc = app_services(application)
    svc.watchlist_stamp = await asyncio.to_thread(watchlist_stamp, svc.settings)  # read by open()
    await asyncio.to_thread(log_unread_sources, svc)
    await sync_polls(application, first_poll_now=True)
    job_queue.run_once(deliver_job, 0.5, name="deliver")
    for chat in await asyncio.to_thread(chat_store.digest_chats, svc.db):
        schedule_digest(job_queue, chat, catch_up=True)
    job_queue.run_repeating(sync_job, SYNC_SECONDS, first=SYNC_SECONDS, name="sync-sources")
    job_queue.run_repeating(retry_translations_job, 120, first=120, name="retry-translations")
    job_queue.run_repeating(retention_job, timedelta(hours=6), first=60, name="retention")
