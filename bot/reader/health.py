"""Source health: is each source giving us statements, and if not, why.

Bridges fail quietly: a Nitter instance that lost access to X still answers 200 with the
same old items, and a dead Telegram mirror serves an empty page. So "answers" is not
"works"; a source whose newest item stops moving for long is reported as stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.model import Account, SourceKind, SourceSpec
from bot.reader.sources import SourceResolutionError, resolve_source
from bot.settings import Settings
from bot.storage.tables import SourceRow

OK, FAILING, STALE, DISABLED, PENDING = "ok", "failing", "stale", "disabled", "pending"
STALE_MIN_AGE = timedelta(days=3)
STALE_MIN_POLLS = 50


def stale_after(poll_seconds: int) -> timedelta:
    """How long a source may go without a new item: max(3 days, 50 polls)."""
    return max(STALE_MIN_AGE, timedelta(seconds=STALE_MIN_POLLS * poll_seconds))


def source_state(row: SourceRow, now: datetime, poll_seconds: int) -> str:
    """One word for a source's health, checked in this order:

    - "disabled": switched off; not polled.
    - "failing": the last fetch or parse failed (`consecutive_errors` > 0).
    - "pending": never fetched successfully yet (just added).
    - "stale": it answers, but it never gave an item, or neither its newest item's date
      (`newest_item_at`) nor the last time it brought a new item (`last_new_item_at`)
      is within `stale_after(poll_seconds)` = max(3 days, 50 polls). Typical of a bridge
      that lost access upstream; also of an account that simply went quiet.
    - "ok": otherwise.
    """
    if row.disabled:
        return DISABLED
    if row.consecutive_errors:
        return FAILING
    if row.last_success_at is None:
        return PENDING
    moments = [m for m in (row.newest_item_at, row.last_new_item_at) if m is not None]
    if not moments or now - max(moments) > stale_after(poll_seconds):
        return STALE
    return OK


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _next_poll(row: SourceRow, now: datetime) -> str:
    if row.disabled:
        return "not scheduled"
    if row.next_poll_at is None or row.next_poll_at <= now:
        return "due now"
    return _when(row.next_poll_at)


def _url(row: SourceRow, settings: Settings | None) -> str:
    """The stored URL, or (with settings) the one it would resolve to, or why it cannot."""
    if row.url:
        return row.url
    if settings is None:
        return "not resolved yet"
    try:
        return resolve_source(SourceSpec(SourceKind(row.kind), row.handle), settings).url
    except (SourceResolutionError, ValueError) as error:
        return f"cannot resolve: {error}"


def _source_lines(
    row: SourceRow, now: datetime, poll_seconds: int, settings: Settings | None
) -> list[str]:
    state = source_state(row, now, poll_seconds)
    lines = [
        f"  - {row.kind} {row.handle}: {state}",
        f"    url: {_url(row, settings)}",
        f"    last success: {_when(row.last_success_at)}; newest item: "
        f"{_when(row.newest_item_at)}; next poll: {_next_poll(row, now)}",
    ]
    if state == FAILING and row.last_error:
        lines.append(f"    error ({row.consecutive_errors}x): {row.last_error}")
    return lines


def _account_heading(account: Account) -> str:
    role = f" — {account.role}" if account.role else ""
    country = f" [{account.country}]" if account.country else ""
    return f"{account.id}: {account.name}{role}{country}"


def describe_sources(
    rows: Sequence[SourceRow],
    accounts: Sequence[Account],
    now: datetime,
    poll_seconds: int,
    settings: Settings | None = None,
) -> str:
    """The text of `ladderwatch sources` and `/status`: a summary line, then per account
    each source's kind, handle, URL, state, last success and next poll.

    With `settings`, sources never fetched show the URL they resolve to (or why not).
    """
    by_account: dict[str, list[SourceRow]] = {}
    for row in rows:
        by_account.setdefault(row.account_id, []).append(row)
    states = [source_state(row, now, poll_seconds) for row in rows]
    counts = ", ".join(
        f"{states.count(s)} {s}" for s in (OK, FAILING, STALE, PENDING, DISABLED) if states.count(s)
    )
    lines = [f"{len(accounts)} accounts, {len(rows)} sources" + (f": {counts}" if counts else "")]
    for account in accounts:
        lines.append("")
        lines.append(_account_heading(account))
        account_rows = by_account.get(account.id, [])
        if not account_rows:
            lines.append("  (no sources)")
        for row in account_rows:
            lines.extend(_source_lines(row, now, poll_seconds, settings))
    return "\n".join(lines)
