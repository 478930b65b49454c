"""Telegram HTML for the administrators' views: the watchlist and each source's health.

Groups get the summaries (no feed URLs or error texts); administrators get the details privately.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from bot.health import SourceHealth
from bot.i18n import text
from bot.model import Account
from bot.reader.health import DISABLED, EMPTY, FAILING, OK, PENDING, STALE, UNCONFIGURED
from bot.reader.urls import redact_url
from bot.render.alert import escape, local_time
from bot.storage.chats import ChatSettings

STATE_SYMBOLS = {OK: "✅", FAILING: "⚠️", STALE: "🕸", EMPTY: "🕸", PENDING: "⏳", DISABLED: "⏸", UNCONFIGURED: "🔧"}


def watch_summary(accounts: list[Account], lang: str) -> str:
    """/watch list without feed URLs or handles, for a group."""
    sources = sum(len(account.sources) for account in accounts)
    return text(lang, "watch.list_summary", count=len(accounts), sources=sources)


def watch_list(accounts: list[Account], lang: str) -> str:
    lines = [text(lang, "watch.list_header", count=len(accounts))]
    for account in accounts:
        sources = redact_url(", ".join(f"{s.kind.value}:{s.handle}" for s in account.sources))
        lines.append(f"<code>{escape(account.id)}</code> — {escape(account.name)}: {escape(sources)}")
    return "\n".join(lines)


def status_summary(sources: list[SourceHealth], lang: str, extra: Sequence[str] = ()) -> str:
    """/status without URLs or error texts, for a group: how many sources are in each state."""
    states = Counter(source.state for source in sources)
    counts = ", ".join(
        f"{STATE_SYMBOLS.get(state, '•')} {count} {text(lang, f'state.{state}')}" for state, count in states.items()
    )
    return "\n".join([text(lang, "status.header", count=len(sources)), *extra, escape(counts)])


def status_text(sources: list[SourceHealth], chat: ChatSettings, extra: Sequence[str] = ()) -> str:
    """/status in full: each source's state, last success, errors and next poll.

    `extra` lines (HTML, e.g. a coverage line) go right under the header."""
    lang = chat.language

    def when(moment: datetime | None) -> str:
        return local_time(moment, chat.timezone) if moment else text(lang, "status.never")

    lines = [text(lang, "status.header", count=len(sources)), *extra]
    for source in sources:
        lines.append(
            f"{STATE_SYMBOLS.get(source.state, '•')} <b>{escape(source.account_name)}</b> "
            f"{escape(source.kind)}:{escape(redact_url(source.handle))} — {escape(text(lang, f'state.{source.state}'))}"
        )
        if source.state == UNCONFIGURED:
            continue  # never polled: why, and what to do, is said once above
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
            lines.append(f"   <i>{escape(redact_url(source.last_error)[:300])}</i>")
    return "\n".join(lines)
