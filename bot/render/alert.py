"""Telegram HTML for alerts. Every piece of feed text goes through `html.escape`."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import language_name, text
from bot.model import Label, Translation
from bot.reader.urls import safe_url
from bot.storage.outbox import AlertContent

SYMBOLS = {Label.ESCALATION.value: "🔺", Label.DEESCALATION.value: "🕊", Label.NEUTRAL.value: "▫️"}
ORIGINAL_LIMIT = 1200
TRANSLATION_LIMIT = 1200
MAX_CUES = 6


def escape(value: str) -> str:
    return html.escape(value, quote=False)


def shorten(value: str, limit: int) -> tuple[str, bool]:
    """At most `limit` characters, cut at a word boundary; True when something was cut."""
    value = value.strip()
    if len(value) <= limit:
        return value, False
    cut = value[:limit].rsplit(maxsplit=1)[0] if " " in value[:limit] else value[:limit]
    return cut.rstrip(" ,.;:") + "…", True


def display_translation_needed(statement_lang: str, chat_lang: str) -> bool:
    """A translation is shown when the statement's language is known and not the chat's."""
    primary = statement_lang.split("-")[0].lower()
    return primary not in ("", "und", chat_lang)


def local_time(moment: datetime, tz: str) -> str:
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        zone, tz = ZoneInfo("UTC"), "UTC"
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} {tz}"


def link(url: str | None, label: str) -> str:
    """An <a> to `url` when `safe_url` accepts it (http/https only); "" for anything else."""
    target = safe_url(url)
    if target is None:
        return ""
    return f'<a href="{html.escape(target, quote=True)}">{escape(label)}</a>'


def _body(content: AlertContent) -> str:
    """The statement's words: its title when the text does not already start with it."""
    title = content.title.strip()
    if title and not content.text.strip().startswith(title[:60]):
        return f"{title}\n{content.text}"
    return content.text


def _quoted(value: str, limit: int, lang: str) -> str:
    shortened, cut = shorten(value, limit)
    note = f" <i>{escape(text(lang, 'alert.shortened'))}</i>" if cut else ""
    return f"<blockquote>{escape(shortened)}</blockquote>{note}"


def format_alert(content: AlertContent, lang: str, tz: str, translation: Translation | None = None) -> str:
    """One alert: label, strength, who, what (and its translation), why, where, when."""
    label = content.label
    headline = [
        f"{SYMBOLS.get(label, '•')} <b>{escape(text(lang, f'label.{label}').upper())}</b>",
        escape(text(lang, "alert.strength", value=round(abs(content.score) * 100))),
    ]
    if content.mixed:
        headline.append(escape(text(lang, "alert.mixed")))
    if content.is_repost:
        headline.append(escape(text(lang, "alert.repost")))
    who = f"<b>{escape(content.account_name)}</b>"
    if content.account_role:
        who += f" — {escape(content.account_role)}"
    lines = [" · ".join(headline), who, _quoted(_body(content), ORIGINAL_LIMIT, lang)]
    if translation is not None:
        language = escape(language_name(translation.target_lang))
        if translation.text:
            lines.append(f"<i>{escape(text(lang, 'alert.translation', lang=language))}</i>")
            lines.append(_quoted(translation.text, TRANSLATION_LIMIT, lang))
        else:
            lines.append(f"<i>{escape(text(lang, 'alert.translation_unavailable', lang=language))}</i>")
    if content.cues:
        cues = ", ".join(f"“{escape(cue)}”" for cue in content.cues[:MAX_CUES])
        lines.append(f"{escape(text(lang, 'alert.cues'))} <i>{cues}</i>")
    when = local_time(content.published_at, tz)
    if content.published_estimated:
        when += f" {escape(text(lang, 'alert.estimated_time'))}"
    source = link(content.url, text(lang, "alert.source"))
    lines.append(f"{source} · {escape(when)}" if source else escape(when))
    return "\n".join(lines)
