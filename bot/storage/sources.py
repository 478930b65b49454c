"""Per-source fetch state: what the server said last time and when to ask again."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Update, bindparam, case, or_, select, update

from bot.storage.db import Database
from bot.storage.tables import AccountRow, SourceRow, fit_values

MAX_ERROR_CHARS = 1000  # one line an operator reads; the full story is in the log
# Ids per `IN (…)` when reading many sources at once (SQLite binds at most 32,766 values).
IDS_PER_QUERY = 500


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


def get_source_accounts(db: Database, source_ids: Sequence[int]) -> dict[int, tuple[SourceState, SourceAccount]]:
    """`get_source_account` for many sources in a few queries (those that no longer exist are absent)."""
    found: dict[int, tuple[SourceState, SourceAccount]] = {}
    with db.session() as session:
        for start in range(0, len(source_ids), IDS_PER_QUERY):
            rows = session.execute(
                select(SourceRow, AccountRow.languages)
                .join(AccountRow, AccountRow.id == SourceRow.account_id)
                .where(SourceRow.id.in_(source_ids[start : start + IDS_PER_QUERY]))
            )
            for source, languages in rows:
                found[source.id] = _state(source), SourceAccount(source.account_id, tuple(languages or ()))
    return found


@dataclass(frozen=True)
class Unchanged:
    """A fetch that answered with nothing new (304, or the same body): what its row must remember."""

    source_id: int
    url: str
    etag: str | None
    last_modified: str | None
    fetched_at: datetime
    next_poll_at: datetime


def record_unchanged(db: Database, answered: Sequence[Unchanged]) -> None:
    """`record_success` without new items for many sources, in one transaction.

    One UPDATE statement sent with every row's values (executemany): a pass over thousands
    of unchanged feeds costs one commit, not one transaction per source. The values are
    fitted to their columns as every ORM write is (`tables.fit_values`).
    """
    if not answered:
        return
    table = SourceRow.__table__
    rows = [
        {
            "source_id": item.source_id,
            **fit_values(
                table,  # type: ignore[arg-type]
                {"url": item.url, "etag": item.etag, "last_modified": item.last_modified},
            ),
            "fetched_at": item.fetched_at,
            "next_poll_at": item.next_poll_at,
        }
        for item in answered
    ]
    statement = (
        update(SourceRow)
        .where(SourceRow.id == bindparam("source_id"))
        .values(
            url=bindparam("url"),
            etag=bindparam("etag"),
            last_modified=bindparam("last_modified"),
            next_poll_at=bindparam("next_poll_at"),
            last_fetch_at=bindparam("fetched_at"),
            last_success_at=bindparam("fetched_at"),
            last_error=None,
            last_error_kind=None,
            consecutive_errors=0,
            failing_since=None,
        )
    )
    with db.session() as session:
        session.connection().execute(statement, rows)


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
    (and the body's hash, so an unchanged body without validators is not parsed again).

    One UPDATE, the newest item date kept when it is later (a CASE): reading the row into
    an ORM object to change it was most of the time a refresh spent storing."""
    values: dict[str, Any] = fit_values(
        SourceRow.__table__,  # type: ignore[arg-type]
        {"url": url, "etag": etag, "last_modified": last_modified},
    )
    values.update(source_id=source_id, now=now, next_poll_at=next_poll_at)
    if body_hash is not None:  # only the shape's own parameters: a column's name would join the SET clause
        values["body_hash"] = body_hash
    if newest_item_at is not None:
        values["newest"] = newest_item_at
    statement = _success_update(body_hash is not None, newest_item_at is not None, new_items > 0)
    with db.session() as session:
        session.connection().execute(statement, values)


@cache
def _success_update(with_hash: bool, with_newest: bool, with_new_items: bool) -> Update:
    """`record_success`'s UPDATE for one shape of answer, built once (its cache key with it):
    building it per call, a CASE included, cost more than sending it."""
    values: dict[str, Any] = {
        "url": bindparam("url"),
        "etag": bindparam("etag"),
        "last_modified": bindparam("last_modified"),
        "last_fetch_at": bindparam("now"),
        "last_success_at": bindparam("now"),
        "last_error": None,
        "last_error_kind": None,
        "consecutive_errors": 0,
        "failing_since": None,
        "next_poll_at": bindparam("next_poll_at"),
    }
    if with_hash:
        values["body_hash"] = bindparam("body_hash")
    if with_newest:
        stored = SourceRow.newest_item_at
        newest = bindparam("newest", type_=stored.type)
        values["newest_item_at"] = case((or_(stored.is_(None), stored < newest), newest), else_=stored)
    if with_new_items:
        values["last_new_item_at"] = bindparam("now")
    return update(SourceRow).where(SourceRow.id == bindparam("source_id")).values(**values)


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


def source_schedule(db: Database, skip_kinds: Collection[str] = ()) -> list[tuple[int, datetime | None]]:
    """Enabled sources of active accounts with the time each is next due (None: now);
    sources of `skip_kinds` (those the settings cannot read) are left out."""
    with db.session() as session:
        rows = session.execute(
            select(SourceRow.id, SourceRow.next_poll_at)
            .join(AccountRow, AccountRow.id == SourceRow.account_id)
            .where(AccountRow.removed.is_(False), SourceRow.disabled.is_(False), SourceRow.kind.not_in(skip_kinds))
            .order_by(SourceRow.id)
        ).all()
        return [(row.id, row.next_poll_at) for row in rows]


def _claimable(now: datetime) -> tuple[object, ...]:
    """Due, and not leased to a live worker (an expired lease is a dead worker's: free again)."""
    return (
        or_(SourceRow.next_poll_at.is_(None), SourceRow.next_poll_at <= now),
        or_(SourceRow.lease_until.is_(None), SourceRow.lease_until < now),
        SourceRow.disabled.is_(False),
    )


def claim_due_sources(
    db: Database, owner: str, now: datetime, lease: timedelta, limit: int, skip_kinds: Collection[str] = ()
) -> list[int]:
    """Lease up to `limit` due sources to `owner` until `now + lease`, soonest due first
    (never one of `skip_kinds`: the settings cannot read those).

    PostgreSQL: `FOR UPDATE SKIP LOCKED`, so workers claiming at once take different rows
    without waiting for each other. On every backend the lease is taken by a conditional
    UPDATE … RETURNING, so a row another process leased meanwhile is never taken twice.
    """
    with db.session() as session:
        candidates = list(
            session.scalars(
                select(SourceRow.id)
                .join(AccountRow, AccountRow.id == SourceRow.account_id)
                .where(AccountRow.removed.is_(False), SourceRow.kind.not_in(skip_kinds), *_claimable(now))
                .order_by(SourceRow.next_poll_at.is_not(None), SourceRow.next_poll_at, SourceRow.id)
                .limit(limit)
                .with_for_update(of=SourceRow, skip_locked=True)
            )
        )
        if not candidates:
            return []
        return sorted(
            session.scalars(
                update(SourceRow)
                .where(SourceRow.id.in_(candidates), *_claimable(now))
                .values(lease_owner=owner, lease_until=now + lease)
                .returning(SourceRow.id)
            )
        )


def claim_source(db: Database, source_id: int, owner: str, now: datetime, lease: timedelta) -> bool:
    """Lease one source if it is due and free (the bot's own poll jobs go through this too)."""
    with db.session() as session:
        taken = session.scalar(
            update(SourceRow)
            .where(SourceRow.id == source_id, *_claimable(now))
            .values(lease_owner=owner, lease_until=now + lease)
            .returning(SourceRow.id)
        )
        return taken is not None


def release_sources(db: Database, source_ids: list[int], owner: str) -> None:
    """Give leases back after a refresh (only those still held by `owner`)."""
    if not source_ids:
        return
    with db.session() as session:
        session.execute(
            update(SourceRow)
            .where(SourceRow.id.in_(source_ids), SourceRow.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )


def source_due_at(db: Database, source_id: int, now: datetime) -> datetime | None:
    """When one watched source is next due (`now` if it never ran); None when no longer watched.

    One row, not the whole schedule: a poll job asks this after every refresh.
    """
    with db.session() as session:
        found = session.execute(
            select(SourceRow.next_poll_at)
            .join(AccountRow, AccountRow.id == SourceRow.account_id)
            .where(SourceRow.id == source_id, AccountRow.removed.is_(False), SourceRow.disabled.is_(False))
        ).first()
        return None if found is None else found.next_poll_at or now
