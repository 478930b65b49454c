"""Per-source fetch state: what the server said last time and when to ask again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.tables import AccountRow, SourceRow

MAX_ERROR_CHARS = 1000  # one line an operator reads; the full story is in the log


def get_source(db: Database, source_id: int) -> SourceRow | None:
    with db.session() as session:
        return session.get(SourceRow, source_id)


def get_source_account(db: Database, source_id: int) -> tuple[SourceRow, AccountRow] | None:
    with db.session() as session:
        source = session.get(SourceRow, source_id)
        if source is None:
            return None
        account = session.get(AccountRow, source.account_id)
        return (source, account) if account is not None else None


def record_success(
    db: Database,
    source_id: int,
    *,
    now: datetime,
    url: str,
    etag: str | None,
    last_modified: str | None,
    next_poll_at: datetime,
    newest_item_at: datetime | None,
    new_items: int,
) -> None:
    """A fetch that answered (200 or 304): reset the error counter, remember validators."""
    with db.session() as session:
        row = session.get(SourceRow, source_id)
        if row is None:
            return
        row.url = url
        row.etag, row.last_modified = etag, last_modified
        row.last_fetch_at = row.last_success_at = now
        row.last_error, row.last_error_kind, row.consecutive_errors = None, None, 0
        row.failing_since = None
        row.next_poll_at = next_poll_at
        if newest_item_at is not None and (row.newest_item_at is None or newest_item_at > row.newest_item_at):
            row.newest_item_at = newest_item_at
        if new_items:
            row.last_new_item_at = now


def record_failure(
    db: Database,
    source_id: int,
    *,
    now: datetime,
    error: str,
    next_poll_at: datetime,
    kind: str | None = None,
) -> int:
    """A failed refresh: its kind and one-line reason, the retry time; returns the error count."""
    with db.session() as session:
        row = session.get(SourceRow, source_id)
        if row is None:
            return 0
        row.last_fetch_at = now
        row.last_error = " ".join(error.split())[:MAX_ERROR_CHARS]
        row.last_error_kind = (kind or None) and kind[:32]
        row.consecutive_errors += 1
        row.failing_since = row.failing_since or now
        row.next_poll_at = next_poll_at
        return row.consecutive_errors


def disable_if_failing_since(db: Database, source_id: int, cutoff: datetime) -> bool:
    """Switch a source off when every refresh since `cutoff` failed; True only when this call did."""
    with db.session() as session:
        row = session.get(SourceRow, source_id)
        if row is None or row.disabled or row.failing_since is None or row.failing_since > cutoff:
            return False
        row.disabled = True
        return True


def enable_account_sources(db: Database, account_id: str, now: datetime) -> list[int]:
    """Switch an account's disabled sources back on, due now, error history cleared; their ids."""
    with db.session() as session:
        rows = session.scalars(
            select(SourceRow).where(SourceRow.account_id == account_id, SourceRow.disabled.is_(True))
        ).all()
        for row in rows:
            row.disabled, row.consecutive_errors, row.failing_since = False, 0, None
            row.next_poll_at = now
        return [row.id for row in rows]


def set_resolved_url(db: Database, source_id: int, url: str) -> None:
    with db.session() as session:
        row = session.get(SourceRow, source_id)
        if row is not None:
            row.url = url


def source_schedule(db: Database) -> list[tuple[int, datetime | None]]:
    """Enabled sources of active accounts with the time each is next due (None: now)."""
    with db.session() as session:
        rows = session.execute(
            select(SourceRow.id, SourceRow.next_poll_at)
            .join(AccountRow, AccountRow.id == SourceRow.account_id)
            .where(AccountRow.removed.is_(False), SourceRow.disabled.is_(False))
            .order_by(SourceRow.id)
        ).all()
        return [(row.id, row.next_poll_at) for row in rows]
