"""Digest stage: the last 24 hours of a chat's accounts, summarised, with a 7-day chart.

`summarise` is pure (rows in, Digest out); `build_digest` only loads the rows. The tension
index is 50 × (1 + Σscore / (n + 3)) over the window's statements: 0–100, 50 when calm or
balanced, higher when escalation dominates; the +3 keeps one statement on a quiet day
from swinging it to an extreme.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.i18n import text as ui
from bot.model import Label
from bot.render.alert import link, shorten
from bot.storage.db import Database
from bot.storage.statements import statements_between
from bot.storage.tables import AccountRow, StatementRow

WINDOW = timedelta(hours=24)
CHART_DAYS = 7
TOP_N = 3
ITEM_LIMIT = 220
TENSION_DAMPING = 3


@dataclass(frozen=True)
class DigestItem:
    account_name: str
    text: str
    url: str | None
    score: float
    label: Label
    published: datetime


@dataclass(frozen=True)
class AccountLine:
    name: str
    counts: dict[Label, int]
    mean_score: float


@dataclass(frozen=True)
class DayPoint:
    day: date
    escalation: int
    deescalation: int
    neutral: int
    tension: float


@dataclass(frozen=True)
class Digest:
    start: datetime
    end: datetime
    tz: str
    counts: dict[Label, int]
    tension: float
    previous_tension: float
    escalations: tuple[DigestItem, ...]
    deescalations: tuple[DigestItem, ...]
    accounts: tuple[AccountLine, ...]
    days: tuple[DayPoint, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def quiet(self) -> bool:
        return self.counts[Label.ESCALATION] == 0 and self.counts[Label.DEESCALATION] == 0


def tension_index(scores: Sequence[float]) -> float:
    return round(50 * (1 + sum(scores) / (len(scores) + TENSION_DAMPING)), 1)


def _count(rows: Sequence[StatementRow]) -> dict[Label, int]:
    counter = Counter(Label(row.label) for row in rows)
    return {label: counter.get(label, 0) for label in Label}


def _item(row: StatementRow, names: dict[str, str]) -> DigestItem:
    return DigestItem(
        names.get(row.account_id, row.account_id),
        row.text,
        row.url,
        row.score,
        Label(row.label),
        row.published_at,
    )


def summarise(rows: Sequence[StatementRow], names: dict[str, str], end: datetime, tz: str) -> Digest:
    """Pure: the statements of the last 8 days (any order) → the digest ending at `end`."""
    zone = ZoneInfo(tz)
    start = end - WINDOW
    today = [r for r in rows if start <= r.published_at < end]
    yesterday = [r for r in rows if start - WINDOW <= r.published_at < start]
    by_score = sorted(today, key=lambda r: r.score)
    escalations = [r for r in reversed(by_score) if r.label == Label.ESCALATION][:TOP_N]
    deescalations = [r for r in by_score if r.label == Label.DEESCALATION][:TOP_N]

    per_account: dict[str, list[StatementRow]] = defaultdict(list)
    for row in today:
        per_account[row.account_id].append(row)
    accounts = tuple(
        AccountLine(names.get(account_id, account_id), _count(items), sum(r.score for r in items) / len(items))
        for account_id, items in sorted(per_account.items(), key=lambda kv: names.get(kv[0], kv[0]))
    )

    last_day = end.astimezone(zone).date()
    per_day: dict[date, list[StatementRow]] = defaultdict(list)
    for row in rows:
        per_day[row.published_at.astimezone(zone).date()].append(row)
    days = []
    for offset in range(CHART_DAYS - 1, -1, -1):
        day = last_day - timedelta(days=offset)
        counts = _count(per_day.get(day, []))
        days.append(
            DayPoint(
                day,
                counts[Label.ESCALATION],
                counts[Label.DEESCALATION],
                counts[Label.NEUTRAL],
                tension_index([r.score for r in per_day.get(day, [])]),
            )
        )
    return Digest(
        start=start,
        end=end,
        tz=tz,
        counts=_count(today),
        tension=tension_index([r.score for r in today]),
        previous_tension=tension_index([r.score for r in yesterday]),
        escalations=tuple(_item(r, names) for r in escalations),
        deescalations=tuple(_item(r, names) for r in deescalations),
        accounts=accounts,
        days=tuple(days),
    )


def build_digest(db: Database, account_ids: set[str] | None, end: datetime, tz: str) -> Digest:
    """Load what the digest needs (8 days back for the chart and the day-over-day change)."""
    rows = statements_between(db, end - timedelta(days=CHART_DAYS + 1), end, account_ids)
    with db.session() as session:
        names = {row.id: row.name for row in session.scalars(select(AccountRow))}
    return summarise(rows, names, end, tz)


def _item_line(item: DigestItem) -> str:
    body = escape(shorten(" ".join(item.text.split()), ITEM_LIMIT)[0])
    arrow = link(item.url, "↗")  # only a safe http(s) link, as in alerts
    return f"• <b>{escape(item.account_name)}</b> ({item.score:+.2f}): {body}{' ' + arrow if arrow else ''}"


def format_digest(digest: Digest, lang: str) -> str:
    """Telegram HTML; every piece of feed text is escaped."""
    zone = ZoneInfo(digest.tz)
    period = (
        f"{digest.start.astimezone(zone):%Y-%m-%d %H:%M} – {digest.end.astimezone(zone):%Y-%m-%d %H:%M} {digest.tz}"
    )
    lines = [ui(lang, "digest.title", period=escape(period))]
    if digest.quiet:
        lines.append(ui(lang, "digest.quiet", neutral=digest.counts[Label.NEUTRAL]))
    change = digest.tension - digest.previous_tension
    lines.append(
        ui(
            lang,
            "digest.counts",
            escalation=digest.counts[Label.ESCALATION],
            deescalation=digest.counts[Label.DEESCALATION],
            neutral=digest.counts[Label.NEUTRAL],
        )
    )
    lines.append(ui(lang, "digest.tension", tension=f"{digest.tension:.0f}", change=f"{change:+.0f}"))
    for key, items in (
        ("digest.top_escalation", digest.escalations),
        ("digest.top_deescalation", digest.deescalations),
    ):
        if items:
            lines.append("")
            lines.append(ui(lang, key))
            lines.extend(_item_line(item) for item in items)
    if digest.accounts:
        lines.append("")
        lines.append(ui(lang, "digest.accounts"))
        for account in digest.accounts:
            lines.append(
                ui(
                    lang,
                    "digest.account_line",
                    name=escape(account.name),
                    escalation=account.counts[Label.ESCALATION],
                    deescalation=account.counts[Label.DEESCALATION],
                    neutral=account.counts[Label.NEUTRAL],
                    mean=f"{account.mean_score:+.2f}",
                )
            )
    return "\n".join(lines)


def render_chart(digest: Digest, lang: str = "en") -> bytes:
    """PNG of the last 7 days: statements per label as bars, the tension index as a line."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = [f"{d.day:%m-%d}" for d in digest.days]
    positions = range(len(digest.days))
    figure, axis = plt.subplots(figsize=(7, 3.6), dpi=110)
    try:
        width = 0.27
        axis.bar(
            [p - width for p in positions],
            [d.escalation for d in digest.days],
            width,
            color="#c0392b",
            label=ui(lang, "chart.escalation"),
        )
        axis.bar(
            list(positions),
            [d.deescalation for d in digest.days],
            width,
            color="#27ae60",
            label=ui(lang, "chart.deescalation"),
        )
        axis.bar(
            [p + width for p in positions],
            [d.neutral for d in digest.days],
            width,
            color="#95a5a6",
            label=ui(lang, "chart.neutral"),
        )
        axis.set_xticks(list(positions), labels)
        axis.set_ylabel(ui(lang, "chart.statements"))
        tension_axis = axis.twinx()
        tension_axis.plot(
            list(positions),
            [d.tension for d in digest.days],
            color="#2c3e50",
            marker="o",
            label=ui(lang, "chart.tension"),
        )
        tension_axis.set_ylim(0, 100)
        tension_axis.set_ylabel(ui(lang, "chart.tension"))
        handles = axis.get_legend_handles_labels()[0] + tension_axis.get_legend_handles_labels()[0]
        axis.legend(handles, [h.get_label() for h in handles], loc="upper left", fontsize=8)
        axis.set_title(ui(lang, "chart.title"))
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
