"""Commands for the bot's administrators (`LADDERWATCH_ADMINS`): `/watch` and `/status`.

Everyone else gets a clear refusal naming their user id. Asked in a group, the details
(feed URLs, error texts) go to the administrator privately and the group sees a summary. Accounts added or removed here
persist in the database and win over `config/watchlist.yaml`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.coverage import coverage_line
from bot.health import status_view
from bot.i18n import text
from bot.model import Account
from bot.opml import export_opml, read_account_document
from bot.reader.urls import redact_url
from bot.render.alert import escape
from bot.render.status import status_summary, status_text, watch_list, watch_summary
from bot.storage import accounts as account_store
from bot.storage import sources as source_store
from bot.storage.accounts import ADDED, UPDATED
from bot.storage.chats import ChatSettings
from bot.tg.chat_context import current_chat, is_bot_admin, reply, reply_privately
from bot.tg.jobs import schedule_poll, services
from bot.watchlist import ACCOUNT_ID, validate_source

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 1_000_000


async def refuse_non_admin(
    update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatSettings, command: str
) -> bool:
    """True (after a clear refusal) when the user is not one of LADDERWATCH_ADMINS."""
    if is_bot_admin(update, services(context)):
        return False
    user_id = update.effective_user.id if update.effective_user else "?"
    log.warning("non-admin tried /%s", command, extra={"chat_id": chat.id})
    await reply(update, context, chat, text(chat.language, "admin.refused", command=command, user_id=user_id))
    return True


def parse_source(token: str) -> tuple[str, str] | None:
    """`kind:handle` (or a bare http(s) URL, an rss source); None for a word of the name."""
    if re.match(r"^https?://", token):
        return "rss", token
    kind, colon, handle = token.partition(":")
    if colon and kind.lower() in {"rss", "x", "bluesky", "mastodon", "telegram"} and handle:
        return kind.lower(), handle
    return None


class WatchUsageError(ValueError):
    """`/watch add` input that gets a usage reply; `key` is its message id."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_watch_add(words: list[str]) -> Account:
    """`ID NAME… SOURCE…` → Account; WatchUsageError, or ValueError for a bad source."""
    if len(words) < 3:
        raise WatchUsageError("watch.no_source")
    account_id, rest = words[0].lower(), words[1:]
    if not ACCOUNT_ID.match(account_id):
        raise WatchUsageError("watch.bad_id")
    sources, name = [], []
    for word in rest:
        parsed = parse_source(word)
        if parsed is None:
            name.append(word)
        else:
            sources.append(validate_source(*parsed))
    if not sources or not name:
        raise WatchUsageError("watch.no_source")
    return Account(id=account_id, name=" ".join(name), sources=tuple(sources))


async def cmd_watch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Administrators: /watch add|remove|enable|list|export."""
    chat = await current_chat(update, context)
    if await refuse_non_admin(update, context, chat, "watch"):
        return
    svc, words, lang = services(context), list(context.args or []), chat.language
    action = words[0].lower() if words else ""
    if action == "list":
        accounts = await asyncio.to_thread(account_store.list_accounts, svc.db)
        await reply_privately(update, context, chat, watch_list(accounts, lang), watch_summary(accounts, lang))
    elif action == "export":
        accounts = await asyncio.to_thread(account_store.list_accounts, svc.db)
        opml = redact_url(export_opml(accounts, svc.settings)).encode("utf-8")
        await svc.delivery.send_document(chat.id, opml, "ladderwatch-watchlist.opml")
    elif action == "add":
        await _watch_add(update, context, chat, words[1:])
    elif action == "enable" and len(words) == 2:
        await _watch_enable(update, context, chat, words[1].lower())
    elif action == "remove" and len(words) == 2:
        account_id = words[1].lower()
        removed = await asyncio.to_thread(account_store.remove_account, svc.db, account_id)
        await reply(
            update,
            context,
            chat,
            text(lang, "watch.removed" if removed else "watch.unknown", id=escape(account_id)),
        )
    else:
        await reply(update, context, chat, text(lang, "watch.usage"))


async def _watch_add(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatSettings, words: list[str]) -> None:
    svc, lang = services(context), chat.language
    try:
        account = parse_watch_add(words)
    except WatchUsageError as error:
        await reply(update, context, chat, text(lang, error.key, id=escape(words[0] if words else "")))
        return
    except ValueError as error:
        await reply(update, context, chat, text(lang, "watch.bad_source", reason=escape(redact_url(str(error)))))
        return
    await asyncio.to_thread(account_store.add_account, svc.db, account, "chat")
    await poll_now(context, {account.id})
    log.info("account added in chat: %s", account.id, extra={"chat_id": chat.id})
    await reply(
        update,
        context,
        chat,
        text(
            lang,
            "watch.added",
            name=escape(account.name),
            id=escape(account.id),
            count=len(account.sources),
        ),
    )


async def _watch_enable(
    update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatSettings, account_id: str
) -> None:
    """Switch an account's disabled sources back on and poll them now (those the settings can read)."""
    now, svc = datetime.now(UTC), services(context)
    enabled = await asyncio.to_thread(source_store.enable_account_sources, svc.db, account_id, now)
    readable = dict(await asyncio.to_thread(svc.pipeline.due_sources, now))
    for source_id in enabled:
        if source_id in readable:
            schedule_poll(context.job_queue, source_id, now)
    key = "watch.enabled" if enabled else "watch.none_disabled"
    await reply(update, context, chat, text(chat.language, key, id=escape(account_id), count=len(enabled)))


async def poll_now(context: ContextTypes.DEFAULT_TYPE, account_ids: set[str]) -> None:
    """Poll the sources of accounts just added, right away; not those the settings cannot read
    (X without a bridge): /status says why, once."""
    now, svc = datetime.now(UTC), services(context)
    readable = dict(await asyncio.to_thread(svc.pipeline.due_sources, now))
    for row in await asyncio.to_thread(account_store.list_source_rows, svc.db):
        if row.account_id in account_ids and row.id in readable:
            schedule_poll(context.job_queue, row.id, now)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Administrators: an OPML (or watchlist YAML) document sent in private is imported."""
    message = update.effective_message
    document = message.document if message else None
    if document is None:
        return
    chat = await current_chat(update, context)
    if await refuse_non_admin(update, context, chat, "watch"):
        return
    svc, lang = services(context), chat.language
    if (document.file_size or 0) > MAX_IMPORT_BYTES:
        await reply(update, context, chat, text(lang, "import.too_large", limit=MAX_IMPORT_BYTES // 1000))
        return
    try:
        data = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
    except TelegramError as error:
        await reply(update, context, chat, text(lang, "import.download_failed", reason=escape(error.message)))
        return
    name = document.file_name or "document"
    current = {a.id for a in await asyncio.to_thread(account_store.list_accounts, svc.db)}
    try:
        accounts = read_account_document(data[:MAX_IMPORT_BYTES].decode("utf-8-sig"), name, current)
    except (ValueError, UnicodeDecodeError) as error:  # WatchlistError is a ValueError
        await reply(update, context, chat, text(lang, "import.invalid", reason=escape(redact_url(str(error)))))
        return
    results = await asyncio.to_thread(account_store.import_accounts, svc.db, accounts)
    await poll_now(context, {r.account.id for r in results if r.outcome in (ADDED, UPDATED)})
    lines = [text(lang, "import.header", name=escape(name), count=len(results))]
    lines += [
        text(lang, f"import.{r.outcome}", id=escape(r.account.id), name=escape(r.account.name), detail=escape(r.detail))
        for r in results
    ]
    log.info("watchlist imported from a document", extra={"chat_id": chat.id})
    await reply(update, context, chat, "\n".join(lines))


async def cmd_status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Administrators: each source's last success, errors and next poll (in a group: privately)."""
    chat = await current_chat(update, context)
    if await refuse_non_admin(update, context, chat, "status"):
        return
    svc = services(context)
    view = await asyncio.to_thread(status_view, svc.db, svc.settings)
    if not view.sources:
        await reply(update, context, chat, text(chat.language, "status.none"))
        return
    notes = (f"<i>{escape(note)}</i>" for note in view.notes)
    extra = [escape(coverage_line(view.coverage, chat.language)), *notes]
    details, summary = status_text(view.sources, chat, extra), status_summary(view.sources, chat.language, extra)
    await reply_privately(update, context, chat, details, summary)
