"""Who is talking, whose settings a command changes, who may change them, and replying.

In groups and channels only their administrators change settings: Telegram is asked
with getChatMember, read raw so a sparse answer still works. A chat is created on first
contact, in the user's Telegram language when it is one of ours. A private chat that set
up a channel with `/channel` changes the channel's settings until `/channel off`; the
answers still come to the private chat, headed with the channel's name.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from datetime import UTC, datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes
from telegram.warnings import PTBUserWarning

from bot.i18n import supported_language, text
from bot.model import Account
from bot.render.alert import escape
from bot.storage import chats as chat_store
from bot.storage import subscriptions as subscription_store
from bot.storage.chats import ChatSettings
from bot.storage.subscriptions import Subscription
from bot.tg.services import Services, services

log = logging.getLogger(__name__)

ADMIN_STATUSES = {"creator", "administrator"}


async def current_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> ChatSettings:
    """The chat the update came from, creating it in the user's language on first contact."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    title = chat.title or chat.full_name or ""
    language = supported_language(user.language_code if user else None)
    settings, created = await asyncio.to_thread(
        chat_store.ensure_chat,
        services(context).db,
        chat.id,
        chat.type,
        title,
        language,
        datetime.now(UTC),
    )
    if created:
        log.info("new chat", extra={"chat_id": chat.id, "lang": language})
    return settings


async def settings_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> ChatSettings:
    """The chat whose settings a command reads and changes: this one, or the channel it set up.

    A channel that removed the bot (or is gone) is unlinked, and the user told so before the
    command's answer, which is then about this chat."""
    here = await current_chat(update, context)
    if here.manages_chat_id is None:
        return here
    channel = await asyncio.to_thread(chat_store.get_chat, services(context).db, here.manages_chat_id)
    if channel is not None and channel.active:
        return channel
    title = channel.title if channel is not None and channel.title else str(here.manages_chat_id)
    here = await asyncio.to_thread(chat_store.update_chat, services(context).db, here.id, manages_chat_id=None)
    await reply(update, context, here, text(here.language, "channel.gone", title=escape(title)))
    return here


def thread_of(update: Update) -> int | None:
    """The forum topic a message was sent in (None in the main thread or outside forums)."""
    message = update.effective_message
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id


def heading(update: Update, chat: ChatSettings) -> str:
    """The line that starts an answer about another chat (a managed channel); "" otherwise."""
    here = update.effective_chat
    if here is None or chat.id == here.id:
        return ""
    return text(chat.language, "channel.about", title=escape(chat.title or str(chat.id))) + "\n"


async def reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    chat: ChatSettings,
    html: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Answer where the update came from (its forum topic too); about another chat (a managed
    channel), the answer starts with that chat's name."""
    here = update.effective_chat
    assert here is not None
    html = heading(update, chat) + html
    await services(context).delivery.send_html(here.id, html, markup, thread_id=thread_of(update))


async def member_status(context: ContextTypes.DEFAULT_TYPE, chat_id: int | str, user_id: int) -> dict[str, Any]:
    """getChatMember, raw: a sparse ChatMember answer still works."""
    with warnings.catch_warnings():  # PTB nudges towards get_chat_member, which parses strictly
        warnings.simplefilter("ignore", PTBUserWarning)
        member = await context.bot.do_api_request("getChatMember", api_kwargs={"chat_id": chat_id, "user_id": user_id})
    return member if isinstance(member, dict) else {"status": getattr(member, "status", None)}


async def is_group_admin(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> bool:
    return (await member_status(context, chat_id, user_id)).get("status") in ADMIN_STATUSES


async def can_change(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatSettings) -> bool:
    """Private chats always; groups and channels: their administrators (anonymous admins post
    as the group). TelegramError when Telegram cannot tell."""
    if not chat.is_group and not chat.is_channel:
        return True
    message, user = update.effective_message, update.effective_user
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True
    return user is not None and await is_group_admin(context, chat.id, user.id)


async def may_change(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatSettings) -> bool:
    """`can_change`, telling the user why not when not."""
    try:
        allowed = await can_change(update, context, chat)
    except TelegramError as error:
        await reply(update, context, chat, text(chat.language, "group.check_failed", error=escape(error.message)))
        return False
    if not allowed:
        await reply(update, context, chat, text(chat.language, "group.not_admin"))
    return allowed


async def reply_privately(
    update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatSettings, details: str, summary: str
) -> None:
    """Details fit for one person (feed URLs) go to the user's private chat when asked in a
    group; the group sees only `summary` and where the details went."""
    user = update.effective_user
    if not chat.is_group or user is None:
        await reply(update, context, chat, details)
        return
    try:
        await services(context).delivery.send_html(user.id, details)
        note = text(chat.language, "group.sent_privately")
    except TelegramError as error:
        log.info("could not answer privately: %s", error.message, extra={"chat_id": chat.id})
        note = text(chat.language, "group.start_private", bot=escape(context.bot.username or ""))
    await reply(update, context, chat, f"{summary}\n{note}")


def is_bot_admin(update: Update, svc: Services) -> bool:
    user = update.effective_user
    return user is not None and user.id in svc.settings.admins


def follows(subs: list[Subscription], account: Account) -> bool:
    return subscription_store.follows(subs, account.id, account.country)
