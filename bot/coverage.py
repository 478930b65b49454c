"""Coverage: how much of the watchlist was actually read, so silence is never taken for calm.

"19 of 25 sources answered in the last 24 h; 6 X sources need LADDERWATCH_X_BRIDGE" goes
into every digest, `/status` and `/healthz`. A source *answered* when a poll got a feed back
(200 or 304) at or after the start of the period; the fetch state keeps only the last
success, so for a past period this reads "answered since the period began" — and, as a
source that answered only later may not reach back that far, a past period counts a source
only when what was read from it does (a stored statement published before the period's end);
the others are "not read yet then", never a quiet day the bot did not see.

Sources that were never polled yet (just started) do not count against the verdict:
`/healthz` is `degraded` only when at least one source could have been read (it was polled,
or it is known to be unreadable, like an X source without a bridge) and fewer than half of
the sources answered — or when no source is watched at all.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.i18n import text as ui
from bot.model import SourceKind
from bot.reader.health import polling_stalled
from bot.settings import Settings
from bot.storage import accounts as account_store
from bot.storage import statements as statement_store
from bot.storage.db import Database
from bot.storage.tables import SourceRow

WINDOW = timedelta(hours=24)
MIN_ANSWERED_SHARE = 0.5


@dataclass(frozen=True)
class Coverage:
    since: datetime
    live: bool  # the period ends now ("in the last 24 h"), not at a past moment
    total: int  # enabled sources of watched accounts in scope
    answered: int
    needs_bridge: int  # X sources while LADDERWATCH_X_BRIDGE is unset
    failing: int  # did not answer; the last poll failed (other than for a missing bridge)
    never_polled: int  # did not answer; not polled yet
    not_read_then: int = 0  # a past period: answered since, but nothing read reaches back into it
    stalled_since: datetime | None = None  # live: the last fetch, when nothing has polled since (overdue)
    disabled: int = 0  # switched off after failing for DISABLE_AFTER: not read, and said so

    @property
    def nothing_read(self) -> bool:
        return self.answered == 0

    @property
    def judged(self) -> int:
        """Sources whose silence means something: all but those not polled yet."""
        return self.total - self.never_polled

    @property
    def degraded(self) -> bool:
        if self.total == 0:
            return True
        return self.judged > 0 and self.answered < MIN_ANSWERED_SHARE * self.total


def measure(
    rows: Sequence[SourceRow],
    x_bridge: str | None,
    since: datetime,
    live: bool = True,
    reached: Collection[int] | None = None,
) -> Coverage:
    """Pure: the sources' fetch state → coverage since `since`. A source switched off after
    failing for days counts as not answering (`disabled`), never as one fewer source.
    `reached` (a past period): the ids of the sources whose readings reach back into it."""
    answered = needs_bridge = failing = never_polled = not_read_then = disabled = total = 0
    for row in rows:
        total += 1
        if row.disabled:
            disabled += 1
            continue
        if row.last_success_at is not None and row.last_success_at >= since:
            if reached is None or row.id in reached:
                answered += 1
            else:
                not_read_then += 1
        elif row.kind == SourceKind.X.value and not x_bridge:
            needs_bridge += 1
        elif row.last_fetch_at is None:
            never_polled += 1
        elif row.consecutive_errors:
            failing += 1
    return Coverage(
        since, live, total, answered, needs_bridge, failing, never_polled, not_read_then, disabled=disabled
    )


def source_coverage(
    db: Database,
    settings: Settings,
    since: datetime | None = None,
    account_ids: set[str] | None = None,
    until: datetime | None = None,
    rows: Sequence[SourceRow] | None = None,
) -> Coverage:
    """Coverage of the watched accounts' sources (only `account_ids` when given); the last
    24 hours unless `since` sets the start of a past period, and `until` its end (then a
    source counts only if a statement read from it was published before `until`).
    `rows`: the source rows when the caller has read them already."""
    rows = [
        row
        for row in (account_store.list_source_rows(db) if rows is None else rows)
        if account_ids is None or row.account_id in account_ids
    ]
    live = since is None
    now = datetime.now(UTC)
    start = now - WINDOW if since is None else since
    reached = None if until is None else statement_store.sources_read_before(db, until, [row.id for row in rows])
    coverage = measure(rows, settings.x_bridge, start, live, reached)
    if live:  # sources that answered hours ago still count "in the last 24 h": say nothing polls since
        # the same rule (and grace: max(15 min, 3 polls)) as /healthz, /status, check and sources
        coverage = replace(coverage, stalled_since=polling_stalled(rows, now, settings.poll_seconds, settings))
    return coverage


def coverage_line(coverage: Coverage, lang: str) -> str:
    """Plain text (no HTML), in the chat's language."""
    if coverage.total == 0:
        return ui(lang, "coverage.no_sources")
    period = (
        ui(lang, "coverage.period_live")
        if coverage.live
        else ui(lang, "coverage.period_since", since=f"{coverage.since.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
    )
    parts = [ui(lang, "coverage.answered", answered=coverage.answered, total=coverage.total, period=period)]
    if coverage.needs_bridge:
        key = "coverage.needs_bridge_one" if coverage.needs_bridge == 1 else "coverage.needs_bridge"
        parts.append(ui(lang, key, count=coverage.needs_bridge))
    if coverage.failing:
        parts.append(ui(lang, "coverage.failing", count=coverage.failing))
    if coverage.never_polled:
        parts.append(ui(lang, "coverage.never_polled", count=coverage.never_polled))
    if coverage.disabled:
        parts.append(ui(lang, "coverage.disabled", count=coverage.disabled))
    if coverage.not_read_then:
        parts.append(ui(lang, "coverage.not_read_then", count=coverage.not_read_then))
    return "; ".join(parts)
