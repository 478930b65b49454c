"""Syncing the watchlist at every start: what changed is written, and every config account is
marked as loaded now (its `updated_at`, which decides what a first fetch counts as backlog)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.model import Account, SourceKind, SourceSpec
from bot.storage.accounts import add_account, list_accounts, sync_watchlist
from bot.storage.db import open_database
from bot.storage.tables import AccountRow, SourceRow

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _account(account_id: str, *handles: str, name: str = "") -> Account:
    return Account(
        account_id, name or account_id.upper(), sources=tuple(SourceSpec(SourceKind.RSS, h) for h in handles)
    )


def _state(db) -> dict[str, tuple]:
    with db.session() as session:
        sources = {}
        for row in session.scalars(select(SourceRow)):
            sources.setdefault(row.account_id, set()).add((row.id, row.handle))
        return {
            row.id: (row.name, row.origin, row.removed, row.updated_at, sources.get(row.id, set()))
            for row in session.scalars(select(AccountRow))
        }


def test_a_second_sync_of_the_same_file_keeps_rows_and_marks_them_loaded(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    accounts = [_account(f"a{n}", f"https://{n}.example/rss", f"https://{n}.example/atom") for n in range(30)]
    sync_watchlist(db, accounts, T0)
    before = _state(db)
    sync_watchlist(db, accounts, T0 + timedelta(hours=1))
    after = _state(db)
    assert set(after) == set(before)
    for account_id, (name, origin, removed, updated_at, sources) in after.items():
        assert (name, origin, removed, sources) == (*before[account_id][:3], before[account_id][4])
        assert updated_at == T0 + timedelta(hours=1)


def test_changes_are_written_and_chat_accounts_are_left_alone(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    sync_watchlist(db, [_account("kept", "https://k/1", "https://k/2"), _account("dropped", "https://d/1")], T0)
    add_account(db, _account("chat", "https://c/1"), origin="chat")
    chat_before = _state(db)["chat"]
    later = T0 + timedelta(hours=2)
    sync_watchlist(
        db,
        [_account("kept", "https://k/2", "https://k/3", name="Renamed"), _account("chat", "https://other/1")],
        later,
    )
    state = _state(db)
    name, origin, removed, updated_at, sources = state["kept"]
    assert (name, origin, removed, updated_at) == ("Renamed", "config", False, later)
    assert {handle for _, handle in sources} == {"https://k/2", "https://k/3"}
    assert state["dropped"][2:4] == (True, later)
    assert state["chat"] == chat_before
    assert [a.id for a in list_accounts(db)] == ["chat", "kept"]

    sync_watchlist(db, [_account("dropped", "https://d/1")], later + timedelta(hours=1))
    assert _state(db)["dropped"][2] is False, "an account listed again is watched again"
