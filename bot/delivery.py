"""The one path for every message to Telegram: splitting, retries, chat fate, the outbox.

- Texts over Telegram's 4096-character limit are split (`bot.render.split`) into parts
  that are each valid HTML.
- Telegram's limits (30/s overall, 1/s per private chat, 20/min per group) are kept by
  the bot's rate limiter (`bot.ratelimit`); the outbox pass (`bot.dispatch`) keeps several
  alerts in flight so a fan-out runs at that rate, one alert at a time per chat.
- `RetryAfter` is honoured (the outbox pauses entirely: Telegram's flood control is per bot).
- Network errors and 5xx are retried with exponential back-off.
- `Forbidden` (blocked, kicked) counts against the chat; after `FORBIDDEN_LIMIT` in a row
  the chat is deactivated. `ChatMigrated` moves the chat to its new id and resends.
- `BadRequest` is permanent for that message: recorded, not retried — except a forum
  topic that was deleted: the chat's alerts then go to its main thread, and the alert is retried.
- Alerts and digests go to the chat's forum topic (`thread_id`) and, for a chat in silent
  mode, with `disable_notification`; replies go where the command was sent.

Exactly-once, honestly: each part is recorded as sent (`mark_part_sent`, one short
transaction) right after Telegram accepts it, and the outbox row goes to `sent` with its
last part. A restart resumes after the last recorded part. The remaining window is the
time between Telegram's answer and that commit (milliseconds): a crash exactly there, or
a request that timed out after Telegram had already accepted it, sends that one part again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot import metrics
from bot.dispatch import Claimed, Delivered, OutboxPass
from bot.model import Translation
from bot.ratelimit import TelegramLimiter, retry_seconds
from bot.render.alert import display_translation_needed, format_alert
from bot.render.split import CAPTION_LIMIT, split_html
from bot.storage import chats as chat_store
from bot.storage import outbox as outbox_store
from bot.storage.chats import ChatSettings
from bot.storage.db import Database
from bot.storage.outbox import AlertContent, OutboxItem
from bot.translate import UNCHANGED

log = logging.getLogger(__name__)

FORBIDDEN_LIMIT = 3
MAX_ATTEMPTS = 10
RENDER_CACHE = 64  # (statement, language, zone) renderings a pass keeps for its fan-out
INTERACTIVE_RETRIES = 3
LONGEST_INTERACTIVE_WAIT = 30.0
THREAD_GONE = "thread not found"  # Telegram's answer when a forum topic was deleted
# 400 answers that are about the chat, not the message: counted like a 403 (blocked, kicked)
CHAT_REFUSALS = (
    "chat not found",
    "not enough rights to send text",  # not "… to send photos": the chat still takes text
    "have no rights to send a message",
    "need administrator rights in the channel",
)


def refused_by_chat(error: TelegramError) -> bool:
    """The chat is gone or shut to the bot (403, or a 400 such as "chat not found")."""
    message = error.message.lower()
    return isinstance(error, Forbidden) or (
        isinstance(error, BadRequest) and any(reason in message for reason in CHAT_REFUSALS)
    )


class Translator(Protocol):
    async def translate(self, text: str, source_lang: str, target_lang: str) -> Translation: ...


def backoff(attempts: int, base: float = 5.0, ceiling: float = 3600.0) -> timedelta:
    """Exponential back-off with jitter: 5 s, 10 s, 20 s… up to an hour."""
    seconds = min(base * 2**attempts, ceiling)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


Send = Callable[[int], Awaitable[object]]


async def display_translation(
    text: str,
    lang: str,
    translation_en: str | None,
    chat_lang: str,
    translator: Translator | None,
    provider_en: str | None = None,
) -> Translation | None:
    """What a chat is shown beside a statement (alerts and digest quotes alike): None when the
    statement is in the chat's language, else the stored English (made by `provider_en`, when
    known) or the translator's answer."""
    if not display_translation_needed(lang, chat_lang):
        return None
    if chat_lang == "en" and translation_en:
        return Translation(translation_en, lang, "en", provider_en or "stored")
    if translator is not None:
        translation = await translator.translate(text, lang, chat_lang)
        return None if translation.provider == UNCHANGED else translation  # already reads in chat_lang
    return Translation(None, lang, chat_lang, None, "no translator configured")


async def render_alert(content: AlertContent, chat: ChatSettings, translator: Translator | None) -> str:
    """The alert in the chat's language, with a translation when the original is in another."""
    translation = await display_translation(
        content.text, content.lang, content.translation_en, chat.language, translator, content.translation_provider
    )
    return format_alert(content, chat.language, chat.timezone, translation)


class Delivery:
    """Sends through one bot; knows the database so chat moves and failures are recorded."""

    def __init__(self, bot: Bot, db: Database, translator: Translator | None) -> None:
        self.bot, self.db, self.translator = bot, db, translator
        self.paused_until: datetime | None = None
        self.lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._rendered: dict[tuple[int, str, str], asyncio.Future[str]] = {}
        self._claims_reset = False

    # --- single calls ----------------------------------------------------------------

    async def _call(self, chat_id: int, send: Send, record_success: bool = True) -> tuple[object, int]:
        """One Bot API call for a chat, following a group's move to a supergroup once;
        `record_success` clears the chat's refusal count here (alerts do it after their record)."""
        try:
            message = await send(chat_id)
        except ChatMigrated as moved:
            metrics.count_telegram_error(moved)
            new_id = int(moved.new_chat_id)
            await asyncio.to_thread(chat_store.migrate_chat, self.db, chat_id, new_id)
            log.info("chat moved to %s", new_id, extra={"chat_id": chat_id})
            message, chat_id = await send(new_id), new_id
        except TelegramError as error:
            metrics.count_telegram_error(error)
            raise
        if record_success:
            await asyncio.to_thread(chat_store.record_send_success, self.db, chat_id)
        return message, chat_id

    async def _interactive(self, chat_id: int, send: Send) -> tuple[object, int]:
        """A call a user is waiting for: short RetryAfter waits and network retries inline."""
        for attempt in range(INTERACTIVE_RETRIES + 1):
            try:
                return await self._call(chat_id, send)
            except RetryAfter as error:
                wait = retry_seconds(error)
                if wait > LONGEST_INTERACTIVE_WAIT or attempt == INTERACTIVE_RETRIES:
                    raise
                await asyncio.sleep(wait)
            except (BadRequest, Forbidden) as error:
                if refused_by_chat(error):
                    await asyncio.to_thread(chat_store.record_send_refused, self.db, chat_id, FORBIDDEN_LIMIT)
                raise
            except NetworkError:
                if attempt == INTERACTIVE_RETRIES:
                    raise
                await asyncio.sleep(2**attempt)
        raise AssertionError("unreachable")

    async def send_html(
        self,
        chat_id: int,
        html: str,
        reply_markup: InlineKeyboardMarkup | None = None,
        *,
        thread_id: int | None = None,
        silent: bool = False,
    ) -> int:
        """A reply or digest text, split when needed, keyboard last; returns the chat id used.

        `thread_id` is the forum topic to post in; `silent` sends without a notification sound.
        """
        parts = split_html(html)
        for index, part in enumerate(parts):
            markup = reply_markup if index == len(parts) - 1 else None

            async def send(target: int, part: str = part, markup: InlineKeyboardMarkup | None = markup) -> Message:
                return await self.bot.send_message(
                    target, part, reply_markup=markup, message_thread_id=thread_id, disable_notification=silent
                )

            _, chat_id = await self._interactive(chat_id, send)
        return chat_id

    async def edit_html(
        self,
        chat_id: int,
        message_id: int,
        html: str,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """Replace a message's text (the /filters keyboard); 'not modified' is not an error."""
        shortened = split_html(html)[0]

        async def edit(target: int) -> object:
            return await self.bot.edit_message_text(
                shortened, chat_id=target, message_id=message_id, reply_markup=reply_markup
            )

        try:
            await self._interactive(chat_id, edit)
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise

    async def send_document(self, chat_id: int, data: bytes, filename: str) -> None:
        async def send(target: int) -> Message:
            return await self.bot.send_document(target, data, filename=filename)

        await self._interactive(chat_id, send)

    async def send_photo(
        self,
        chat_id: int,
        photo: bytes,
        caption: str | None = None,
        *,
        thread_id: int | None = None,
        silent: bool = False,
    ) -> None:
        caption = split_html(caption, CAPTION_LIMIT)[0] if caption else None

        async def send(target: int) -> Message:
            return await self.bot.send_photo(
                target, photo, caption=caption, message_thread_id=thread_id, disable_notification=silent
            )

        await self._interactive(chat_id, send)

    # --- the outbox worker -------------------------------------------------------------

    def paused(self) -> bool:
        return self.paused_until is not None and datetime.now(UTC) < self.paused_until

    def chat_delay(self, chat_id: int) -> float:
        """Seconds until the rate limiter lets a message to `chat_id` go (0 without one)."""
        limiter = getattr(self.bot, "rate_limiter", None)
        return limiter.chat_delay(chat_id) if isinstance(limiter, TelegramLimiter) else 0.0

    def wake(self) -> bool:
        """New alerts were queued: True when a running pass takes them (no new pass needed)."""
        self._wake.set()
        return self.lock.locked()

    async def render(self, content: AlertContent, chat: ChatSettings) -> list[str]:
        """The alert's parts for this chat; one rendering (and translation) per statement,
        language and zone serves a whole fan-out."""
        key = (content.statement_id, chat.language, chat.timezone)
        task = self._rendered.get(key)
        if task is None:
            task = asyncio.ensure_future(render_alert(content, chat, self.translator))
            self._rendered[key] = task
            if len(self._rendered) > RENDER_CACHE:
                self._rendered.pop(next(iter(self._rendered)))
        try:
            return split_html(await asyncio.shield(task))
        except Exception:
            if self._rendered.get(key) is task:
                del self._rendered[key]  # a failure is not remembered: the retry renders again
            raise

    async def deliver_due(self) -> int:
        """Send due alerts until none is due (`bot.dispatch`: several in flight, one at a
        time per chat, at the rate limit); returns how many alerts were completed."""
        async with self.lock:
            if not self._claims_reset:  # the only sender (the bot's lock): claims left by a crash are stale
                await asyncio.to_thread(outbox_store.release_claims, self.db, None)
                self._claims_reset = True
            done = 0
            while not self.paused():
                self._rendered.clear()  # a chat's language or a translation may have changed since
                done += await OutboxPass(self, self.db, self._wake).run()
                if not self._wake.is_set():  # else woken as it was ending: alerts are waiting
                    break
            return done

    async def deliver(self, claimed: Claimed) -> Delivered:
        """Send one claimed alert, part after part, recording each as Telegram accepts it."""
        item, content, chat = claimed.item, claimed.content, claimed.chat
        extra = {"chat_id": item.chat_id, "statement_id": item.statement_id}
        if content is None or chat is None:
            await asyncio.to_thread(outbox_store.mark_failed, self.db, item.id, "statement or chat no longer exists")
            return Delivered(False)
        try:
            parts = await self.render(content, chat)
        except Exception as error:  # a bad alert must not block the queue behind it
            log.exception("alert could not be rendered", extra=extra)
            await self._retry_later(item, f"rendering failed: {type(error).__name__}: {error}")
            return Delivered(False)
        chat_id = item.chat_id
        try:
            for index in range(item.sent_parts, len(parts)):

                async def send(target: int, part: str = parts[index]) -> Message:
                    return await self.bot.send_message(
                        target, part, message_thread_id=chat.thread_id, disable_notification=chat.silent
                    )

                _, chat_id = await self._call(chat_id, send, record_success=False)
                await self._record_part(item, index + 1, index + 1 == len(parts))
            if chat.send_failures:
                await asyncio.to_thread(chat_store.record_send_success, self.db, chat_id)
            metrics.observe_alert_sent(content.first_seen_at)
            log.info("alert sent", extra={"chat_id": chat_id, "statement_id": item.statement_id})
            return Delivered(True, chat_changed=chat_id != item.chat_id)
        except RetryAfter as error:
            wait = timedelta(seconds=retry_seconds(error))
            self.paused_until = max(self.paused_until or datetime.now(UTC), datetime.now(UTC) + wait)
            await asyncio.to_thread(
                outbox_store.schedule_retry,
                self.db,
                item.id,
                self.paused_until,
                f"flood control: {error}",
                False,
            )
            log.warning("Telegram asked to wait %.0f s; delivery paused", wait.total_seconds(), extra=extra)
            return Delivered(False, chat_changed=chat_id != item.chat_id)  # the pass sees `paused()`
        except (Forbidden, BadRequest) as error:
            if refused_by_chat(error):
                return await self._refused(item, chat_id, error)
            return await self._rejected(item, chat, chat_id, error)
        except TelegramError as error:  # network errors, 5xx, timeouts, a second migration
            await self._retry_later(item, f"{type(error).__name__}: {error.message}")
            return Delivered(False, chat_changed=chat_id != item.chat_id)
        except Exception as error:  # e.g. an answer PTB cannot parse: the message may be out
            log.exception("unexpected answer while sending; not retried, to never send twice", extra=extra)
            await asyncio.to_thread(outbox_store.mark_failed, self.db, item.id, f"{type(error).__name__}: {error}")
            return Delivered(False, chat_changed=chat_id != item.chat_id)

    async def _refused(self, item: OutboxItem, chat_id: int, error: TelegramError) -> Delivered:
        """The chat blocked or removed the bot, or is gone: counted; deactivated after a few."""
        extra = {"chat_id": item.chat_id, "statement_id": item.statement_id}
        deactivated = await asyncio.to_thread(chat_store.record_send_refused, self.db, chat_id, FORBIDDEN_LIMIT)
        if deactivated:
            log.warning("chat deactivated after repeated refusals: %s", error.message, extra=extra)
        else:
            await self._retry_later(item, f"refused by Telegram: {error.message}")
        return Delivered(False, chat_changed=True)  # its other alerts wait for the next pass

    async def _rejected(self, item: OutboxItem, chat: ChatSettings, chat_id: int, error: BadRequest) -> Delivered:
        """Telegram refused this message (permanent), or the chat's forum topic is gone (retried)."""
        extra = {"chat_id": item.chat_id, "statement_id": item.statement_id}
        if chat.thread_id is not None and THREAD_GONE in error.message.lower():
            await asyncio.to_thread(chat_store.update_chat, self.db, chat_id, thread_id=None)
            log.warning("the chat's forum topic is gone; alerts go to its main thread", extra=extra)
            await self._retry_later(item, f"forum topic gone: {error.message}")
            return Delivered(False, chat_changed=True)
        reason = f"Telegram rejected the message: {error.message}"
        await asyncio.to_thread(outbox_store.mark_failed, self.db, item.id, reason)
        log.error("alert rejected: %s", error.message, extra=extra)
        return Delivered(False, chat_changed=chat_id != item.chat_id)

    async def _record_part(self, item: OutboxItem, parts_sent: int, done: bool) -> None:
        """Record a part Telegram accepted, with no pause in between where a cancellation
        could land; a stopping bot waits for the record rather than leaving the part unrecorded."""
        now = datetime.now(UTC)
        record = asyncio.ensure_future(
            asyncio.to_thread(outbox_store.mark_part_sent, self.db, item.id, parts_sent, done, now)
        )
        try:
            await asyncio.shield(record)
        except asyncio.CancelledError:
            await record
            raise

    async def _retry_later(self, item: OutboxItem, reason: str) -> None:
        extra = {"chat_id": item.chat_id, "statement_id": item.statement_id}
        if item.attempts + 1 >= MAX_ATTEMPTS:
            await asyncio.to_thread(
                outbox_store.mark_failed,
                self.db,
                item.id,
                f"gave up after {MAX_ATTEMPTS} attempts: {reason}",
            )
            log.error("alert given up: %s", reason, extra=extra)
            return
        when = datetime.now(UTC) + backoff(item.attempts)
        await asyncio.to_thread(outbox_store.schedule_retry, self.db, item.id, when, reason)
        log.warning("alert will be retried: %s", reason, extra=extra)
