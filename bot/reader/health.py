"""Source health: is each source giving us statements, and if not, why.

Bridges fail quietly: a Nitter instance that lost access to X still answers 200 with the
same old items, and a dead Telegram mirror serves an empty page. So "answers" is not
"works"; a source whose newest item stops moving for long is reported as stale. A source
that the settings cannot read at all (an X account without LADDERWATCH_X_BRIDGE) is
"unconfigured", and the advice is given once for all of them, not once per source.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.model import Account, SourceKind, SourceSpec
from bot.reader.sources import SourceResolutionError, resolve_source
from bot.reader.urls import redact_url
from bot.settings import Settings
from bot.storage.tables import SourceRow

OK, FAILING, STALE, DISABLED, PENDING = "ok", "failing", "stale", "disabled", "pending"
EMPTY, UNCONFIGURED = "empty", "unconfigured"
STATES = (OK, FAILING, STALE, EMPTY, PENDING, UNCONFIGURED, DISABLED)
X_BRIDGE_MISSING = "LADDERWATCH_X_BRIDGE is not set"
# The one place that tells an operator how to read X; every listing shows it once.
ADVICE = {
    X_BRIDGE_MISSING: (
        "X accounts are read through an RSS bridge: set LADDERWATCH_X_BRIDGE to a URL template with {handle}, "
        "e.g. https://rsshub.example.org/twitter/user/{handle} (RSSHub) or https://nitter.example.org/{handle}/rss "
        "(Nitter); the other sources are read meanwhile"
    ),
}
STALE_MIN_AGE = timedelta(days=3)
STALE_MIN_POLLS = 50


def stale_after(poll_seconds: int) -> timedelta:
    """How long a source may go without a new item: max(3 days, 50 polls)."""
    return max(STALE_MIN_AGE, timedelta(seconds=STALE_MIN_POLLS * poll_seconds))


def unconfigured_reason(kind: str, settings: Settings) -> str | None:
    """Why no source of this kind can be read with these settings; None when it can be tried."""
    if kind == SourceKind.X.value and not settings.x_bridge:
        return X_BRIDGE_MISSING
    return None


def unconfigured_kinds(settings: Settings) -> frozenset[str]:
    """The source kinds these settings cannot read: never fetched (not polled, not backed off)."""
    return frozenset(kind.value for kind in SourceKind if unconfigured_reason(kind.value, settings))


def source_state(row: SourceRow, now: datetime, poll_seconds: int, settings: Settings | None = None) -> str:
    """One word for a source's health, checked in this order:

    - "disabled": switched off; not polled.
    - "unconfigured" (only when `settings` are given): the settings cannot read this kind
      of source at all (`unconfigured_reason`), whatever its past fetches said.
    - "failing": the last fetch or parse failed (`consecutive_errors` > 0).
    - "pending": never fetched successfully yet (just added).
    - "empty": it answers, but has never given an item. Not "stale": that needs a history,
      and a feed fetched a second ago for the first time has none.
    - "stale": neither its newest item's date (`newest_item_at`) nor the last time it
      brought a new item (`last_new_item_at`) is within `stale_after(poll_seconds)` =
      max(3 days, 50 polls). A first fetch counts its backlog as new, so a source must
      be watched that long before it can be stale. Typical of a bridge that lost access
      upstream; also of an account that simply went quiet.
    - "ok": otherwise.
    """
    if row.disabled:
        return DISABLED
    if settings is not None and unconfigured_reason(row.kind, settings):
        return UNCONFIGURED
    if row.consecutive_errors:
        return FAILING
    if row.last_success_at is None:
        return PENDING
    moments = [m for m in (row.newest_item_at, row.last_new_item_at) if m is not None]
    if not moments:
        return EMPTY
    if now - max(moments) > stale_after(poll_seconds):
        return STALE
    return OK


STALL_MIN_GRACE = timedelta(minutes=15)


def stall_grace(poll_seconds: int) -> timedelta:
    """How late a due source may be before "nothing is polling" is said: max(15 min, 3 polls)."""
    return max(STALL_MIN_GRACE, timedelta(seconds=3 * poll_seconds))


def polling_stalled(
    rows: Sequence[SourceRow], now: datetime, poll_seconds: int, settings: Settings | None = None
) -> datetime | None:
    """The last fetch of any source when nothing has polled for a while: no fetch within
    `stall_grace` although a source has been due for that long (the bot or its workers are
    stopped or stuck). None while polls happen, before the first one, or when nothing is due."""
    readable = [r for r in rows if not r.disabled and not (settings and unconfigured_reason(r.kind, settings))]
    fetched = [r.last_fetch_at for r in readable if r.last_fetch_at is not None]
    if not fetched:
        return None
    grace = stall_grace(poll_seconds)
    overdue = any(r.next_poll_at is not None and r.next_poll_at < now - grace for r in readable)
    newest = max(fetched)
    return newest if overdue and now - newest > grace else None


def stall_note(last_fetch: datetime, now: datetime) -> str:
    hours = (now - last_fetch).total_seconds() / 3600
    age = f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"
    return (
        f"no source has been polled since {_when(last_fetch)} ({age} ago) although sources are due: "
        "nothing is polling, so what is shown is that old; start `ladderwatch run` (or `poll`, or a worker)"
    )


def coverage_warning(accounts: Sequence[Account], settings: Settings) -> str | None:
    """One line on what the settings leave unread, e.g. "10 of 15 accounts have only X sources
    and LADDERWATCH_X_BRIDGE is not set: …"; None when every source can be tried."""
    unread = [spec for a in accounts for spec in a.sources if unconfigured_reason(spec.kind.value, settings)]
    if not unread:
        return None
    because = " and ".join(sorted({str(unconfigured_reason(s.kind.value, settings)) for s in unread}))
    what = "/".join(sorted({"X" if s.kind is SourceKind.X else s.kind.value for s in unread}))
    blind = [
        a.id
        for a in accounts
        if a.sources and all(unconfigured_reason(s.kind.value, settings) for s in a.sources)
    ]
    if not blind:
        verb = "source is" if len(unread) == 1 else "sources are"
        return f"{len(unread)} {what} {verb} not read because {because}"
    listed = ", ".join(blind[:8]) + (", …" if len(blind) > 8 else "")
    return (
        f"{len(blind)} of {len(accounts)} accounts have only {what} sources and {because}: "
        f"nothing is read from them ({listed}); {len(unread)} {what} sources in all are not read"
    )


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _newest_item(row: SourceRow) -> str:
    """The newest item's date; items without a date are not "never" (they were read)."""
    if row.newest_item_at is None and row.last_new_item_at is not None:
        return f"undated (items read, the last new one at {_when(row.last_new_item_at)})"
    return _when(row.newest_item_at)


def _next_poll(row: SourceRow, now: datetime, poll_seconds: int) -> str:
    if row.disabled:
        return "not scheduled"
    if row.next_poll_at is not None and row.next_poll_at < now - stall_grace(poll_seconds):
        return f"overdue since {_when(row.next_poll_at)}"
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
    state = source_state(row, now, poll_seconds, settings)
    if state == UNCONFIGURED:
        assert settings is not None
        return [f"  - {row.kind} {row.handle}: {UNCONFIGURED} ({unconfigured_reason(row.kind, settings)}; see above)"]
    lines = [
        f"  - {row.kind} {row.handle}: {state}",
        f"    url: {_url(row, settings)}",
        f"    last success: {_when(row.last_success_at)}; newest item: "
        f"{_newest_item(row)}; next poll: {_next_poll(row, now, poll_seconds)}",
    ]
    if state in (FAILING, DISABLED) and row.last_error:
        lines.append(f"    error ({row.consecutive_errors}x): {row.last_error}")
    if state == DISABLED:
        back = f"/watch enable {row.account_id}"
        lines.append(f"    switched off after failing for days: an admin brings it back with {back}")
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
    """The text of `ladderwatch sources`: a summary line, what cannot be read and why (once),
    then per account each source's kind, handle, URL, state, last success and next poll.

    With `settings`, sources never fetched show the URL they resolve to (or why not), and
    sources the settings cannot read are "unconfigured".
    """
    by_account: dict[str, list[SourceRow]] = {}
    for row in rows:
        by_account.setdefault(row.account_id, []).append(row)
    states = [source_state(row, now, poll_seconds, settings) for row in rows]
    counts = ", ".join(f"{states.count(s)} {s}" for s in STATES if states.count(s))
    lines = [f"{len(accounts)} accounts, {len(rows)} sources" + (f": {counts}" if counts else "")]
    stalled = polling_stalled(rows, now, poll_seconds, settings)
    if stalled is not None:
        lines.append(f"warning: {stall_note(stalled, now)}")
    lines.extend(source_notes(rows, accounts, settings))
    for account in accounts:
        lines.append("")
        lines.append(_account_heading(account))
        account_rows = by_account.get(account.id, [])
        if not account_rows:
            lines.append("  (no sources)")
        for row in account_rows:
            lines.extend(_source_lines(row, now, poll_seconds, settings))
    return redact_url("\n".join(lines))  # handles, URLs and errors carry a feed's credentials


def source_notes(rows: Sequence[SourceRow], accounts: Sequence[Account], settings: Settings | None) -> list[str]:
    """What the settings leave unread and how to fix it, each piece of advice once (for
    `sources`, `/status` and `check`); empty without settings or when all can be tried."""
    if settings is None:
        return []
    reasons = {unconfigured_reason(row.kind, settings) for row in rows if not row.disabled} - {None}
    warning = coverage_warning(accounts, settings)
    lines = [f"warning: {warning}"] if warning else []
    return lines + [f"to fix: {ADVICE[reason]}" for reason in sorted(r for r in reasons if r)]


def status_notes(
    rows: Sequence[SourceRow], accounts: Sequence[Account], settings: Settings, now: datetime
) -> list[str]:
    """`/status`'s notes: that nothing is polling (first: it makes every line below old), then
    what the settings leave unread (`source_notes`)."""
    stalled = polling_stalled(rows, now, settings.poll_seconds, settings)
    stall = [f"warning: {stall_note(stalled, now)}"] if stalled is not None else []
    return stall + source_notes(rows, accounts, settings)
