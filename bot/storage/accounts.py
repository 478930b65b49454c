"""Watched accounts and their sources in the database.

`config/watchlist.yaml` seeds the table; accounts added or removed in chat (origin `chat`)
win over the file, because an admin's latest decision in chat is the newer one. The file
still owns the accounts it introduced for as long as nobody touched them in chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from bot.model import Account, SourceKind, SourceSpec
from bot.storage.db import Database
from bot.storage.tables import AccountRow, SourceRow


def _write_account(session: Session, account: Account, origin: str, now: datetime) -> None:
    _write_row(session, session.get(AccountRow, account.id), account, origin, now)
    session.flush()  # the account row exists before its sources are added
    stored = session.execute(
        select(SourceRow.kind, SourceRow.handle, SourceRow.id).where(SourceRow.account_id == account.id)
    )
    _write_sources(session, account, {(kind, handle): source_id for kind, handle, source_id in stored}, now)


def _write_row(session: Session, row: AccountRow | None, account: Account, origin: str, now: datetime) -> None:
    if row is None:
        row = AccountRow(id=account.id)
        session.add(row)
    row.name, row.role, row.country = account.name, account.role, account.country
    row.languages = list(account.languages)
    row.origin, row.removed, row.updated_at = origin, False, now


def _write_sources(session: Session, account: Account, existing: dict[tuple[str, str], int], now: datetime) -> None:
    """Add the account's new sources and delete those it no longer lists (`existing`: (kind, handle) → id)."""
    wanted = {(spec.kind.value, spec.handle) for spec in account.sources}
    for key, source_id in existing.items():
        if key not in wanted:
            session.delete(session.get(SourceRow, source_id))
    for kind, handle in sorted(wanted - existing.keys()):
        session.add(SourceRow(account_id=account.id, kind=kind, handle=handle, next_poll_at=now))


def _differs(stored: Row[Any], account: Account) -> bool:
    """Whether a config-owned account's row says something else than the file (or was removed)."""
    return stored.removed or (stored.name, stored.role, stored.country, list(stored.languages or ())) != (
        account.name,
        account.role,
        account.country,
        list(account.languages),
    )


def sync_watchlist(db: Database, accounts: Sequence[Account], now: datetime | None = None) -> None:
    """Bring config-owned accounts in line with the file; chat-owned accounts are left alone.

    Two reads (plain rows, not ORM objects), ORM writes only for what changed, and one
    UPDATE for `updated_at` (it says when the file last loaded each of its accounts):
    the bot, `poll` and every worker run this at start-up, and thousands of accounts
    otherwise cost a query and a flush each.
    """
    now = now or datetime.now(UTC)
    with db.session() as session:
        rows = {
            row.id: row
            for row in session.execute(
                select(
                    AccountRow.id,
                    AccountRow.name,
                    AccountRow.role,
                    AccountRow.country,
                    AccountRow.languages,
                    AccountRow.origin,
                    AccountRow.removed,
                )
            )
        }
        stored: dict[str, dict[tuple[str, str], int]] = {}
        for source in session.execute(select(SourceRow.id, SourceRow.account_id, SourceRow.kind, SourceRow.handle)):
            stored.setdefault(source.account_id, {})[(source.kind, source.handle)] = source.id
        written = [account for account in accounts if (row := rows.get(account.id)) is None or row.origin == "config"]
        for account in written:
            row = rows.get(account.id)
            if row is None or _differs(row, account):
                _write_row(session, session.get(AccountRow, account.id) if row else None, account, "config", now)
        session.flush()  # new account rows exist before their sources are added
        for account in written:
            _write_sources(session, account, stored.get(account.id, {}), now)
        # The file loaded each config account now: those it lists, and those it dropped.
        config = (AccountRow.origin == "config", AccountRow.removed.is_(False))
        session.execute(update(AccountRow).where(*config).values(updated_at=now))
        listed = {a.id for a in accounts}
        for row in rows.values():
            if row.origin == "config" and row.id not in listed and not row.removed:
                session.execute(update(AccountRow).where(AccountRow.id == row.id).values(removed=True))


ADDED, UPDATED, UNCHANGED, SKIPPED = "added", "updated", "unchanged", "skipped"


@dataclass(frozen=True)
class ImportResult:
    outcome: str  # added | updated | unchanged | skipped
    account: Account
    detail: str = ""  # for skipped: the accounts already watching its feeds


def _same(stored: Account, imported: Account) -> bool:
    """Equal apart from the order of sources (the database keeps its own order)."""
    return replace(stored, sources=()) == replace(imported, sources=()) and set(stored.sources) == set(
        imported.sources
    )


def import_accounts(db: Database, accounts: Sequence[Account]) -> list[ImportResult]:
    """Add imported accounts as if an admin added them in chat; feeds watched already are skipped."""
    current = {a.id: a for a in list_accounts(db)}
    watched = {(s.kind, s.handle): a.id for a in current.values() for s in a.sources}
    results = []
    for account in accounts:
        known = current.get(account.id)
        if known is not None and _same(known, account):
            results.append(ImportResult(UNCHANGED, account))
            continue
        owners = {watched.get((s.kind, s.handle)) for s in account.sources}
        if known is None and None not in owners:
            results.append(ImportResult(SKIPPED, account, ", ".join(sorted(o for o in owners if o))))
            continue
        add_account(db, account, origin="chat")
        results.append(ImportResult(UPDATED if known else ADDED, account))
    return results


def add_account(db: Database, account: Account, origin: str = "chat") -> None:
    """Add or replace an account (an admin's `/watch add` or an import)."""
    with db.session() as session:
        _write_account(session, account, origin, datetime.now(UTC))


def remove_account(db: Database, account_id: str) -> bool:
    """Stop watching an account; kept as a row so statements and the decision survive."""
    with db.session() as session:
        row = session.get(AccountRow, account_id)
        if row is None or row.removed:
            return False
        row.removed, row.origin, row.updated_at = True, "chat", datetime.now(UTC)
        return True


def list_accounts(db: Database) -> list[Account]:
    """Active accounts with their sources, ordered by id (two queries of plain rows, however many)."""
    with db.session() as session:
        rows = session.execute(
            select(AccountRow.id, AccountRow.name, AccountRow.role, AccountRow.country, AccountRow.languages)
            .where(AccountRow.removed.is_(False))
            .order_by(AccountRow.id)
        ).all()
        sources: dict[str, list[SourceSpec]] = {}
        for account_id, kind, handle in session.execute(
            select(SourceRow.account_id, SourceRow.kind, SourceRow.handle)
            .join(AccountRow, AccountRow.id == SourceRow.account_id)
            .where(AccountRow.removed.is_(False))
            .order_by(SourceRow.id)
        ):
            sources.setdefault(account_id, []).append(SourceSpec(SourceKind(kind), handle))
    return [
        Account(row.id, row.name, row.role, row.country, tuple(row.languages or ()), tuple(sources.get(row.id, ())))
        for row in rows
    ]


def list_source_rows(db: Database) -> list[SourceRow]:
    """Sources of active accounts (detached rows, for reports and scheduling)."""
    with db.session() as session:
        return list(
            session.scalars(
                select(SourceRow)
                .join(AccountRow, AccountRow.id == SourceRow.account_id)
                .where(AccountRow.removed.is_(False))
                .order_by(SourceRow.account_id, SourceRow.id)
            )
        )
