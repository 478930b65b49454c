"""Per-source fetch state: what the server said last time and when to ask again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.tables import AccountRow, SourceRow


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
        row.last_error, row.consecutive_errors = None, 0
        row.next_poll_at = next_poll_at
        if newest_item_at is not None and (row.newest_item_at is None or newest_item_at > row.newest_item_at):
            row.newest_item_at = newest_item_at
        if new_items:
            row.last_new_item_at = now


def record_failure(db: Database, source_id: int, *, now: datetime, error: str, next_poll_at: datetime) -> int:
    """A failed fetch or parse: count it and schedule the retry; returns the error count."""
    with db.session() as session:
        row = session.get(SourceRow, source_id)
        if row is None:
            return 0
        row.last_fetch_at = now
        row.last_error = error
        row.consecutive_errors += 1
        row.next_poll_at = next_poll_at
        return row.consecutive_errors


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
