"""`/keywords add|remove|list|clear`: per-chat words or phrases an alert must (or must not) contain.

`/keywords add ceasefire, "line of control", -cricket` adds two include keywords and one
exclude keyword (a leading minus). Commas separate keywords; quotes are optional. Matching
(in `bot.alerts`) ignores case and accents and reads the original and its English.
"""

from __future__ import annotations

import asyncio
import re

from telegram import Update
from telegram.ext import ContextTypes

from bot.alerts import fold
from bot.i18n import text
from bot.render.alert import escape
from bot.storage import chats as chat_store
from bot.storage.chats import ChatSettings
from bot.tg.chat_context import may_change, reply, settings_chat
from bot.tg.services import services

MAX_KEYWORDS = 30
MAX_LENGTH = 80
QUOTES = "\"'“”«»„‘’"


def parse_keywords(argument: str) -> list[tuple[str, bool]]:
    """`a, "b c", -d` → [("a", False), ("b c", False), ("d", True)]: (keyword, is_exclusion)."""
    found = []
    for piece in argument.split(","):
        word = " ".join(piece.split())
        excluded = word.startswith("-")
        word = word.lstrip("-").strip().strip(QUOTES).strip()
        if re.search(r"\w", word):
            found.append((word, excluded))
    return found


def without(keywords: tuple[str, ...], removed: set[str]) -> tuple[str, ...]:
    return tuple(k for k in keywords if fold(k) not in removed)


def added(keywords: tuple[str, ...], new: list[str]) -> tuple[str, ...]:
    """`keywords` plus the new ones not already there (compared without case or accents)."""
    result = list(keywords)
    for keyword in new:
        if fold(keyword) not in {fold(k) for k in result}:
            result.append(keyword)
    return tuple(result)


def keywords_summary(chat: ChatSettings) -> str:
    """The chat's keywords as one line each way ("any" when none), for /keywords and /filters."""
    lang = chat.language

    def listed(keywords: tuple[str, ...]) -> str:
        return ", ".join(f"“{escape(k)}”" for k in keywords) or text(lang, "filters.any_keyword")

    return text(lang, "keywords.summary", include=listed(chat.keywords_include), exclude=listed(chat.keywords_exclude))


def change(chat: ChatSettings, action: str, argument: str) -> dict[str, tuple[str, ...]] | str:
    """The settings change `/keywords ACTION ARGUMENT` asks for, or the id of a usage message."""
    parsed = parse_keywords(argument)
    if action == "clear":
        return {"keywords_include": (), "keywords_exclude": ()}
    if action in ("add", "remove") and not parsed:
        return "keywords.usage"
    if action == "remove":
        gone = {fold(word) for word, _ in parsed}
        if not gone & {fold(k) for k in (*chat.keywords_include, *chat.keywords_exclude)}:
            return "keywords.not_found"
        return {
            "keywords_include": without(chat.keywords_include, gone),
            "keywords_exclude": without(chat.keywords_exclude, gone),
        }
    if action != "add":
        return "keywords.usage"
    if any(len(word) > MAX_LENGTH for word, _ in parsed):
        return "keywords.too_long"
    wanted = [word for word, excluded in parsed if not excluded]
    unwanted = [word for word, excluded in parsed if excluded]
    # a keyword moves between the lists: `add -x` after `add x` makes x an exclusion
    include = added(without(chat.keywords_include, {fold(w) for w in unwanted}), wanted)
    exclude = added(without(chat.keywords_exclude, {fold(w) for w in wanted}), unwanted)
    if len(include) > MAX_KEYWORDS or len(exclude) > MAX_KEYWORDS:
        return "keywords.too_many"
    return {"keywords_include": include, "keywords_exclude": exclude}


async def cmd_keywords(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show or change the chat's keyword filters."""
    chat = await settings_chat(update, context)
    words = list(context.args or [])
    action = words[0].lower() if words else "list"
    if action == "list":
        await reply(update, context, chat, keywords_summary(chat) + "\n" + text(chat.language, "keywords.hint"))
        return
    if not await may_change(update, context, chat):
        return
    outcome = change(chat, action, " ".join(words[1:]))
    if isinstance(outcome, str):
        words = ", ".join(f"“{escape(word)}”" for word, _ in parse_keywords(" ".join(words[1:])))
        await reply(
            update, context, chat, text(chat.language, outcome, limit=MAX_KEYWORDS, length=MAX_LENGTH, words=words)
        )
        return
    chat = await asyncio.to_thread(lambda: chat_store.update_chat(services(context).db, chat.id, **outcome))
    await reply(update, context, chat, text(chat.language, "keywords.saved") + "\n" + keywords_summary(chat))
