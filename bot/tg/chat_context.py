"""Who is talking, whether they may change the chat's settings, and replying (through `Delivery`).

In groups only the group's administrators change settings: Telegram is asked with
getChatMember, read raw so a sparse answer still works. A chat is created on first
contact, in the user's Telegram language when it is one of ours.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from datetime import UTC, datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes
from telegram.warnings import PTBUserWarning

from bot.i18n import supported_language, text
from bot.model import Account
from bot.render.alert import escape
from bot.storage import chats as chat_store
from bot.storage.chats import ACCOUNT, ALL, COUNTRY, ChatSettings, Subscription
from bot.tg.jobs import Services, services

log = logging.getLogger(__name__)

ADMIN_STATUSES = {"creator", "administrator"}


async def current_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> ChatSettings:
    """The chat's settings, creating the chat in the user's language on first contact."""
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


async def reply(
    context: ContextTypes.DEFAULT_TYPE,
    chat: ChatSettings,
    html: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    await services(context).delivery.send_html(chat.id, html, markup)


async def is_group_admin(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> bool:
    """Ask Telegram; the raw answer is read so a sparse ChatMember object still works."""
    with warnings.catch_warnings():  # PTB nudges towards get_chat_member, which parses strictly
        warnings.simplefilter("ignore", PTBUserWarning)
        member = await context.bot.do_api_request("getChatMember", api_kwargs={"chat_id": chat_id, "user_id": user_id})
    status = member.get("status") if isinstance(member, dict) else getattr(member, "status", None)
    return status in ADMIN_STATUSES


async def may_change(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatSettings) -> bool:
    """Private chats always; in groups only administrators (anonymous admins post as the group)."""
    if not chat.is_group:
        return True
    message, user = update.effective_message, update.effective_user
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True
    if user is None:
        return False
    try:
        allowed = await is_group_admin(context, chat.id, user.id)
    except TelegramError as error:
        await reply(context, chat, text(chat.language, "group.check_failed", error=escape(error.message)))
        return False
    if not allowed:
        await reply(context, chat, text(chat.language, "group.not_admin"))
    return allowed


def is_bot_admin(update: Update, svc: Services) -> bool:
    user = update.effective_user
    return user is not None and user.id in svc.settings.admins


def follows(subs: list[Subscription], account: Account) -> bool:
    return any(
        s.kind == ALL
        or (s.kind == ACCOUNT and s.target == account.id)
        or (s.kind == COUNTRY and s.target == account.country.upper())
        for s in subs
    )
