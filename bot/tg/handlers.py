"""Command handlers: parse the command, call the core, answer through `Delivery`.

Every handler is short; bad input gets its usage line, never a traceback. In groups only
the group's administrators may change settings (asked of Telegram with getChatMember).
"""

from __future__ import annotations

import asyncio
import logging
import re
import warnings
import zoneinfo
from datetime import UTC, datetime
from functools import lru_cache

from telegram import BotCommand, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.health import source_health
from bot.i18n import language_name, languages, supported_language, text
from bot.model import Account, Label
from bot.opml import export_opml
from bot.storage import accounts as account_store
from bot.storage import chats as chat_store
from bot.storage.chats import ACCOUNT, ALL, COUNTRY, DIGEST_OFF, ChatSettings, Subscription
from bot.tg.format import escape, local_time
from bot.tg.jobs import Services, schedule_digest, schedule_poll, send_digest, services
from bot.watchlist import ACCOUNT_ID, validate_source

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
)
ADMIN_COMMANDS = ("watch", "status")
STRENGTHS = (0.0, 0.2, 0.4, 0.6, 0.8)
LABELS = (Label.ESCALATION.value, Label.DEESCALATION.value, Label.NEUTRAL.value)
ADMIN_STATUSES = {"creator", "administrator"}
CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
MAX_FILTER_BUTTONS = 24


def command_menu(lang: str, admin: bool = False) -> list[BotCommand]:
    names = PUBLIC_COMMANDS + (ADMIN_COMMANDS if admin else ())
    return [BotCommand(name, text(lang, f"cmd.{name}")) for name in names]


# --- chat context ----------------


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


# --- subscriptions ----------------


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
    if kind == COUNTRY:
        return text(lang, "target.country", country=escape(target))
    name = next((a.name for a in accounts if a.id == target), target)
    return text(lang, "target.account", name=escape(name), id=escape(target))


def follows(subs: list[Subscription], account: Account) -> bool:
    return any(
        s.kind == ALL
        or (s.kind == ACCOUNT and s.target == account.id)
        or (s.kind == COUNTRY and s.target == account.country.upper())
        for s in subs
    )


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet, in the user's language when we speak it."""
    chat = await current_chat(update, context)
    name = update.effective_user.first_name if update.effective_user else ""
    await reply(context, chat, text(chat.language, "start.welcome", name=escape(name or "")))


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every command with its usage; administrators also see theirs."""
    chat = await current_chat(update, context)
    choices = ", ".join(f"{code} ({language_name(code)})" for code in languages())
    parts = [
        text(chat.language, "help.header"),
        text(chat.language, "help.body", languages=escape(choices)),
    ]
    if is_bot_admin(update, services(context)):
        parts.append(text(chat.language, "help.admin"))
    await reply(context, chat, "\n\n".join(parts))


async def cmd_subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Follow all, an account or a country; older statements are not alerted."""
    chat = await current_chat(update, context)
    if not await may_change(update, context, chat):
        return
    svc, argument = services(context), " ".join(context.args or [])
    accounts = await asyncio.to_thread(account_store.list_accounts, svc.db)
    target = resolve_target(argument, accounts)
    if target is None:
        await reply(context, chat, text(chat.language, "subscribe.unknown", target=escape(argument)))
        return
    added = await asyncio.to_thread(chat_store.subscribe, svc.db, chat.id, *target, datetime.now(UTC))
    described = describe(chat.language, *target, accounts)
    await reply(
        context,
        chat,
        text(chat.language, "subscribe.done" if added else "subscribe.already", target=described),
    )
    if added:
        refreshed = await asyncio.to_thread(chat_store.get_chat, svc.db, chat.id)
        if refreshed is not None:
            schedule_digest(context.job_queue, refreshed)


async def cmd_unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop following all, an account or a country."""
    chat = await current_chat(update, context)
    if not await may_change(update, context, chat):
        return
    svc, argument = services(context), " ".join(context.args or [])
    accounts = await asyncio.to_thread(account_store.list_accounts, svc.db)
    target = resolve_target(argument, accounts)
    if target is None:
        await reply(context, chat, text(chat.language, "subscribe.unknown", target=escape(argument)))
        return
    if target[0] == ALL:
        await asyncio.to_thread(chat_store.unsubscribe_all, svc.db, chat.id)
        await reply(context, chat, text(chat.language, "unsubscribe.all"))
        return
    described = describe(chat.language, *target, accounts)
    if await asyncio.to_thread(chat_store.unsubscribe, svc.db, chat.id, *target):
        await reply(context, chat, text(chat.language, "unsubscribe.done", target=described))
        return
    subs = await asyncio.to_thread(chat_store.subscriptions, svc.db, chat.id)
    if any(s.kind == ALL for s in subs):
        await reply(context, chat, text(chat.language, "unsubscribe.covered_by_all", target=described))
        return
    following = ", ".join(describe(chat.language, s.kind, s.target, accounts) for s in subs)
    await reply(
        context,
        chat,
        text(
            chat.language,
            "unsubscribe.not_followed",
            target=described,
            following=following or text(chat.language, "subscriptions.none"),
        ),
    )


async def cmd_accounts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The watchlist, marking what this chat follows."""
    chat = await current_chat(update, context)
    svc = services(context)
    accounts = await asyncio.to_thread(account_store.list_accounts, svc.db)
    if not accounts:
        await reply(context, chat, text(chat.language, "accounts.none"))
        return
    subs = await asyncio.to_thread(chat_store.subscriptions, svc.db, chat.id)
    lines = [text(chat.language, "accounts.header", count=len(accounts))]
    for account in accounts:
        mark = "✓" if follows(subs, account) else "·"
        details = ", ".join(part for part in (account.role, account.country) if part)
        lines.append(
            f"{mark} <code>{escape(account.id)}</code> — {escape(account.name)}"
            + (f" ({escape(details)})" if details else "")
        )
    lines.append(text(chat.language, "accounts.footer"))
    await reply(context, chat, "\n".join(lines))


# --- filters ----------------


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


# --- digest and chat settings ----------------


async def cmd_digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The last 24 hours now: text, then the 7-day chart."""
    chat = await current_chat(update, context)
    try:
        await send_digest(services(context), chat)
    except Exception as error:
        log.exception("digest failed", extra={"chat_id": chat.id})
        await reply(context, chat, text(chat.language, "digest.failed", error=escape(type(error).__name__)))


def digest_time_label(chat: ChatSettings) -> str:
    return text(chat.language, "digesttime.disabled") if chat.digest_time == DIGEST_OFF else chat.digest_time


async def cmd_digesttime(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Set the daily digest's local time (HH:MM) or turn it off."""
    chat = await current_chat(update, context)
    if not await may_change(update, context, chat):
        return
    argument = " ".join(context.args or []).strip().lower()
    match = CLOCK.match(argument)
    if argument != DIGEST_OFF and match is None:
        await reply(
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
    await reply(context, chat, text(chat.language, key, time=value, tz=escape(chat.timezone)))


@lru_cache(maxsize=1)
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def find_timezone(name: str) -> str | None:
    """The IANA name for `name`, matched without regard to case."""
    return _zones_by_lower_name().get(name.strip().lower())


async def cmd_timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Set the chat's timezone (times in alerts, the digest's local time)."""
    chat = await current_chat(update, context)
    if not await may_change(update, context, chat):
        return
    argument = " ".join(context.args or []).strip()
    if not argument:
        await reply(context, chat, text(chat.language, "timezone.usage", tz=escape(chat.timezone)))
        return
    zone = await asyncio.to_thread(find_timezone, argument)
    if zone is None:
        await reply(context, chat, text(chat.language, "timezone.unknown", tz=escape(argument)))
        return
    chat = await asyncio.to_thread(chat_store.update_chat, services(context).db, chat.id, timezone=zone)
    schedule_digest(context.job_queue, chat)
    await reply(
        context,
        chat,
        text(chat.language, "timezone.done", tz=escape(zone), time=digest_time_label(chat)),
    )


async def cmd_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Language of the bot's texts and of translations."""
    chat = await current_chat(update, context)
    if not await may_change(update, context, chat):
        return
    argument = " ".join(context.args or []).strip().lower()
    if argument not in languages():
        choices = ", ".join(f"<code>{code}</code> ({escape(language_name(code))})" for code in languages())
        await reply(context, chat, text(chat.language, "language.usage", choices=choices))
        return
    chat = await asyncio.to_thread(chat_store.update_chat, services(context).db, chat.id, language=argument)
    await reply(context, chat, text(chat.language, "language.done"))


async def cmd_mute(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pause alerts (pending ones are dropped, so unmuting does not flood)."""
    await _set_muted(update, context, True)


async def cmd_unmute(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Resume alerts from now on."""
    await _set_muted(update, context, False)


async def _set_muted(update: Update, context: ContextTypes.DEFAULT_TYPE, muted: bool) -> None:
    chat = await current_chat(update, context)
    if not await may_change(update, context, chat):
        return
    chat = await asyncio.to_thread(chat_store.set_muted, services(context).db, chat.id, muted, datetime.now(UTC))
    await reply(context, chat, text(chat.language, "mute.done" if muted else "unmute.done"))


# --- administrators ----------------


async def refuse_non_admin(
    update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatSettings, command: str
) -> bool:
    """True (after a clear refusal) when the user is not one of LADDERWATCH_ADMINS."""
    if is_bot_admin(update, services(context)):
        return False
    user_id = update.effective_user.id if update.effective_user else "?"
    log.warning("non-admin tried /%s", command, extra={"chat_id": chat.id})
    await reply(context, chat, text(chat.language, "admin.refused", command=command, user_id=user_id))
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
    """Administrators: /watch add|remove|list|export."""
    chat = await current_chat(update, context)
    if await refuse_non_admin(update, context, chat, "watch"):
        return
    svc, words, lang = services(context), list(context.args or []), chat.language
    action = words[0].lower() if words else ""
    if action == "list":
        await reply(context, chat, await asyncio.to_thread(watch_list, svc, lang))
    elif action == "export":
        accounts = await asyncio.to_thread(account_store.list_accounts, svc.db)
        opml = export_opml(accounts, svc.settings).encode("utf-8")
        await svc.delivery.send_document(chat.id, opml, "ladderwatch-watchlist.opml")
    elif action == "add":
        await _watch_add(context, chat, words[1:])
    elif action == "remove" and len(words) == 2:
        account_id = words[1].lower()
        removed = await asyncio.to_thread(account_store.remove_account, svc.db, account_id)
        await reply(
            context,
            chat,
            text(lang, "watch.removed" if removed else "watch.unknown", id=escape(account_id)),
        )
    else:
        await reply(context, chat, text(lang, "watch.usage"))


async def _watch_add(context: ContextTypes.DEFAULT_TYPE, chat: ChatSettings, words: list[str]) -> None:
    svc, lang = services(context), chat.language
    try:
        account = parse_watch_add(words)
    except WatchUsageError as error:
        await reply(context, chat, text(lang, error.key, id=escape(words[0] if words else "")))
        return
    except ValueError as error:
        await reply(context, chat, text(lang, "watch.bad_source", reason=escape(str(error))))
        return
    await asyncio.to_thread(account_store.add_account, svc.db, account, "chat")
    now = datetime.now(UTC)
    for row in await asyncio.to_thread(account_store.list_source_rows, svc.db):
        if row.account_id == account.id:
            schedule_poll(context.job_queue, row.id, now)
    log.info("account added in chat: %s", account.id, extra={"chat_id": chat.id})
    await reply(
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


def watch_list(svc: Services, lang: str) -> str:
    accounts = account_store.list_accounts(svc.db)
    lines = [text(lang, "watch.list_header", count=len(accounts))]
    for account in accounts:
        sources = ", ".join(f"{s.kind.value}:{s.handle}" for s in account.sources)
        lines.append(f"<code>{escape(account.id)}</code> — {escape(account.name)}: {escape(sources)}")
    return "\n".join(lines)


async def cmd_status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Administrators: each source's last success, errors and next poll."""
    chat = await current_chat(update, context)
    if await refuse_non_admin(update, context, chat, "status"):
        return
    lang = chat.language
    sources = await asyncio.to_thread(source_health, services(context).db)
    if not sources:
        await reply(context, chat, text(lang, "status.none"))
        return

    def when(moment: datetime | None) -> str:
        return local_time(moment, chat.timezone) if moment else text(lang, "status.never")

    lines = [text(lang, "status.header", count=len(sources))]
    for source in sources:
        state = "✅" if not source.consecutive_errors and source.last_success_at else "⚠️"
        lines.append(f"{state} <b>{escape(source.account_name)}</b> {escape(source.kind)}:{escape(source.handle)}")
        lines.append(
            "   "
            + escape(
                text(
                    lang,
                    "status.line",
                    last_success=when(source.last_success_at),
                    errors=source.consecutive_errors,
                    next_poll=when(source.next_poll_at),
                )
            )
        )
        if source.last_error and source.consecutive_errors:
            lines.append(f"   <i>{escape(source.last_error[:300])}</i>")
    await reply(context, chat, "\n".join(lines))


# --- wiring ----------------


async def cmd_unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /command we do not have (private chats only: groups hold other bots' commands)."""
    chat = await current_chat(update, context)
    await reply(context, chat, text(chat.language, "error.unknown_command"))


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


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with the traceback first, then tell the chat something went wrong."""
    log.error("handler failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        chat = await asyncio.to_thread(chat_store.get_chat, services(context).db, update.effective_chat.id)
        lang = chat.language if chat else "en"
        try:
            await context.bot.send_message(update.effective_chat.id, text(lang, "error.generic"))
        except TelegramError:
            log.warning(
                "could not report the error to the chat",
                extra={"chat_id": update.effective_chat.id},
            )


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
    "watch": cmd_watch,
    "status": cmd_status,
}


def add_handlers(application: Application) -> None:
    for name, callback in HANDLERS.items():
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CallbackQueryHandler(on_filter_button, pattern=r"^f:"))
    application.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, cmd_unknown))
    application.add_handler(MessageHandler(filters.Regex(r"^/") & ~filters.COMMAND, on_command_without_entity))
    application.add_error_handler(on_error)
