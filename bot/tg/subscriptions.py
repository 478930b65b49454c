"""`/subscribe`, `/unsubscribe` and `/accounts`: what a chat follows.

Under `all`, `/unsubscribe ACCOUNT` (or a country) leaves it out as a stored exception
and `/subscribe ACCOUNT` brings it back; every answer ends with what the chat follows
now. In a forum, `/subscribe` sent in a topic makes that topic the one alerts go to.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Update
from telegram.ext import ContextTypes

from bot.i18n import text
from bot.model import Account
from bot.render.alert import escape
from bot.storage import accounts as account_store
from bot.storage import chats as chat_store
from bot.storage import subscriptions as subscription_store
from bot.storage.chats import ChatSettings
from bot.storage.subscriptions import (
    ACCOUNT,
    ADDED,
    ALL,
    COUNTRY,
    EXCEPT_ACCOUNT,
    EXCEPTED,
    NOT_FOLLOWED,
    RESTORED,
    Subscription,
)
from bot.tg.chat_context import follows, may_change, reply, settings_chat, thread_of
from bot.tg.digests import schedule_digest
from bot.tg.services import Services, services

SUBSCRIBE_REPLIES = {ADDED: "subscribe.done", RESTORED: "subscribe.restored"}
UNSUBSCRIBE_REPLIES = {EXCEPTED: "unsubscribe.excepted", NOT_FOLLOWED: "unsubscribe.not_followed"}


def resolve_target(argument: str, accounts: list[Account]) -> tuple[str, str] | None:
    """`all` (or nothing), an account id, or a watched country's two-letter code."""
    word = argument.strip()
    if not word or word.lower() == ALL:
        return ALL, ""
    if any(account.id == word.lower() for account in accounts):
        return ACCOUNT, word.lower()
    if len(word) == 2 and any(account.country.upper() == word.upper() for account in accounts):
        return COUNTRY, word.upper()
    return None


def describe(lang: str, kind: str, target: str, accounts: list[Account]) -> str:
    if kind == ALL:
        return text(lang, "target.all")
    if kind in (COUNTRY, subscription_store.EXCEPT_COUNTRY):
        return text(lang, "target.country", country=escape(target))
    name = next((a.name for a in accounts if a.id == target), target)
    return text(lang, "target.account", name=escape(name), id=escape(target))


def describe_following(lang: str, subs: list[Subscription], accounts: list[Account]) -> str:
    """ "all watched accounts, except Antonio Tajani (tajani)" — what the chat follows now."""
    followed = [describe(lang, s.kind, s.target, accounts) for s in subs if not s.is_exception]
    if not followed:
        return text(lang, "subscriptions.none")
    left_out = [describe(lang, s.kind, s.target, accounts) for s in subs if s.is_exception]
    summary = ", ".join(followed)
    if left_out:
        summary += text(lang, "subscriptions.except", targets=", ".join(left_out))
    return summary


async def following_line(svc: Services, chat: ChatSettings, accounts: list[Account]) -> str:
    subs = await asyncio.to_thread(subscription_store.subscriptions, svc.db, chat.id)
    return text(chat.language, "subscriptions.following", following=describe_following(chat.language, subs, accounts))


async def subscription_request(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[ChatSettings, Services, list[Account], tuple[str, str]] | None:
    """What /subscribe and /unsubscribe share: the right to change, and a known target."""
    chat = await settings_chat(update, context)
    if not await may_change(update, context, chat):
        return None
    svc, argument = services(context), " ".join(context.args or [])
    accounts = await asyncio.to_thread(account_store.list_accounts, svc.db)
    target = resolve_target(argument, accounts)
    if target is None:
        await reply(update, context, chat, text(chat.language, "subscribe.unknown", target=escape(argument)))
        return None
    return chat, svc, accounts, target


async def cmd_subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Follow all, an account or a country (or bring one back); older statements are not alerted."""
    request = await subscription_request(update, context)
    if request is None:
        return
    chat, svc, accounts, target = request
    outcome = await asyncio.to_thread(subscription_store.subscribe, svc.db, chat.id, *target, datetime.now(UTC))
    lines = [
        text(
            chat.language,
            SUBSCRIBE_REPLIES.get(outcome, "subscribe.already"),
            target=describe(chat.language, *target, accounts),
        )
    ]
    here = update.effective_chat
    if here is not None and here.id == chat.id and chat.is_group and thread_of(update) != chat.thread_id:
        chat = await asyncio.to_thread(chat_store.update_chat, svc.db, chat.id, thread_id=thread_of(update))
    if chat.thread_id is not None:
        lines.append(text(chat.language, "subscribe.topic"))
    lines.append(await following_line(svc, chat, accounts))
    await reply(update, context, chat, "\n".join(lines))
    refreshed = await asyncio.to_thread(chat_store.get_chat, svc.db, chat.id)
    if refreshed is not None:
        schedule_digest(context.job_queue, refreshed)


async def cmd_unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop following all, an account or a country (under `all`: leave it out)."""
    request = await subscription_request(update, context)
    if request is None:
        return
    chat, svc, accounts, target = request
    if target[0] == ALL:
        await asyncio.to_thread(subscription_store.unsubscribe_all, svc.db, chat.id)
        await reply(update, context, chat, text(chat.language, "unsubscribe.all"))
        return
    outcome = await asyncio.to_thread(subscription_store.unsubscribe, svc.db, chat.id, *target, datetime.now(UTC))
    described = describe(chat.language, *target, accounts)
    key = UNSUBSCRIBE_REPLIES.get(outcome, "unsubscribe.done")
    answer = text(chat.language, key, target=described, command=escape(f"/subscribe {target[1]}"))
    await reply(update, context, chat, answer + "\n" + await following_line(svc, chat, accounts))


async def cmd_accounts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The watchlist, marking what this chat follows and what it left out."""
    chat = await settings_chat(update, context)
    svc = services(context)
    accounts = await asyncio.to_thread(account_store.list_accounts, svc.db)
    if not accounts:
        await reply(update, context, chat, text(chat.language, "accounts.none"))
        return
    subs = await asyncio.to_thread(subscription_store.subscriptions, svc.db, chat.id)
    excepted = {s.target for s in subs if s.kind == EXCEPT_ACCOUNT}
    lines = [text(chat.language, "accounts.header", count=len(accounts))]
    for account in accounts:
        mark = "✓" if follows(subs, account) else ("✗" if account.id in excepted else "·")
        details = ", ".join(part for part in (account.role, account.country) if part)
        lines.append(
            f"{mark} <code>{escape(account.id)}</code> — {escape(account.name)}"
            + (f" ({escape(details)})" if details else "")
        )
    lines.append(text(chat.language, "accounts.footer"))
    await reply(update, context, chat, "\n".join(lines))
