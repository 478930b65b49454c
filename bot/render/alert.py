"""Telegram HTML for alerts. Every piece of feed text goes through `html.escape`.

An alert is written for analysts: the verdict with its strength and the kind of act
behind it (an honest "not assessed" when the engine could not read the language), who
said it, on which kind of source and in which language, the text and who machine-
translated it, the cue phrases (split by side when the signals are mixed), link and time.
"""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import category_name, language_label, text
from bot.model import Cue, Label, Translation
from bot.reader.urls import safe_url
from bot.storage.outbox import AlertContent

SYMBOLS = {Label.ESCALATION.value: "🔺", Label.DEESCALATION.value: "🕊", Label.NEUTRAL.value: "▫️"}
ORIGINAL_LIMIT = 1200
TRANSLATION_LIMIT = 1200
MAX_CUES = 6
PROVIDERS = {"google": "Google Translate", "libre": "LibreTranslate", "deepl": "DeepL", "mymemory": "MyMemory"}


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


def _act(content: AlertContent, lang: str) -> str:
    """The kind of act behind the verdict: the category of its heaviest cue on the label's side."""
    sign = 1 if content.label == Label.ESCALATION.value else -1
    side = [cue for cue in content.cues if cue.weight * sign > 0 and cue.category]
    if content.label == Label.NEUTRAL.value or not side:
        return ""
    strongest = max(side, key=lambda cue: abs(cue.weight))
    return category_name(lang, strongest.category)


def _cue_lines(content: AlertContent, lang: str) -> list[str]:
    """The cue phrases; split by side when the statement leans both ways."""

    def phrases(cues: list[Cue]) -> str:
        return ", ".join(f"“{escape(cue.text)}”" for cue in cues[:MAX_CUES])

    if not content.cues:
        return []
    if not content.mixed:
        return [f"{escape(text(lang, 'alert.cues'))} <i>{phrases(list(content.cues))}</i>"]
    lines = []
    for label, key, keep in (
        (Label.ESCALATION.value, "alert.cues_escalation", lambda w: w > 0),
        (Label.DEESCALATION.value, "alert.cues_deescalation", lambda w: w < 0),
    ):
        side = [cue for cue in content.cues if keep(cue.weight)]
        if side:
            lines.append(f"{SYMBOLS[label]} {escape(text(lang, key))} <i>{phrases(side)}</i>")
    return lines


def _source_line(content: AlertContent, lang: str) -> str:
    """Where it was said and in which language: "X (@handle) · Italian"."""
    parts = []
    if content.source_kind:
        kind = text(lang, f"source.{content.source_kind}")
        parts.append(f"{kind} ({content.source_where})" if content.source_where else kind)
    if content.lang and content.lang != "und":
        parts.append(language_label(lang, content.lang))
    return escape(" · ".join(parts))


def _translation_lines(translation: Translation, lang: str) -> list[str]:
    language = language_label(lang, translation.target_lang)
    if not translation.text:
        return [f"<i>{escape(text(lang, 'alert.translation_unavailable', lang=language))}</i>"]
    provider = PROVIDERS.get(translation.provider or "")
    if provider:
        heading = text(lang, "alert.machine_translation", lang=language, provider=provider)
    else:
        heading = text(lang, "alert.translation", lang=language)
    return [f"<i>{escape(heading)}</i>", _quoted(translation.text, TRANSLATION_LIMIT, lang)]


def _headline(content: AlertContent, lang: str) -> str:
    if content.abstained:
        language = language_label(lang, content.lang)
        return f"❔ <b>{escape(text(lang, 'alert.abstained', lang=language))}</b>"
    label = content.label
    parts = [
        f"{SYMBOLS.get(label, '•')} <b>{escape(text(lang, f'label.{label}').upper())}</b>",
        escape(text(lang, "alert.strength", value=round(abs(content.score) * 100))),
    ]
    act = _act(content, lang)
    if act:
        parts.append(escape(act))
    if content.mixed:
        parts.append(escape(text(lang, "alert.mixed")))
    return " · ".join(parts)


def format_alert(content: AlertContent, lang: str, tz: str, translation: Translation | None = None) -> str:
    """One alert: verdict (strength, kind of act), who, where and in which language, what (and
    its machine translation), why (cues, by side when mixed), the source link and time."""
    headline = _headline(content, lang)
    if content.is_repost:
        headline += " · " + escape(text(lang, "alert.repost"))
    who = f"<b>{escape(content.account_name)}</b>"
    if content.account_role:
        who += f" — {escape(content.account_role)}"
    lines = [headline, who]
    where = _source_line(content, lang)
    if where:
        lines.append(f"<i>{where}</i>")
    lines.append(_quoted(_body(content), ORIGINAL_LIMIT, lang))
    if translation is not None:
        lines += _translation_lines(translation, lang)
    lines += _cue_lines(content, lang)
    when = local_time(content.published_at, tz)
    if content.published_estimated:
        when += f" {escape(text(lang, 'alert.estimated_time'))}"
    source = link(content.url, text(lang, "alert.source"))
    lines.append(f"{source} · {escape(when)}" if source else escape(when))
    return "\n".join(lines)
