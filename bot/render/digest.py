"""Telegram HTML for the digest. Every piece of feed text goes through `escape`.

The coverage line always comes first after the title: a reader must know how much was
read before reading counts. With nothing read, the digest says so and shows neither a
quiet-day line nor a tension index (an index of nothing would read as calm).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.coverage import coverage_line
from bot.i18n import language_name
from bot.i18n import text as ui
from bot.model import Label
from bot.render.alert import link, shorten
from bot.render.chart import chart_available, text_chart

if TYPE_CHECKING:  # types only: rendering sits below the digest stage, which uses delivery
    from bot.digest import Digest, DigestItem

ITEM_LIMIT = 220


def _item_lines(item: DigestItem, lang: str) -> list[str]:
    body = escape(shorten(" ".join(item.text.split()), ITEM_LIMIT)[0])
    arrow = link(item.url, "↗")  # only a safe http(s) link, as in alerts
    lines = [f"• <b>{escape(item.account_name)}</b> ({item.score * 100:+.0f}%): {body}{' ' + arrow if arrow else ''}"]
    if item.translation is not None:
        if item.translation.text:
            lines.append(f"  ↳ <i>{escape(shorten(' '.join(item.translation.text.split()), ITEM_LIMIT)[0])}</i>")
        else:
            language = language_name(item.translation.target_lang)
            lines.append(f"  ↳ <i>{escape(ui(lang, 'alert.translation_unavailable', lang=language))}</i>")
    return lines


def _account_lines(digest: Digest, lang: str) -> list[str]:
    if not digest.accounts:
        return []
    lines = ["", ui(lang, "digest.accounts")]
    for account in digest.accounts:
        lines.append(
            ui(
                lang,
                "digest.account_line",
                name=escape(account.name),
                escalation=account.counts[Label.ESCALATION],
                deescalation=account.counts[Label.DEESCALATION],
                neutral=account.counts[Label.NEUTRAL],
                mean=f"{account.mean_score * 100:+.0f}%",
            )
        )
    return lines


def format_digest(digest: Digest, lang: str) -> str:
    """Telegram HTML: title, coverage, then counts, tension and statements when something was read."""
    zone = ZoneInfo(digest.tz)
    period = (
        f"{digest.start.astimezone(zone):%Y-%m-%d %H:%M} – {digest.end.astimezone(zone):%Y-%m-%d %H:%M} {digest.tz}"
    )
    lines = [
        ui(lang, "digest.title", period=escape(period)),
        ui(lang, "digest.coverage", line=escape(coverage_line(digest.coverage, lang))),
    ]
    if digest.nothing_read:
        lines.append(ui(lang, "digest.nothing_read"))
        return "\n".join(lines)
    stalled = digest.coverage.stalled_since
    if stalled is not None:
        lines.append(ui(lang, "digest.stalled", since=f"{stalled.astimezone(zone):%Y-%m-%d %H:%M} {digest.tz}"))
    if digest.coverage.degraded:
        lines.append(ui(lang, "digest.low_coverage"))
    if digest.quiet and stalled is None:  # not a quiet day: a day not read since `stalled`
        lines.append(ui(lang, "digest.quiet", neutral=digest.counts[Label.NEUTRAL]))
    lines.append(
        ui(
            lang,
            "digest.counts",
            escalation=digest.counts[Label.ESCALATION],
            deescalation=digest.counts[Label.DEESCALATION],
            neutral=digest.counts[Label.NEUTRAL],
        )
    )
    if digest.abstained:
        lines.append(ui(lang, "digest.abstained", count=digest.abstained))
    change = digest.tension - digest.previous_tension
    lines.append(ui(lang, "digest.tension", tension=f"{digest.tension:.0f}", change=f"{change:+.0f}"))
    for key, items in (
        ("digest.top_escalation", digest.escalations),
        ("digest.top_deescalation", digest.deescalations),
    ):
        if items:
            lines += ["", ui(lang, key)]
            for item in items:
                lines += _item_lines(item, lang)
    lines += _account_lines(digest, lang)
    if not chart_available():
        lines += ["", text_chart(digest, lang)]
    return "\n".join(lines)
