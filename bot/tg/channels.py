"""Channels, and the bot joining or leaving a chat.

A channel cannot talk to the bot, so it is set up from a private chat: an administrator
adds the bot to the channel as an administrator allowed to post, then sends the bot
`/channel @name` (or the channel's numeric id). From then on that private chat's
settings commands (/subscribe, /filters, /keywords, /silent, …) change the channel's,
until `/channel off`; alerts and digests are posted in the channel.

`my_chat_member` updates say when the bot was added to or removed from a chat: a group
gets a greeting on how to use the bot, whoever made the bot a channel's administrator
gets the `/channel` line to send, and a chat that removed or blocked the bot is
deactivated (its pending alerts are dropped).
"""

from __future__ import annotations

import asyncio
import logging
import re
import warnings
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes
from telegram.warnings import PTBUserWarning

from bot.i18n import supported_language, text
from bot.render.alert import escape
from bot.storage import chats as chat_store
from bot.tg.chat_context import ADMIN_STATUSES, current_chat, member_status, reply, settings_chat
from bot.tg.digests import move_digest, schedule_digest
from bot.tg.services import services

log = logging.getLogger(__name__)

CHANNEL_REF = re.compile(r"^(?:(?:https?://)?t\.me/|@)?([A-Za-z][A-Za-z0-9_]{3,31})$|^(-100\d{5,})$")
PRESENT = {"member", "administrator", "creator", "restricted"}
GONE = {"left", "kicked"}


def channel_reference(word: str) -> str | int | None:
    """`@name`, `name`, `t.me/name` → "@name"; `-100…` → its id; None otherwise."""
    match = CHANNEL_REF.match(word.strip())
    if match is None:
        return None
    return f"@{match.group(1)}" if match.group(1) else int(match.group(2))


async def get_chat_raw(context: ContextTypes.DEFAULT_TYPE, reference: str | int) -> dict[str, Any]:
    """getChat, raw: only id, type, title and username are needed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)
        info = await context.bot.do_api_request("getChat", api_kwargs={"chat_id": reference})
    return info if isinstance(info, dict) else {}


async def cmd_channel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Private chats: set up a channel (`/channel @name`), show which one, or stop (`/channel off`)."""
    here = await current_chat(update, context)
    lang, svc, words = here.language, services(context), list(context.args or [])
    if here.type != "private":
        await reply(update, context, here, text(lang, "channel.private_only", bot=escape(context.bot.username or "")))
        return
    if not words:
        if here.manages_chat_id is not None and (await settings_chat(update, context)).id == here.id:
            return  # the channel removed the bot: settings_chat unlinked it and said so
        channel = here.manages_chat_id and await asyncio.to_thread(chat_store.get_chat, svc.db, here.manages_chat_id)
        key = "channel.status" if channel else "channel.usage"
        title = escape(channel.title) if channel else ""
        await reply(update, context, here, text(lang, key, title=title))
        return
    if words[0].lower() == "off":
        await asyncio.to_thread(chat_store.update_chat, svc.db, here.id, manages_chat_id=None)
        await reply(update, context, here, text(lang, "channel.off"))
        return
    reference = channel_reference(words[0])
    if reference is None:
        await reply(update, context, here, text(lang, "channel.usage", title=""))
        return
    problem = await channel_problem(update, context, reference)
    if isinstance(problem, str):
        await reply(update, context, here, text(lang, problem, channel=escape(str(reference))))
        return
    title = str(problem.get("title") or reference)
    channel, _ = await asyncio.to_thread(
        chat_store.ensure_chat, svc.db, problem["id"], "channel", title, lang, datetime.now(UTC)
    )
    await asyncio.to_thread(chat_store.update_chat, svc.db, here.id, manages_chat_id=channel.id)
    log.info("channel set up from a private chat", extra={"chat_id": channel.id})
    await reply(update, context, here, text(lang, "channel.linked", title=escape(title)))


async def channel_problem(
    update: Update, context: ContextTypes.DEFAULT_TYPE, reference: str | int
) -> dict[str, Any] | str:
    """The channel's getChat answer (its `id` an int) when the bot may post there and the user
    administers it; otherwise the id of the message that says what to do."""
    user = update.effective_user
    try:
        info = await get_chat_raw(context, reference)
        chat_id = telegram_chat_id(info.get("id"))
        if chat_id is None:  # no answer, or one without a usable id: not "not a channel"
            log.warning("getChat for %s answered without a chat id: %.200r", reference, info)
            return "channel.unreadable"
        if info.get("type") != "channel":
            return "channel.not_a_channel"
        mine = await member_status(context, chat_id, context.bot.id)
        if mine.get("status") != "administrator" or mine.get("can_post_messages") is False:
            return "channel.bot_not_admin"
        theirs = await member_status(context, chat_id, user.id) if user else {}
    except (BadRequest, Forbidden) as error:
        log.info("channel check failed: %s", error.message)
        return "channel.not_found"
    except TelegramError as error:  # a network error or time-out, an answer that is no JSON
        log.warning("channel check failed: %s: %s", type(error).__name__, error.message)
        return "channel.unreadable"
    except (KeyError, TypeError, ValueError) as error:  # PTB reading an answer of another shape
        log.warning("channel check failed: Telegram's answer could not be read (%s: %s)", type(error).__name__, error)
        return "channel.unreadable"
    if theirs.get("status") not in ADMIN_STATUSES:
        return "channel.user_not_admin"
    return {**info, "id": chat_id}


def telegram_chat_id(value: object) -> int | None:
    """A chat id from a raw answer: an integer (or its digits) within 64 bits; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        chat_id = int(value)
    except ValueError:
        return None
    return chat_id if -(2**63) <= chat_id < 2**63 else None


async def on_my_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added to, promoted in, or removed from a chat."""
    change = update.my_chat_member
    if change is None:
        return
    chat, old, new = change.chat, change.old_chat_member.status, change.new_chat_member.status
    svc = services(context)
    if new in GONE:
        await asyncio.to_thread(chat_store.record_removed, svc.db, chat.id)
        log.info("the bot was removed from the chat (%s)", new, extra={"chat_id": chat.id})
        return
    settings = await current_chat(update, context)  # records (or reactivates) the chat
    schedule_digest(context.job_queue, settings)  # back after a block, a removal or lost rights: digest due again
    if chat.type == "channel":
        if new == "administrator" and old != "administrator":
            await tell_who_added(context, change.from_user.id, change.from_user.language_code, chat)
        return
    if chat.type in ("group", "supergroup") and old in GONE and new in PRESENT:
        greeting = text(settings.language, "group.greeting", title=escape(chat.title or ""))
        try:
            await svc.delivery.send_html(chat.id, greeting)
        except TelegramError as error:  # e.g. a group where members may not send messages
            log.info("could not greet the group: %s", error.message, extra={"chat_id": chat.id})


async def on_migration(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup (Telegram says so in both chats): its settings, subscriptions,
    pending alerts and digest move to the new id before anyone talks to the bot there."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old_id, new_id = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old_id, new_id = message.migrate_from_chat_id, message.chat.id
    else:
        return
    svc = services(context)
    await asyncio.to_thread(chat_store.migrate_chat, svc.db, old_id, new_id)
    chat = await asyncio.to_thread(chat_store.get_chat, svc.db, new_id)
    if chat is not None:
        move_digest(context.job_queue, old_id, chat)
        log.info("group moved to supergroup %s", new_id, extra={"chat_id": old_id})


async def tell_who_added(context: ContextTypes.DEFAULT_TYPE, user_id: int, language: str | None, chat: Any) -> None:
    """Whoever made the bot a channel's administrator learns the `/channel` line to send."""
    reference = f"@{chat.username}" if chat.username else str(chat.id)
    lang = supported_language(language)
    try:
        await services(context).delivery.send_html(
            user_id, text(lang, "channel.added", title=escape(chat.title or reference), reference=escape(reference))
        )
    except TelegramError as error:  # they never started a private chat with the bot
        log.info("could not tell who added the bot to a channel: %s", error.message, extra={"chat_id": chat.id})
