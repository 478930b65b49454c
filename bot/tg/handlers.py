"""Command handlers: parse the command, call the core, answer through `Delivery`.

Every handler is short; bad input gets its usage line, never a traceback, and a message
the bot does not act on (plain text, a photo) gets a pointer to what it can do. This
module has the chat settings commands and the wiring; subscriptions live in
`subscriptions.py`, `/filters` in `filters_menu.py`, `/keywords` in `keywords.py`,
channels and joining chats in `channels.py`, the administrators' commands in `admin.py`,
the shared chat context in `chat_context.py`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import zoneinfo
from datetime import UTC, datetime
from functools import lru_cache

from telegram import BotCommand, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.i18n import language_name, languages, text
from bot.render.alert import escape
from bot.storage import accounts as account_store
from bot.storage import chats as chat_store
from bot.storage.chats import DIGEST_OFF, ChatSettings
from bot.tg.admin import cmd_status, cmd_watch, on_document
from bot.tg.channels import cmd_channel, on_migration, on_my_membership
from bot.tg.chat_context import current_chat, is_bot_admin, may_change, reply, settings_chat, thread_of
from bot.tg.digests import schedule_digest, send_digest
from bot.tg.filters_menu import acknowledge, cmd_filters, on_filter_button
from bot.tg.keywords import cmd_keywords
from bot.tg.services import services
from bot.tg.subscriptions import cmd_accounts, cmd_subscribe, cmd_unsubscribe

log = logging.getLogger(__name__)

PUBLIC_COMMANDS = (
    "start",
    "help",
    "subscribe",
    "unsubscribe",
    "filters",
    "accounts",
    "digest",
    "digesttime",
    "timezone",
    "language",
    "mute",
    "unmute",
    "keywords",
    "silent",
    "channel",
)
ADMIN_COMMANDS = ("watch", "status")
CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")


def command_menu(lang: str, admin: bool = False) -> list[BotCommand]:
    names = PUBLIC_COMMANDS + (ADMIN_COMMANDS if admin else ())
    return [BotCommand(name, text(lang, f"cmd.{name}")) for name in names]


# --- greeting and help ----------------


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet, in the user's language when we speak it."""
    chat = await current_chat(update, context)
    name = update.effective_user.first_name if update.effective_user else ""
    await reply(update, context, chat, text(chat.language, "start.welcome", name=escape(name or "")))


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every command with its usage; administrators also see theirs."""
    chat = await current_chat(update, context)
    choices = ", ".join(f"{code} ({language_name(code)})" for code in languages())
    parts = [
        text(chat.language, "help.header"),
        text(chat.language, "help.body", languages=escape(choices)),
        text(chat.language, "help.legend"),
    ]
    if is_bot_admin(update, services(context)):
        parts.append(text(chat.language, "help.admin"))
    await reply(update, context, chat, "\n\n".join(parts))


# --- digest and chat settings ----------------


async def cmd_digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The last 24 hours now, where it was asked for: text, then the 7-day chart."""
    chat = await settings_chat(update, context)
    here = update.effective_chat.id if update.effective_chat else chat.id
    try:
        await send_digest(services(context), chat, reply_to=here, thread_id=thread_of(update))
    except Exception as error:
        if telegram_trouble(error):  # flood control, the network: one line; the reply may get through
            log.warning("digest not sent: %s: %s", type(error).__name__, error, extra={"chat_id": chat.id})
        else:
            log.exception("digest failed", extra={"chat_id": chat.id})
        await reply(update, context, chat, text(chat.language, "digest.failed", error=escape(type(error).__name__)))


def digest_time_label(chat: ChatSettings) -> str:
    return text(chat.language, "digesttime.disabled") if chat.digest_time == DIGEST_OFF else chat.digest_time


async def cmd_digesttime(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Set the daily digest's local time (HH:MM) or turn it off."""
    chat = await settings_chat(update, context)
    if not await may_change(update, context, chat):
        return
    argument = " ".join(context.args or []).strip().lower()
    match = CLOCK.match(argument)
    if argument != DIGEST_OFF and match is None:
        await reply(
            update,
            context,
            chat,
            text(
                chat.language,
                "digesttime.usage",
                time=digest_time_label(chat),
                tz=escape(chat.timezone),
            ),
        )
        return
    value = DIGEST_OFF if match is None else f"{int(match.group(1)):02d}:{match.group(2)}"
    chat = await asyncio.to_thread(chat_store.update_chat, services(context).db, chat.id, digest_time=value)
    schedule_digest(context.job_queue, chat)
    key = "digesttime.off" if value == DIGEST_OFF else "digesttime.done"
    await reply(update, context, chat, text(chat.language, key, time=value, tz=escape(chat.timezone)))


@lru_cache(maxsize=1)
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def find_timezone(name: str) -> str | None:
    """The IANA name for `name`, matched without regard to case."""
    return _zones_by_lower_name().get(name.strip().lower())


async def cmd_timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Set the chat's timezone (times in alerts, the digest's local time)."""
    chat = await settings_chat(update, context)
    if not await may_change(update, context, chat):
        return
    argument = " ".join(context.args or []).strip()
    if not argument:
        await reply(update, context, chat, text(chat.language, "timezone.usage", tz=escape(chat.timezone)))
        return
    zone = await asyncio.to_thread(find_timezone, argument)
    if zone is None:
        await reply(update, context, chat, text(chat.language, "timezone.unknown", tz=escape(argument)))
        return
    chat = await asyncio.to_thread(chat_store.update_chat, services(context).db, chat.id, timezone=zone)
    schedule_digest(context.job_queue, chat)
    await reply(
        update,
        context,
        chat,
        text(chat.language, "timezone.done", tz=escape(zone), time=digest_time_label(chat)),
    )


async def cmd_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Language of the bot's texts and of translations."""
    chat = await settings_chat(update, context)
    if not await may_change(update, context, chat):
        return
    argument = " ".join(context.args or []).strip().lower()
    if argument not in languages():
        choices = ", ".join(f"<code>{code}</code> ({escape(language_name(code))})" for code in languages())
        await reply(update, context, chat, text(chat.language, "language.usage", choices=choices))
        return
    chat = await asyncio.to_thread(chat_store.update_chat, services(context).db, chat.id, language=argument)
    await reply(update, context, chat, text(chat.language, "language.done"))


async def cmd_mute(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pause alerts (pending ones are dropped, so unmuting does not flood)."""
    await _set_muted(update, context, True)


async def cmd_unmute(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Resume alerts from now on."""
    await _set_muted(update, context, False)


async def _set_muted(update: Update, context: ContextTypes.DEFAULT_TYPE, muted: bool) -> None:
    chat = await settings_chat(update, context)
    if not await may_change(update, context, chat):
        return
    chat = await asyncio.to_thread(chat_store.set_muted, services(context).db, chat.id, muted, datetime.now(UTC))
    await reply(update, context, chat, text(chat.language, "mute.done" if muted else "unmute.done"))


async def cmd_silent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Alerts and digests without a notification sound (`/silent on|off`)."""
    chat = await settings_chat(update, context)
    argument = " ".join(context.args or []).strip().lower()
    if argument not in ("on", "off"):
        key = "silent.usage_on" if chat.silent else "silent.usage_off"
        await reply(update, context, chat, text(chat.language, key))
        return
    if not await may_change(update, context, chat):
        return
    chat = await asyncio.to_thread(chat_store.update_chat, services(context).db, chat.id, silent=argument == "on")
    await reply(update, context, chat, text(chat.language, "silent.on" if chat.silent else "silent.off"))


async def on_private_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text or media in a private chat: the bot reads feeds, not messages; say what it can do."""
    chat = await current_chat(update, context)
    message = update.effective_message
    words = set((message.text or message.caption or "").lower().split()) if message else set()
    accounts = await asyncio.to_thread(account_store.list_accounts, services(context).db)
    named = next((a for a in accounts if a.id in words), None)
    if message is not None and not message.text:
        key = "private.media"
    elif named is not None:
        key = "private.account"
    else:
        key = "private.text"
    await reply(update, context, chat, text(chat.language, key, id=escape(named.id if named else "")))


# --- wiring ----------------


async def cmd_unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /command we do not have (private chats only: groups hold other bots' commands)."""
    chat = await current_chat(update, context)
    await reply(update, context, chat, text(chat.language, "error.unknown_command"))


COMMAND_TEXT = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?:\s+(.*))?$", re.DOTALL)


async def on_command_without_entity(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A "/command" whose message lacks the bot_command entity (some Bot API servers omit it).

    Telegram always sends the entity and PTB's CommandHandler relies on it; this reads the
    text instead, so the bot also works behind a sparser server.
    """
    message = update.effective_message
    match = COMMAND_TEXT.match(message.text or "") if message else None
    if match is None:
        return
    name, addressee, rest = match.group(1).lower(), match.group(2), match.group(3) or ""
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return  # meant for another bot in the group
    handler = HANDLERS.get(name)
    if handler is None:
        if update.effective_chat is not None and update.effective_chat.type == "private":
            await cmd_unknown(update, context)
        return
    context.args = rest.split()
    await handler(update, context)


async def on_unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button this bot never drew (forged, or from a keyboard format long gone): answered, so
    the user's button stops spinning, with what to do."""
    query = update.callback_query
    assert query is not None
    chat = await current_chat(update, context) if update.effective_chat is not None else None
    await acknowledge(query, text(chat.language if chat else "en", "filters.expired"))


def telegram_trouble(error: object) -> bool:
    """Flood control, a refusal or the network: conditions to log in one line, not bugs."""
    if isinstance(error, BadRequest):
        return False
    return isinstance(error, RetryAfter | Forbidden | NetworkError)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log (a bug with its traceback, Telegram trouble in one line), then tell the chat something
    went wrong when it can still be told."""
    error = context.error
    if telegram_trouble(error):
        log.warning("could not answer: %s: %s", type(error).__name__, error)
    else:
        log.error("handler failed", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None or isinstance(error, Forbidden):
        return
    chat_id = update.effective_chat.id
    try:
        chat = await asyncio.to_thread(chat_store.get_chat, services(context).db, chat_id)
        lang = chat.language if chat else "en"
        await context.bot.send_message(chat_id, text(lang, "error.generic"), message_thread_id=thread_of(update))
    except Exception as failure:  # the database or Telegram is what failed: nothing more to do
        log.warning("could not report the error to the chat: %s", failure, extra={"chat_id": chat_id})


HANDLERS = {
    "start": cmd_start,
    "help": cmd_help,
    "subscribe": cmd_subscribe,
    "unsubscribe": cmd_unsubscribe,
    "filters": cmd_filters,
    "accounts": cmd_accounts,
    "digest": cmd_digest,
    "digesttime": cmd_digesttime,
    "timezone": cmd_timezone,
    "language": cmd_language,
    "mute": cmd_mute,
    "unmute": cmd_unmute,
    "keywords": cmd_keywords,
    "silent": cmd_silent,
    "channel": cmd_channel,
    "watch": cmd_watch,
    "status": cmd_status,
}


def add_handlers(application: Application) -> None:
    for name, callback in HANDLERS.items():
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CallbackQueryHandler(on_filter_button, pattern=r"^f:"))
    application.add_handler(CallbackQueryHandler(on_unknown_button))
    application.add_handler(ChatMemberHandler(on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migration))
    application.add_handler(MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, on_document))
    application.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, cmd_unknown))
    application.add_handler(MessageHandler(filters.Regex(r"^/") & ~filters.COMMAND, on_command_without_entity))
    private_other = filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.Regex(r"^/") & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(private_other, on_private_message))
    application.add_error_handler(on_error)
