"""`/filters`: an inline keyboard for labels, minimum strength, accounts, languages,
keywords and silent delivery.

Escalation and de-escalation are on by default, neutral off; no account or language
ticked means all. Strength is shown as a percentage, as in alerts. Accounts come one
per row, a page at a time, each button label distinct (a long name is shortened in the
middle, keeping its distinguishing end; equal names get their id). Languages are named,
and offered from the statements actually stored plus the watchlist's hints. Each tap
changes one setting and redraws the keyboard in place (or, if the Bot API cannot edit,
as a new message). In a group everyone may look; only administrators get the keyboard.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.alerts import fold
from bot.i18n import language_label, supported_language, text
from bot.model import Account, Label
from bot.render.alert import escape
from bot.storage import accounts as account_store
from bot.storage import chats as chat_store
from bot.storage import subscriptions as subscription_store
from bot.storage.chats import ChatSettings
from bot.storage.subscriptions import Subscription
from bot.tg.chat_context import can_change, current_chat, follows, heading, may_change, reply, settings_chat
from bot.tg.keywords import keywords_summary, without
from bot.tg.services import Services, services

log = logging.getLogger(__name__)

STRENGTHS = (0.0, 0.2, 0.4, 0.6, 0.8)
LABELS = (Label.ESCALATION.value, Label.DEESCALATION.value, Label.NEUTRAL.value)
ACCOUNTS_PER_PAGE = 8
LABEL_WIDTH = 32
MIN_HEAD = 8  # characters of a squeezed name's start
MAX_LANGUAGE_BUTTONS = 24
MAX_KEYWORD_BUTTONS = 12
CHAT_ID = re.compile(r"-?[0-9]{1,16}")


@dataclass(frozen=True)
class Tap:
    """A button's callback data `f:KIND:PAGE:CHAT:VALUE` (at most 62 bytes; Telegram allows 64).

    CHAT is the chat the keyboard was drawn for: after a `/channel` switch an old keyboard
    still changes the chat it shows, never whichever one is current."""

    kind: str
    page: int
    chat_id: int
    value: str


def callback(chat_id: int, kind: str, page: int, value: str = "") -> str:
    return f"f:{kind}:{page}:{chat_id}:{value}"


def parse_tap(data: str) -> Tap | None:
    """None for data this keyboard did not make (or an older keyboard without its chat)."""
    parts = data.split(":", 4)
    if len(parts) != 5 or parts[0] != "f" or not parts[2].isdigit() or not CHAT_ID.fullmatch(parts[3]):
        return None
    return Tap(parts[1], int(parts[2]), int(parts[3]), parts[4])


def token(value: str) -> str:
    """A value short enough for callback data: itself, or a hash when long."""
    return value if len(value.encode()) <= 40 else hashlib.sha1(value.encode()).hexdigest()[:12]


def percent(value: float) -> str:
    return f"{round(value * 100)}%"


def squeeze(value: str, width: int = LABEL_WIDTH) -> str:
    """At most `width` characters, cut in the middle at word boundaries when possible, keeping
    the most of the end (where "Ministry of Foreign Affairs of …" differ): both ends readable."""
    if len(value) <= width:
        return value
    words = value.split()
    tail = ""
    for index in range(len(words) - 1, 0, -1):
        candidate = " ".join(words[index:])
        if len(candidate) > width - 1 - MIN_HEAD:
            break
        tail = candidate
    if not tail:
        tail = value[-(width - 1 - MIN_HEAD) :]
    room = width - 1 - len(tail)
    head = value[:room]
    if " " in head and value[room : room + 1] not in ("", " "):
        head = head.rsplit(" ", 1)[0]
    return head.rstrip() + "…" + tail.lstrip()


def account_labels(accounts: list[Account]) -> dict[str, str]:
    """A distinct button label per account: its name, squeezed; with its id when names clash."""
    labels = {a.id: squeeze(a.name) for a in accounts}
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label.casefold()] = seen.get(label.casefold(), 0) + 1
    for account in accounts:
        if seen[labels[account.id].casefold()] > 1:
            tail = f" ({account.id})"
            labels[account.id] = squeeze(account.name, LABEL_WIDTH - len(tail)) + tail
    return labels


def filter_languages(accounts: list[Account], seen: set[str], chat: ChatSettings) -> list[str]:
    """Languages worth a button: those of stored statements, the accounts' hints, and the chosen ones."""
    found = seen | {lang for account in accounts for lang in account.languages} | set(chat.languages)
    return sorted({code.split("-")[0].lower() for code in found})[:MAX_LANGUAGE_BUTTONS]


def filters_summary(chat: ChatSettings, accounts: list[Account]) -> str:
    lang = chat.language
    labels = ", ".join(text(lang, f"label.{label}") for label in LABELS if label in chat.labels)
    names = {a.id: a.name for a in accounts}
    languages = ", ".join(sorted(language_label(lang, code) for code in chat.languages))
    return "\n".join(
        [
            text(
                lang,
                "filters.summary",
                labels=escape(labels or text(lang, "filters.none_label")),
                strength=percent(chat.min_strength),
                accounts=escape(", ".join(names.get(a, a) for a in sorted(chat.accounts)) or text(lang, "filters.any")),
                languages=escape(languages or text(lang, "filters.any")),
            ),
            keywords_summary(chat),
            text(lang, "filters.silent_on" if chat.silent else "filters.silent_off"),
        ]
    )


def _tick(on: bool, label: str) -> str:
    return f"{'✅' if on else '▫️'} {label}"


def _grid(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def account_rows(chat: ChatSettings, followed: list[Account], page: int) -> list[list[InlineKeyboardButton]]:
    """One account per row, a page at a time, with ◀ n/N ▶ when there is more than one page."""
    pages = max(1, -(-len(followed) // ACCOUNTS_PER_PAGE))
    page = min(page, pages - 1)
    labels = account_labels(followed)
    shown = followed[page * ACCOUNTS_PER_PAGE : (page + 1) * ACCOUNTS_PER_PAGE]
    rows = [
        [
            InlineKeyboardButton(
                _tick(a.id in chat.accounts, labels[a.id]), callback_data=callback(chat.id, "a", page, token(a.id))
            )
        ]
        for a in shown
    ]
    if pages > 1:
        rows.append(
            [
                InlineKeyboardButton("◀", callback_data=callback(chat.id, "p", (page - 1) % pages)),
                InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=callback(chat.id, "p", page)),
                InlineKeyboardButton("▶", callback_data=callback(chat.id, "p", (page + 1) % pages)),
            ]
        )
    return rows


def filters_keyboard(
    chat: ChatSettings, accounts: list[Account], subs: list[Subscription], seen: set[str], page: int = 0
) -> InlineKeyboardMarkup:
    lang = chat.language
    rows = [
        [
            InlineKeyboardButton(
                _tick(label in chat.labels, text(lang, f"label.{label}")),
                callback_data=callback(chat.id, "l", page, label),
            )
            for label in LABELS
        ],
        [
            InlineKeyboardButton(
                ("• " if abs(chat.min_strength - value) < 1e-9 else "")
                + text(lang, "filters.strength_button", value=percent(value)),
                callback_data=callback(chat.id, "s", page, f"{value:.1f}"),
            )
            for value in STRENGTHS
        ],
    ]
    rows += account_rows(chat, [a for a in accounts if follows(subs, a)], page)
    codes = [
        InlineKeyboardButton(
            _tick(code in chat.languages, language_label(lang, code)), callback_data=callback(chat.id, "g", page, code)
        )
        for code in filter_languages(accounts, seen, chat)
    ]
    rows += _grid(codes, 3)
    rows += _grid(keyword_buttons(chat, page), 3)
    rows.append(
        [
            InlineKeyboardButton(
                text(lang, "filters.silent_button" if not chat.silent else "filters.sound_button"),
                callback_data=callback(chat.id, "q", page),
            ),
            InlineKeyboardButton(text(lang, "filters.done"), callback_data=callback(chat.id, "d", page)),
        ]
    )
    return InlineKeyboardMarkup(rows)


def keyword_buttons(chat: ChatSettings, page: int) -> list[InlineKeyboardButton]:
    """A ✖ button per keyword (excluded ones shown with a minus) that removes it."""
    shown = [(k, k) for k in chat.keywords_include] + [(f"-{k}", k) for k in chat.keywords_exclude]
    return [
        InlineKeyboardButton(
            f"✖ {squeeze(label, 20)}", callback_data=callback(chat.id, "k", page, token(fold(keyword)))
        )
        for label, keyword in shown[:MAX_KEYWORD_BUTTONS]
    ]


async def menu(svc: Services, chat: ChatSettings, page: int = 0) -> tuple[str, InlineKeyboardMarkup]:
    accounts = await asyncio.to_thread(account_store.list_accounts, svc.db)
    subs = await asyncio.to_thread(subscription_store.subscriptions, svc.db, chat.id)
    seen = await asyncio.to_thread(chat_store.seen_languages, svc.db)
    summary = text(chat.language, "filters.title", summary=filters_summary(chat, accounts))
    return summary, filters_keyboard(chat, accounts, subs, seen, page)


async def cmd_filters(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the filters; with a keyboard to change them for whoever may."""
    chat = await settings_chat(update, context)
    svc = services(context)
    try:
        allowed = await can_change(update, context, chat)
    except TelegramError:
        allowed = False
    summary, keyboard = await menu(svc, chat)
    if not allowed:
        await reply(update, context, chat, summary + "\n" + text(chat.language, "filters.view_only"))
        return
    await reply(update, context, chat, summary, keyboard)


def toggled(values: frozenset[str], value: str) -> frozenset[str]:
    return values - {value} if value in values else values | {value}


def apply_tap(chat: ChatSettings, tap: Tap, accounts: list[Account]) -> dict[str, object] | None:
    """The settings change one button asks for; {} for paging; None for a button we do not know."""
    if tap.kind == "p":
        return {}
    if tap.kind == "l" and tap.value in LABELS:
        return {"labels": toggled(chat.labels, tap.value)}
    if tap.kind == "s":
        strength = next((value for value in STRENGTHS if f"{value:.1f}" == tap.value), None)
        return None if strength is None else {"min_strength": strength}
    if tap.kind == "a":
        account = next((a for a in accounts if token(a.id) == tap.value), None)
        return None if account is None else {"accounts": toggled(chat.accounts, account.id)}
    if tap.kind == "g" and tap.value.isalpha() and 2 <= len(tap.value) <= 3:
        return {"languages": toggled(chat.languages, tap.value)}
    if tap.kind == "k":
        gone = {fold(k) for k in (*chat.keywords_include, *chat.keywords_exclude) if token(fold(k)) == tap.value}
        if not gone:
            return None
        return {
            "keywords_include": without(chat.keywords_include, gone),
            "keywords_exclude": without(chat.keywords_exclude, gone),
        }
    if tap.kind == "q":
        return {"silent": not chat.silent}
    return None


async def acknowledge(query: CallbackQuery, notice: str | None = None) -> None:
    """Stop the button's spinner; a Bot API that cannot is no reason to fail the tap."""
    try:
        await query.answer(notice)
    except TelegramError as error:
        log.info("answerCallbackQuery failed: %s", error.message)


async def redraw(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    chat: ChatSettings,
    html: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Edit the keyboard's message in place; when that is refused, send the new state instead."""
    svc, message = services(context), update.effective_message
    if message is not None and update.effective_chat is not None:
        try:
            edited = heading(update, chat) + html
            await svc.delivery.edit_html(update.effective_chat.id, message.message_id, edited, markup)
            return
        except TelegramError as error:
            log.info("editing the filters message failed: %s", error.message, extra={"chat_id": chat.id})
    await reply(update, context, chat, html, markup)


async def keyboard_chat(update: Update, context: ContextTypes.DEFAULT_TYPE, tap: Tap | None) -> ChatSettings | None:
    """The chat a keyboard was drawn for: the chat it is in, or a channel set up from it (whose
    administrators are checked again on every tap); None for anything else."""
    here = await current_chat(update, context)
    if tap is None or tap.chat_id == here.id:
        return here if tap is not None else None
    chat = await asyncio.to_thread(chat_store.get_chat, services(context).db, tap.chat_id)
    return chat if chat is not None and chat.is_channel and chat.active else None


async def on_filter_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on the /filters keyboard: change one setting of the chat it was drawn for, redraw."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if update.effective_chat is None:  # a button under an inline message: no chat, not our keyboard
        await acknowledge(query, text(supported_language(query.from_user.language_code), "filters.expired"))
        return
    tap = parse_tap(query.data)
    chat = await keyboard_chat(update, context, tap)
    if tap is None or chat is None:
        await acknowledge(query, text((await current_chat(update, context)).language, "filters.expired"))
        return
    if not await may_change(update, context, chat):
        await acknowledge(query)
        return
    svc = services(context)
    accounts = await asyncio.to_thread(account_store.list_accounts, svc.db)
    if tap.kind == "d":
        await acknowledge(query)
        summary = filters_summary(chat, accounts)
        await redraw(update, context, chat, text(chat.language, "filters.closed", summary=summary))
        return
    change = apply_tap(chat, tap, accounts)
    if change is None:
        await acknowledge(query, text(chat.language, "filters.expired"))
        return
    if change:
        chat = await asyncio.to_thread(lambda: chat_store.update_chat(svc.db, chat.id, **change))
    await acknowledge(query)
    summary, keyboard = await menu(svc, chat, tap.page)
    await redraw(update, context, chat, summary, keyboard)
