"""`/filters`: an inline keyboard for labels, minimum strength, accounts and languages.

Escalation and de-escalation are on by default, neutral off; no account or language
ticked means all. Each tap changes one setting and redraws the keyboard in place (or, if
the Bot API cannot edit, as a new message).
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.i18n import text
from bot.model import Account, Label
from bot.render.alert import escape
from bot.storage import accounts as account_store
from bot.storage import chats as chat_store
from bot.storage.chats import ChatSettings, Subscription
from bot.tg.chat_context import current_chat, follows, may_change, reply
from bot.tg.jobs import Services, services
from bot.watchlist import ACCOUNT_ID

log = logging.getLogger(__name__)

STRENGTHS = (0.0, 0.2, 0.4, 0.6, 0.8)
LABELS = (Label.ESCALATION.value, Label.DEESCALATION.value, Label.NEUTRAL.value)
MAX_FILTER_BUTTONS = 24


def filters_summary(chat: ChatSettings, accounts: list[Account]) -> str:
    lang = chat.language
    labels = ", ".join(text(lang, f"label.{label}") for label in LABELS if label in chat.labels)
    names = {a.id: a.name for a in accounts}
    return text(
        lang,
        "filters.summary",
        labels=escape(labels or text(lang, "filters.none_label")),
        strength=f"{chat.min_strength:.1f}",
        accounts=escape(", ".join(names.get(a, a) for a in sorted(chat.accounts)) or text(lang, "filters.any")),
        languages=escape(", ".join(sorted(chat.languages)) or text(lang, "filters.any")),
    )


def filter_languages(accounts: list[Account], chat: ChatSettings) -> list[str]:
    """Languages worth a button: the accounts' hints, English, and whatever is selected."""
    found = {lang for account in accounts for lang in account.languages} | {"en"} | set(chat.languages)
    return sorted(found)[:MAX_FILTER_BUTTONS]


def filters_keyboard(chat: ChatSettings, accounts: list[Account], subs: list[Subscription]) -> InlineKeyboardMarkup:
    lang = chat.language

    def tick(on: bool, label: str) -> str:
        return f"{'✅' if on else '▫️'} {label}"

    rows = [
        [
            InlineKeyboardButton(
                tick(label in chat.labels, text(lang, f"label.{label}")),
                callback_data=f"f:l:{label}",
            )
            for label in LABELS
        ]
    ]
    rows.append(
        [
            InlineKeyboardButton(
                ("• " if abs(chat.min_strength - value) < 1e-9 else "")
                + text(lang, "filters.strength_button", value=f"{value:.1f}"),
                callback_data=f"f:s:{value:.1f}",
            )
            for value in STRENGTHS
        ]
    )
    followed = [a for a in accounts if follows(subs, a) and len(a.id) <= 60][:MAX_FILTER_BUTTONS]
    buttons = [
        InlineKeyboardButton(tick(a.id in chat.accounts, a.name[:30]), callback_data=f"f:a:{a.id}") for a in followed
    ]
    rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    codes = [
        InlineKeyboardButton(tick(code in chat.languages, code), callback_data=f"f:g:{code}")
        for code in filter_languages(accounts, chat)
    ]
    rows += [codes[i : i + 4] for i in range(0, len(codes), 4)]
    rows.append([InlineKeyboardButton(text(lang, "filters.done"), callback_data="f:done")])
    return InlineKeyboardMarkup(rows)


async def cmd_filters(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the filters with a keyboard to change them."""
    chat = await current_chat(update, context)
    if not await may_change(update, context, chat):
        return
    svc = services(context)
    accounts = await asyncio.to_thread(account_store.list_accounts, svc.db)
    subs = await asyncio.to_thread(chat_store.subscriptions, svc.db, chat.id)
    summary = filters_summary(chat, accounts)
    await reply(
        context,
        chat,
        text(chat.language, "filters.title", summary=summary),
        filters_keyboard(chat, accounts, subs),
    )


def toggled(values: frozenset[str], value: str) -> frozenset[str]:
    return values - {value} if value in values else values | {value}


def apply_filter(chat: ChatSettings, data: str) -> dict[str, object] | None:
    """The settings change one button asks for; None for a button we do not know."""
    parts = data.split(":", 2)
    if len(parts) != 3:
        return None
    _, kind, value = parts
    if kind == "l" and value in LABELS:
        return {"labels": toggled(chat.labels, value)}
    if kind == "s":
        try:
            strength = float(value)
        except ValueError:
            return None
        return {"min_strength": strength} if strength in STRENGTHS else None
    if kind == "a" and ACCOUNT_ID.match(value):
        return {"accounts": toggled(chat.accounts, value)}
    if kind == "g" and re.fullmatch(r"[a-z]{2,3}", value):
        return {"languages": toggled(chat.languages, value)}
    return None


async def acknowledge(query: CallbackQuery, notice: str | None = None) -> None:
    """Stop the button's spinner; a Bot API that cannot is no reason to fail the tap."""
    try:
        await query.answer(notice)
    except TelegramError as error:
        log.info("answerCallbackQuery failed: %s", error.message)


async def redraw(
    svc: Services, chat: ChatSettings, message: object, html: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the keyboard's message in place; when that is refused, send the new state instead."""
    message_id = getattr(message, "message_id", None)
    if message_id is not None:
        try:
            await svc.delivery.edit_html(chat.id, message_id, html, markup)
            return
        except TelegramError as error:
            log.info("editing the filters message failed: %s", error.message, extra={"chat_id": chat.id})
    await svc.delivery.send_html(chat.id, html, markup)


async def on_filter_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on the /filters keyboard: change one setting and redraw."""
    query = update.callback_query
    assert query is not None and query.data is not None
    chat = await current_chat(update, context)
    if chat.is_group and not await may_change(update, context, chat):
        await acknowledge(query)
        return
    svc = services(context)
    accounts = await asyncio.to_thread(account_store.list_accounts, svc.db)
    if query.data == "f:done":
        await acknowledge(query)
        summary = filters_summary(chat, accounts)
        await redraw(svc, chat, query.message, text(chat.language, "filters.closed", summary=summary))
        return
    change = apply_filter(chat, query.data)
    if change is None:
        await acknowledge(query, text(chat.language, "filters.expired"))
        return
    chat = await asyncio.to_thread(lambda: chat_store.update_chat(svc.db, chat.id, **change))
    await acknowledge(query)
    subs = await asyncio.to_thread(chat_store.subscriptions, svc.db, chat.id)
    summary = filters_summary(chat, accounts)
    await redraw(
        svc,
        chat,
        query.message,
        text(chat.language, "filters.title", summary=summary),
        filters_keyboard(chat, accounts, subs),
    )
