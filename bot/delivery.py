"""The one path for every message to Telegram: splitting, retries, chat fate, the outbox.

- Texts over Telegram's 4096-character limit are split (`bot.render.split`) into parts
  that are each valid HTML.
- Alerts go out at most one per second per chat; `AIORateLimiter` keeps the overall
  (30/s) and per-group (20/min) limits.
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
import warnings
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
from telegram.warnings import PTBDeprecationWarning

from bot import metrics
from bot.model import Translation
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
BATCH = 25
INTERACTIVE_RETRIES = 3
PER_CHAT_SECONDS = 1.0
LONGEST_INTERACTIVE_WAIT = 30.0
THREAD_GONE = "thread not found"  # Telegram's answer when a forum topic was deleted

class Translator(Protocol):
    async def translate(self, text: str, source_lang: str, target_lang: str) -> Translation: ...


def retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the type will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


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

    def __init__(
        self, bot: Bot, db: Database, translator: Translator | None, per_chat_seconds: float = PER_CHAT_SECONDS
    ) -> None:
        self.bot, self.db, self.translator = bot, db, translator
        self.per_chat_seconds = per_chat_seconds
        self.paused_until: datetime | None = None
        self.lock = asyncio.Lock()
        self._next_send: dict[int, float] = {}
        self._claims_reset = False

    async def _pace(self, chat_id: int) -> None:
        """Alerts go out at most one per second per chat (Telegram's per-chat limit;
        AIORateLimiter covers the overall and per-group limits)."""
        loop = asyncio.get_running_loop()
        wait = self._next_send.get(chat_id, 0.0) - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self._next_send[chat_id] = loop.time() + self.per_chat_seconds

    # --- single calls ----------------------------------------------------------------

    async def _call(self, chat_id: int, send: Send) -> tuple[object, int]:
        """One Bot API call for a chat, following a group's move to a supergroup once."""
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
            except BadRequest:
                raise
            except Forbidden:
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

    async def render(self, content: AlertContent, chat: ChatSettings) -> str:
        return await render_alert(content, chat, self.translator)

    async def deliver_due(self) -> int:
        """Send due alerts oldest first, batch after batch until none is due (a fan-out to
        thousands of chats runs at the rate limit, not one batch per pass); returns how
        many alerts were completed."""
        async with self.lock:
            if not self._claims_reset:  # the only sender (the bot's lock): claims left by a crash are stale
                await asyncio.to_thread(outbox_store.release_claims, self.db, None)
                self._claims_reset = True
            done = 0
            while True:
                now = datetime.now(UTC)
                if self.paused_until is not None and now < self.paused_until:
                    return done
                items = await asyncio.to_thread(outbox_store.due_alerts, self.db, now, BATCH)
                for index, item in enumerate(items):
                    outcome = await self._deliver(item)
                    if outcome is None:  # paused by flood control: the rest of the batch is free again
                        unsent = [later.id for later in items[index + 1 :]]
                        await asyncio.to_thread(outbox_store.release_claims, self.db, unsent)
                        return done
                    done += outcome
                if len(items) < BATCH:
                    return done

    async def _deliver(self, item: OutboxItem) -> int | None:
        """1 when the alert was completed, 0 when not (retry or failure), None to pause all."""
        extra = {"chat_id": item.chat_id, "statement_id": item.statement_id}
        content = await asyncio.to_thread(outbox_store.alert_content, self.db, item.statement_id)
        chat = await asyncio.to_thread(chat_store.get_chat, self.db, item.chat_id)
        if content is None or chat is None:
            await asyncio.to_thread(outbox_store.mark_failed, self.db, item.id, "statement or chat no longer exists")
            return 0
        try:
            parts = split_html(await self.render(content, chat))
        except Exception as error:  # a bad alert must not block the queue behind it
            log.exception("alert could not be rendered", extra=extra)
            await self._retry_later(item, f"rendering failed: {type(error).__name__}: {error}")
            return 0
        chat_id = item.chat_id
        try:
            for index in range(item.sent_parts, len(parts)):

                async def send(target: int, part: str = parts[index]) -> Message:
                    return await self.bot.send_message(
                        target, part, message_thread_id=chat.thread_id, disable_notification=chat.silent
                    )

                await self._pace(chat_id)
                _, chat_id = await self._call(chat_id, send)
                await asyncio.to_thread(
                    outbox_store.mark_part_sent,
                    self.db,
                    item.id,
                    index + 1,
                    index + 1 == len(parts),
                    datetime.now(UTC),
                )
            metrics.observe_alert_sent(content.first_seen_at)
            log.info("alert sent", extra={"chat_id": chat_id, "statement_id": item.statement_id})
            return 1
        except RetryAfter as error:
            wait = timedelta(seconds=retry_seconds(error))
            self.paused_until = datetime.now(UTC) + wait
            await asyncio.to_thread(
                outbox_store.schedule_retry,
                self.db,
                item.id,
                self.paused_until,
                f"flood control: {error}",
                False,
            )
            log.warning("Telegram asked to wait %.0f s; delivery paused", wait.total_seconds(), extra=extra)
            return None
        except Forbidden as error:
            deactivated = await asyncio.to_thread(chat_store.record_send_refused, self.db, chat_id, FORBIDDEN_LIMIT)
            if deactivated:
                log.warning("chat deactivated after repeated refusals: %s", error.message, extra=extra)
            else:
                await self._retry_later(item, f"refused by Telegram: {error.message}")
            return 0
        except BadRequest as error:
            if chat.thread_id is not None and THREAD_GONE in error.message.lower():
                await asyncio.to_thread(chat_store.update_chat, self.db, chat_id, thread_id=None)
                log.warning("the chat's forum topic is gone; alerts go to its main thread", extra=extra)
                await self._retry_later(item, f"forum topic gone: {error.message}")
                return 0
            await asyncio.to_thread(
                outbox_store.mark_failed,
                self.db,
                item.id,
                f"Telegram rejected the message: {error.message}",
            )
            log.error("alert rejected: %s", error.message, extra=extra)
            return 0
        except TelegramError as error:  # network errors, 5xx, timeouts, a second migration
            await self._retry_later(item, f"{type(error).__name__}: {error.message}")
            return 0
        except Exception as error:  # e.g. an answer PTB cannot parse: the message may be out
            log.exception("unexpected answer while sending; not retried, to never send twice", extra=extra)
            await asyncio.to_thread(outbox_store.mark_failed, self.db, item.id, f"{type(error).__name__}: {error}")
            return 0

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
