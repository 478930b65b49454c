"""Digest stage: the last 24 hours of a chat's accounts, summarised, with a 7-day chart.

`summarise` is pure (rows and coverage in, Digest out); `build_digest` only loads them;
`translate_quotes` puts the quoted statements into the chat's language through the same
translator path (and cache) as alerts. Rendering is in `bot/render/digest.py` and
`bot/render/chart.py`.

The tension index is 50 × (1 + Σscore / (n + 3)) over the window's statements: 0–100, 50
when calm or balanced, higher when escalation dominates; the +3 keeps one statement on a
quiet day from swinging it to an extreme. Abstained statements (the engine could not read
them) are counted apart and stay out of the counts and the index: an unread statement is
not a calm one. When no source answered and nothing was stored in the window, the digest
says so instead of reporting a quiet day.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.coverage import Coverage, source_coverage
from bot.delivery import Translator, display_translation
from bot.model import Label, Translation
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.statements import StoredStatement, statements_between
from bot.storage.tables import AccountRow

WINDOW = timedelta(hours=24)
LIVE_SLACK = timedelta(minutes=5)
CHART_DAYS = 7
TOP_N = 3
TENSION_DAMPING = 3


@dataclass(frozen=True)
class DigestItem:
    account_name: str
    text: str
    url: str | None
    score: float
    label: Label
    published: datetime
    lang: str = "und"
    translation_en: str | None = None
    translation: Translation | None = None  # into the chat's language, set by `translate_quotes`


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
    tension: float | None  # None: no readable statement that day (not the same as calm)


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
    coverage: Coverage
    abstained: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def nothing_read(self) -> bool:
        """No source answered in the window and nothing from it was stored: silence, not calm."""
        return self.coverage.nothing_read and self.total == 0 and self.abstained == 0

    @property
    def quiet(self) -> bool:
        return (
            not self.nothing_read
            and self.counts[Label.ESCALATION] == 0
            and self.counts[Label.DEESCALATION] == 0
        )


def tension_index(scores: Sequence[float]) -> float:
    return round(50 * (1 + sum(scores) / (len(scores) + TENSION_DAMPING)), 1)


def _count(rows: Sequence[StoredStatement]) -> dict[Label, int]:
    counter = Counter(Label(row.label) for row in rows)
    return {label: counter.get(label, 0) for label in Label}


def _item(row: StoredStatement, names: dict[str, str]) -> DigestItem:
    return DigestItem(
        names.get(row.account_id, row.account_id),
        row.text,
        row.url,
        row.score,
        Label(row.label),
        row.published_at,
        row.lang,
        row.translation_en,
    )


def summarise(
    rows: Sequence[StoredStatement], names: dict[str, str], end: datetime, tz: str, coverage: Coverage
) -> Digest:
    """Pure: the statements of the last 8 days (any order) and the window's coverage → the
    digest ending at `end`."""
    zone = ZoneInfo(tz)
    start = end - WINDOW
    abstained = sum(1 for r in rows if r.abstained and start <= r.published_at < end)
    rows = [r for r in rows if not r.abstained]
    today = [r for r in rows if start <= r.published_at < end]
    yesterday = [r for r in rows if start - WINDOW <= r.published_at < start]
    by_score = sorted(today, key=lambda r: r.score)
    escalations = [r for r in reversed(by_score) if r.label == Label.ESCALATION][:TOP_N]
    deescalations = [r for r in by_score if r.label == Label.DEESCALATION][:TOP_N]

    per_account: dict[str, list[StoredStatement]] = defaultdict(list)
    for row in today:
        per_account[row.account_id].append(row)
    accounts = tuple(
        AccountLine(names.get(account_id, account_id), _count(items), sum(r.score for r in items) / len(items))
        for account_id, items in sorted(per_account.items(), key=lambda kv: names.get(kv[0], kv[0]))
    )

    last_day = end.astimezone(zone).date()
    per_day: dict[date, list[StoredStatement]] = defaultdict(list)
    for row in rows:
        per_day[row.published_at.astimezone(zone).date()].append(row)
    days = []
    for offset in range(CHART_DAYS - 1, -1, -1):
        day = last_day - timedelta(days=offset)
        that_day = per_day.get(day, [])
        counts = _count(that_day)
        days.append(
            DayPoint(
                day,
                counts[Label.ESCALATION],
                counts[Label.DEESCALATION],
                counts[Label.NEUTRAL],
                tension_index([r.score for r in that_day]) if that_day else None,
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
        coverage=coverage,
        abstained=abstained,
    )


def build_digest(db: Database, account_ids: set[str] | None, end: datetime, tz: str, settings: Settings) -> Digest:
    """Load what the digest needs (8 days back for the chart and the day-over-day change,
    and how many of the accounts' sources answered in the window)."""
    rows = statements_between(db, end - timedelta(days=CHART_DAYS + 1), end, account_ids)
    with db.session() as session:
        names = {row.id: row.name for row in session.scalars(select(AccountRow))}
    live = end >= datetime.now(UTC) - LIVE_SLACK
    if live:
        coverage = source_coverage(db, settings, None, account_ids)
    else:
        coverage = source_coverage(db, settings, end - WINDOW, account_ids, until=end)
    return summarise(rows, names, end, tz, coverage)


async def translate_quotes(digest: Digest, lang: str, translator: Translator | None) -> Digest:
    """The quoted statements with a translation into `lang` where the alert would show one
    (stored English, else the translator, whose results are cached)."""

    async def translated(item: DigestItem) -> DigestItem:
        translation = await display_translation(item.text, item.lang, item.translation_en, lang, translator)
        return replace(item, translation=translation)

    return replace(
        digest,
        escalations=tuple([await translated(item) for item in digest.escalations]),
        deescalations=tuple([await translated(item) for item in digest.deescalations]),
    )
