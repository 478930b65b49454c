"""Coverage: how many sources were read, and why the others were not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.coverage import coverage_line, measure, source_coverage
from bot.storage.tables import SourceRow
from tests.ops.conftest import add_source

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
SINCE = NOW - timedelta(hours=24)


def row(kind: str = "rss", answered_hours_ago: float | None = 1, errors: int = 0, polled: bool = True) -> SourceRow:
    success = None if answered_hours_ago is None else NOW - timedelta(hours=answered_hours_ago)
    return SourceRow(
        account_id="a",
        kind=kind,
        handle="h",
        last_success_at=success,
        last_fetch_at=NOW if polled else None,
        consecutive_errors=errors,
        disabled=False,
    )


def test_the_shipped_situation_reads_as_the_issue_asks():
    rows = [row() for _ in range(19)] + [row("x", None, errors=1) for _ in range(6)]
    coverage = measure(rows, None, SINCE)
    line = coverage_line(coverage, "en")
    assert line == "19 of 25 sources answered in the last 24 h; 6 X sources need LADDERWATCH_X_BRIDGE"
    assert not coverage.degraded
    assert coverage_line(coverage, "it").startswith("19 fonti su 25 hanno risposto nelle ultime 24 h")


def test_a_success_before_the_period_does_not_count_and_failures_are_named():
    rows = [
        row(answered_hours_ago=30, errors=2),
        row(),
        row("x", None, polled=False),
        row(answered_hours_ago=None, polled=False),
    ]
    coverage = measure(rows, None, SINCE)
    assert (coverage.answered, coverage.failing, coverage.needs_bridge, coverage.never_polled) == (1, 1, 1, 1)
    assert coverage_line(coverage, "en") == (
        "1 of 4 sources answered in the last 24 h; 1 X source needs LADDERWATCH_X_BRIDGE; 1 failing; 1 not polled yet"
    )


def test_with_a_bridge_set_x_sources_are_judged_like_any_other():
    coverage = measure([row("x", None, errors=3)], "https://rsshub.example/twitter/user/{handle}", SINCE)
    assert (coverage.needs_bridge, coverage.failing) == (0, 1)


def test_nothing_read_is_degraded_but_a_fresh_start_is_not():
    assert measure([row(answered_hours_ago=None, errors=1)] * 3, None, SINCE).degraded
    starting = measure([row(answered_hours_ago=None, polled=False)] * 3, None, SINCE)
    assert starting.nothing_read and not starting.degraded
    # X sources without a bridge are known to be unreadable before any poll
    unpolled = [row("x", None, polled=False)] * 2 + [row(answered_hours_ago=None, polled=False)]
    assert measure(unpolled, None, SINCE).degraded


def test_too_little_read_is_degraded_and_so_is_an_empty_watchlist():
    assert measure([row()] * 8 + [row("x", None)] * 17, None, SINCE).degraded
    assert not measure([row()] * 13 + [row("x", None)] * 12, None, SINCE).degraded
    empty = measure([], None, SINCE)
    assert empty.degraded and "No source is watched" in coverage_line(empty, "en")


def test_a_source_switched_off_after_failing_is_counted_as_not_read_and_named():
    """Audit: leaving it out made one live source of two read "1 of 1 sources answered"."""
    disabled = row(answered_hours_ago=None, errors=40)
    disabled.disabled = True
    coverage = measure([row(), disabled], None, SINCE)
    assert (coverage.total, coverage.answered, coverage.disabled) == (2, 1, 1)
    assert coverage_line(coverage, "en") == (
        "1 of 2 sources answered in the last 24 h; 1 switched off after failing for days (/watch enable)"
    )
    alone = measure([disabled], None, SINCE)
    assert alone.degraded and coverage_line(alone, "en").startswith("0 of 1 sources answered")


def test_a_past_period_says_since_when(db, settings):
    add_source(db, "pk", answered_hours_ago=1)
    since = datetime.now(UTC) - timedelta(hours=48)
    coverage = source_coverage(db, settings, since)
    assert not coverage.live
    assert coverage_line(coverage, "en").startswith(f"1 of 1 sources answered since {since:%Y-%m-%d %H:%M} UTC")


def test_coverage_can_be_limited_to_a_chats_accounts(db, settings):
    add_source(db, "pk", answered_hours_ago=1)
    add_source(db, "in", "x", polled=False)
    add_source(db, "in", answered_hours_ago=None, errors=4)
    assert source_coverage(db, settings).total == 3
    mine = source_coverage(db, settings, account_ids={"in"})
    assert (mine.total, mine.answered, mine.needs_bridge, mine.failing) == (2, 0, 1, 1)
    assert mine.degraded
