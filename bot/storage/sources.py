"""Per-source fetch state: what the server said last time and when to ask again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.tables import AccountRow, SourceRow


@dataclass(frozen=True)
class SourceState:
    """What a refresh needs to know about a source: its address and what the server said last."""

    id: int
    account_id: str
    kind: str
    handle: str
    url: str | None
    etag: str | None
    last_modified: str | None
    consecutive_errors: int
    body_hash: str | None


@dataclass(frozen=True)
class SourceAccount:
    """The account a source belongs to, as the pipeline needs it."""

    id: str
    languages: tuple[str, ...]


def _state(row: SourceRow) -> SourceState:
    return SourceState(
        row.id,
        row.account_id,
        row.kind,
        row.handle,
        row.url,
        row.etag,
        row.last_modified,
        row.consecutive_errors,
        row.body_hash,
    )


def get_source(db: Database, source_id: int) -> SourceRow | None:
    with db.session() as session:
        return session.get(SourceRow, source_id)


def get_source_account(db: Database, source_id: int) -> tuple[SourceState, SourceAccount] | None:
    with db.session() as session:
        found = session.execute(
            select(SourceRow, AccountRow.languages)
            .join(AccountRow, AccountRow.id == SourceRow.account_id)
            .where(SourceRow.id == source_id)
        ).first()
        if found is None:
            return None
        source, languages = found
        return _state(source), SourceAccount(source.account_id, tuple(languages or ()))


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
    body_hash: str | None = None,
) -> None:
    """A fetch that answered (200 or 304): reset the error counter, remember validators
    (and the body's hash, so an unchanged body without validators is not parsed again)."""
    with db.session() as session:
        row = session.get(SourceRow, source_id)
        if row is None:
            return
        row.url = url
        row.etag, row.last_modified = etag, last_modified
        if body_hash is not None:
            row.body_hash = body_hash
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
