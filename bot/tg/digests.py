"""The daily digest: its job at each chat's local time, and sending it.

`digest:<chat id>` runs daily at the chat's local time (an aware `time`, so daylight-saving
changes follow the zone); a digest missed by a restart within `DIGEST_CATCH_UP` is sent at
start-up. A digest Telegram did not take is not lost for the day: flood control gets it
sent once the wait is over, a network error or 5xx gets up to `DIGEST_RETRIES` later tries
with back-off, a deleted forum topic sends it to the main thread. A chat that blocked or
removed the bot is one log line (delivery counts the refusal), and no retry.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes, JobQueue

from bot.delivery import THREAD_GONE
from bot.digest import build_digest, translate_quotes
from bot.ratelimit import retry_seconds
from bot.render.chart import render_chart
from bot.render.digest import format_digest
from bot.storage import chats as chat_store
from bot.storage import subscriptions as subscription_store
from bot.storage.chats import DIGEST_OFF, ChatSettings
from bot.tg.services import Services, drop_jobs, services

log = logging.getLogger(__name__)

DIGEST_PREFIX = "digest:"
DIGEST_CATCH_UP = timedelta(hours=3)
DIGEST_RETRIES = 4
DIGEST_RETRY_BASE = 60.0  # seconds; doubled per try: 1, 2, 4, 8 minutes


def digest_clock(chat: ChatSettings) -> time | None:
    """The chat's digest time as an aware `time` in its zone; None when turned off."""
    if chat.digest_time == DIGEST_OFF:
        return None
    try:
        hour, minute = (int(part) for part in chat.digest_time.split(":"))
        return time(hour, minute, tzinfo=ZoneInfo(chat.timezone))
    except ValueError:  # an edited database: no digest for this chat, rather than no bot
        log.warning(
            "chat %s has an unusable digest time %r; no daily digest until /digesttime", chat.id, chat.digest_time[:10]
        )
        return None


def schedule_digest(job_queue: JobQueue, chat: ChatSettings, catch_up: bool = False) -> None:
    """(Re)schedule a chat's daily digest; `catch_up` sends a recently missed one now."""
    name = f"{DIGEST_PREFIX}{chat.id}"
    drop_jobs(job_queue, name)
    clock = digest_clock(chat)
    if clock is None or not chat.active:
        return
    job_queue.run_daily(
        digest_job,
        clock,
        name=name,
        chat_id=chat.id,
        job_kwargs={"misfire_grace_time": 600, "coalesce": True},
    )
    if catch_up:
        zone = ZoneInfo(chat.timezone)
        local_now = datetime.now(zone)
        due = datetime.combine(local_now.date(), clock.replace(tzinfo=None), zone)
        if due <= local_now < due + DIGEST_CATCH_UP and chat.last_digest_on != local_now.date().isoformat():
            job_queue.run_once(digest_job, random.uniform(5, 15), chat_id=chat.id, name=f"{name}:catch-up")


def move_digest(job_queue: JobQueue, old_id: int, chat: ChatSettings) -> None:
    """A chat that changed id (a group become supergroup): its digest job follows it."""
    drop_jobs(job_queue, f"{DIGEST_PREFIX}{old_id}")
    schedule_digest(job_queue, chat)


async def send_digest(
    svc: Services, chat: ChatSettings, reply_to: int | None = None, thread_id: int | None = None, silent: bool = False
) -> int:
    """Build the chat's digest and send it: the text, then the 7-day chart as a photo (none
    when no day of the week had a readable statement).

    It goes to `reply_to` (default: the chat itself; a private chat asking for the digest of
    the channel it manages) in forum topic `thread_id`, silently when asked. Once the text
    is out, the digest is sent: a chart Telegram refuses is logged, not retried (that would
    send the text twice).
    """
    account_ids = await asyncio.to_thread(chat_store.chat_account_ids, svc.db, chat.id)
    digest = await asyncio.to_thread(build_digest, svc.db, account_ids, datetime.now(UTC), chat.timezone, svc.settings)
    digest = await translate_quotes(digest, chat.language, svc.delivery.translator)
    where = {"thread_id": thread_id, "silent": silent}
    chat_id = await svc.delivery.send_html(reply_to or chat.id, format_digest(digest, chat.language), **where)
    if all(day.tension is None for day in digest.days):
        return chat_id  # nothing readable all week: empty bars would only look like a quiet week
    try:
        chart = await asyncio.to_thread(render_chart, digest, chat.language)
    except Exception:  # the text is the digest; a chart that cannot be drawn is logged, not fatal
        log.exception("digest chart failed", extra={"chat_id": chat_id})
        return chat_id
    if chart is not None:  # None: no matplotlib; the text carries a sparkline instead
        try:
            await svc.delivery.send_photo(chat_id, chart, **where)
        except TelegramError as error:
            log.warning("digest chart not sent: %s", error.message, extra={"chat_id": chat_id})
    return chat_id


def retry_delay(error: TelegramError, chat: ChatSettings, attempt: int) -> float | None:
    """Seconds until a failed daily digest is tried again; None: not again today."""
    if attempt >= DIGEST_RETRIES:
        return None
    if isinstance(error, RetryAfter):
        return retry_seconds(error) + random.uniform(1, 5)
    if isinstance(error, BadRequest):
        return 1.0 if chat.thread_id is not None and THREAD_GONE in error.message.lower() else None
    if isinstance(error, NetworkError):
        return DIGEST_RETRY_BASE * 2**attempt * random.uniform(0.8, 1.2)
    return None  # Forbidden and the like: the chat refused us


async def digest_failed(context: ContextTypes.DEFAULT_TYPE, chat: ChatSettings, error: TelegramError) -> None:
    """One log line; a retry when Telegram may take the digest later."""
    svc, attempt = services(context), int(context.job.data or 0)
    if isinstance(error, BadRequest) and chat.thread_id is not None and THREAD_GONE in error.message.lower():
        await asyncio.to_thread(chat_store.update_chat, svc.db, chat.id, thread_id=None)
    delay = retry_delay(error, chat, attempt)
    extra = {"chat_id": chat.id}
    if delay is None:
        level = logging.INFO if isinstance(error, Forbidden) else logging.WARNING
        log.log(level, "daily digest not sent: %s: %s", type(error).__name__, error.message, extra=extra)
        return
    log.warning("daily digest not sent (%s); trying again in %.0f s", error.message, delay, extra=extra)
    name = f"{DIGEST_PREFIX}{chat.id}:retry"
    drop_jobs(context.job_queue, name)
    context.job_queue.run_once(digest_job, delay, chat_id=chat.id, name=name, data=attempt + 1)


async def digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The daily digest, once per local day even if the job fires twice (restart, catch-up, retry)."""
    svc, chat_id = services(context), int(context.job.chat_id)
    chat = await asyncio.to_thread(chat_store.get_chat, svc.db, chat_id)
    subs = await asyncio.to_thread(subscription_store.subscriptions, svc.db, chat_id)
    if chat is None or not chat.active or all(s.is_exception for s in subs):
        return  # gone, blocked us, or follows nothing any more
    today = datetime.now(ZoneInfo(chat.timezone)).date().isoformat()
    claim = await asyncio.to_thread(chat_store.claim_digest, svc.db, chat_id, today)  # marked sent first
    if not claim.won:
        return
    try:
        chat_id = await send_digest(svc, chat, thread_id=chat.thread_id, silent=chat.silent)
    except Exception as error:
        await asyncio.to_thread(chat_store.unclaim_digest, svc.db, chat_id, today, claim.previous)
        if not isinstance(error, TelegramError):
            log.exception("daily digest failed", extra={"chat_id": chat_id})
            return
        await digest_failed(context, chat, error)
        return
    log.info("daily digest sent", extra={"chat_id": chat_id})
